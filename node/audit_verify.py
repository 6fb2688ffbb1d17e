"""Checks a node's audit chain against what others hold: its signed checkpoints and the anchors in answers.

The chain alone proves only that it is consistent from its first entry on: cutting its end off, emptying it,
or rewriting an entry and recomputing every hash after it all leave a consistent chain. What catches those is
evidence kept off the node: a checkpoint (entry seq had hash h, signed by the node) and an anchor (the entry
id, seq and hash the node put in an answer, kept by the gateway's search log or by whoever saved the answer).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from node.audit import AuditError, audit_exists, open_for_reading, verify_chain
from node.audit_chain import ChainReport
from node.checkpoints import Checkpoint, CheckpointProblem, parse_checkpoint, read_checkpoint_lines
from node.pgsql import DATABASE_ERRORS, Location


@dataclass(frozen=True)
class StoredEntry:
    entry_id: str
    hash: str


# The chain as the verifier sees it: the entry at a seq, or None when there is none.
Lookup = Callable[[int], StoredEntry | None]


@dataclass(frozen=True)
class Evidence:
    """Something outside the chain that says what entry `seq` is: a checkpoint or an anchor."""

    seq: int
    hash: str
    entry_id: str  # "" for a checkpoint (its hash covers the id)
    source: str  # where it comes from, for the report: "checkpoint signed at …", "searches.jsonl line 7"


@dataclass(frozen=True)
class Finding:
    """One problem: the first entry it affects (None: not tied to an entry) and what is wrong, in words."""

    seq: int | None
    problem: str


@dataclass
class AnchoredReport:
    entries: int
    latest_checkpoint: Checkpoint | None
    anchors_checked: int
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    def ordered_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda finding: (finding.seq is None, finding.seq or 0))


# --- checkpoints ---------------------------------------------------------------------------------


def checkpoint_evidence(
    lines: Iterable[tuple[int, str]],
    keys: dict[str, ed25519.Ed25519PublicKey],
    country: str,
    source: str,
) -> tuple[list[Checkpoint], list[Finding]]:
    """The checkpoints whose signature verifies under the node's keys, and a finding for every other line."""
    valid: list[Checkpoint] = []
    findings: list[Finding] = []
    for number, line in lines:
        where = f"{source} line {number}"
        try:
            checkpoint = parse_checkpoint(line)
        except CheckpointProblem as error:
            findings.append(Finding(None, f"{where} is not a checkpoint: {error}"))
            continue
        key = keys.get(checkpoint.key_id)
        if checkpoint.country != country:
            findings.append(Finding(None, f"{where} is a checkpoint of {checkpoint.country}, not of {country}"))
        elif key is None:
            findings.append(
                Finding(None, f"{where} is signed with key {checkpoint.key_id!r}, not a key of {country} (--keys)")
            )
        elif not checkpoint.verifies_under(key):
            findings.append(
                Finding(checkpoint.seq, f"{where} (seq {checkpoint.seq}): its signature does not verify (forged)")
            )
        else:
            valid.append(checkpoint)
    return valid, findings


# --- anchors -------------------------------------------------------------------------------------


def read_anchors(path: Path, country: str) -> list[Evidence]:
    """This country's anchors in a saved /v1/search answer (JSON), or in JSON lines: the gateway's search
    log (`audit_anchors`) or a saved /v1/search/stream answer (`country` lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AuditError(f"anchor file {path} cannot be read: {error}") from error
    try:
        whole: Any = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("countries"), dict):
        return _anchor(whole["countries"].get(country), f"{path.name} (query {whole.get('query_id', '?')})")
    anchors: list[Evidence] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise AuditError(f"{path}:{number}: neither a saved answer nor JSON lines ({error.msg})") from error
        if not isinstance(value, dict):
            continue
        where = f"{path.name} line {number}"
        logged = value.get("audit_anchors")
        if isinstance(logged, dict):
            entry = logged.get(country)
            if isinstance(entry, dict):
                anchors += _anchor(
                    {"audit_entry_id": entry.get("entry_id"), "audit_seq": entry.get("seq"), **entry}, where
                )
        elif value.get("type") == "country" and value.get("country") == country:
            anchors += _anchor(value, where)
    return anchors


def _anchor(entry: Any, source: str) -> list[Evidence]:
    """An anchor from a country entry of an answer; none from an entry without one (a timeout, an older node)."""
    if not isinstance(entry, dict):
        return []
    seq, entry_id = entry.get("audit_seq", entry.get("seq")), entry.get("audit_entry_id")
    chain_hash = entry.get("audit_hash", entry.get("hash"))
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return []
    if not isinstance(entry_id, str) or not isinstance(chain_hash, str):
        return []
    return [Evidence(seq, chain_hash, entry_id, source)]


# --- the checks ------------------------------------------------------------------------------------


def check_evidence(head_seq: int, lookup: Lookup, evidence: list[Evidence]) -> list[Finding]:
    """Every checkpoint and anchor against the chain: what they vouch for must be there, unchanged.

    Beyond the chain's end: entries were removed (all of them when the chain is empty). At an entry that
    is there but differs: the chain was rewritten from somewhere after the last entry that still agrees."""
    findings: list[Finding] = []
    beyond = sorted((item for item in evidence if item.seq > head_seq), key=lambda item: item.seq)
    if beyond:
        first, last = beyond[0], beyond[-1]
        vouched = f"{first.source} vouches for entry {first.seq}"
        if len(beyond) > 1:
            others = (
                "1 other anchor or checkpoint"
                if len(beyond) == 2
                else f"{len(beyond) - 1} other anchors or checkpoints"
            )
            vouched += f" (and {others} up to entry {last.seq})"
        if head_seq == 0:
            findings.append(
                Finding(1, f"every entry was deleted: the audit log holds none, but {vouched}; first missing: 1")
            )
        else:
            findings.append(
                Finding(
                    head_seq + 1,
                    f"truncated: the chain ends at entry {head_seq}, but {vouched}; "
                    f"entries {head_seq + 1} to {last.seq} at least were removed; first missing: {head_seq + 1}",
                )
            )
    agreeing: list[Evidence] = []
    differing: list[tuple[Evidence, str]] = []
    for item in sorted((item for item in evidence if item.seq <= head_seq), key=lambda item: item.seq):
        stored = lookup(item.seq)
        if stored is None:
            differing.append((item, "is missing from the chain"))
        elif item.entry_id and stored.entry_id != item.entry_id:
            differing.append((item, f"has id {stored.entry_id}, not {item.entry_id}"))
        elif stored.hash != item.hash:
            differing.append((item, f"has hash {stored.hash[:16]}…, not {item.hash[:16]}…"))
        else:
            agreeing.append(item)
    if differing:
        bad, how = differing[0]
        good = max((item.seq for item in agreeing if item.seq < bad.seq), default=0)
        where = f"entry {bad.seq}" if good == bad.seq - 1 else f"one of entries {good + 1} to {bad.seq}"
        label = "removed" if lookup(bad.seq) is None else "rewritten"
        context = []
        if len(differing) > 1:
            later = len(differing) - 1
            context.append(f"{later} later {'entry differs' if later == 1 else 'entries differ'} too")
        if good:
            context.append(f"entry {good} still agrees")
        findings.append(
            Finding(
                good + 1,
                f"{label}: entry {bad.seq} {how} ({bad.source}); the chain was altered from {where} on"
                + (f" ({'; '.join(context)})" if context else ""),
            )
        )
    return findings


def chain_finding(report: ChainReport) -> Finding | None:
    if report.intact:
        return None
    return Finding(report.broken_seq, f"{report.problem} (entry id {report.broken_entry_id})")


class ChainIndex:
    """Point look-ups in the audit log (read-only); an absent log is an empty chain."""

    def __init__(self, path: Location) -> None:
        self.path = path
        self.exists = audit_exists(path)
        self._connection = open_for_reading(path) if self.exists else None

    def head_seq(self) -> int:
        if self._connection is None:
            return 0
        row = self._connection.execute("SELECT MAX(seq) FROM entries").fetchone()
        return int(row[0] or 0)

    def lookup(self, seq: int) -> StoredEntry | None:
        if self._connection is None:
            return None
        row = self._connection.execute("SELECT entry_id, hash FROM entries WHERE seq = ?", (seq,)).fetchone()
        return StoredEntry(*row) if row else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def verify_anchored(
    audit_path: Location,
    checkpoints_path: Path,
    anchor_paths: list[Path],
    keys: dict[str, ed25519.Ed25519PublicKey],
    country: str,
    *,
    checkpoints_required: bool = False,
    checkpoint_every_entries: int | None = None,
) -> AnchoredReport:
    """The chain walked from its first entry, then held against its signed checkpoints and every anchor."""
    checkpoint_lines: list[tuple[int, str]] = []
    notes: list[str] = []
    if checkpoints_path.exists():
        try:
            checkpoint_lines = read_checkpoint_lines(checkpoints_path)
        except (OSError, UnicodeDecodeError) as error:
            raise AuditError(f"checkpoints {checkpoints_path} cannot be read: {error}") from error
    elif checkpoints_required:
        raise AuditError(f"checkpoints file {checkpoints_path} does not exist")
    else:
        notes.append(f"no checkpoints file at {checkpoints_path}: nothing signed vouches for the chain's end")
    anchors = [anchor for path in anchor_paths for anchor in read_anchors(path, country)]
    if not audit_exists(audit_path) and not checkpoint_lines and not anchors:
        raise AuditError(f"audit log {audit_path} does not exist")
    checkpoints, findings = checkpoint_evidence(checkpoint_lines, keys, country, checkpoints_path.name)
    try:
        index = ChainIndex(audit_path)
        try:
            walked = chain_finding(verify_chain(audit_path)) if index.exists else None
            head_seq = index.head_seq()
            evidence = [
                Evidence(item.seq, item.hash, "", f"the checkpoint signed at {item.signed_at}") for item in checkpoints
            ]
            findings += check_evidence(head_seq, index.lookup, evidence + anchors)
        finally:
            index.close()
    except DATABASE_ERRORS as error:
        raise AuditError(f"audit log {audit_path} cannot be read: {error}") from error
    if walked is not None:
        findings.append(walked)
    if not index.exists:
        notes.append(f"audit log {audit_path} does not exist")
    latest = max(checkpoints, key=lambda item: item.seq, default=None)
    if latest is not None and checkpoint_every_entries and head_seq - latest.seq > checkpoint_every_entries:
        notes.append(
            f"{head_seq - latest.seq} entries after the latest checkpoint, more than checkpoint_every_entries "
            f"({checkpoint_every_entries}): is this the newest copy of the checkpoints file?"
        )
    return AnchoredReport(head_seq, latest, len(anchors), findings, notes)
