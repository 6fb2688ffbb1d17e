"""Signed checkpoints of the audit chain's head, in an append-only JSON-lines file meant to be shipped off the node.

A checkpoint says "on <signed_at>, entry <seq> of <country>'s audit chain had hash <hash>", signed with the
node's answer-signing key. Whoever holds a copy can later tell a chain that was cut short, emptied or
recomputed from one that was not (node/audit_verify.py).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from fedcore.canonical import canonical_bytes
from fedcore.keys import SigningKey, decode_signature, encode_signature
from fedcore.logs import log_event

logger = logging.getLogger("fedgate.node")

# Signed with the same key as answers: the kind keeps a checkpoint from ever passing for an answer, or back.
CHECKPOINT_KIND = "fedgate.audit-checkpoint.v1"


class CheckpointProblem(ValueError):
    """A line of a checkpoints file is not a checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    country: str
    key_id: str
    seq: int
    hash: str
    signed_at: str
    signature: str  # base64url, no padding

    def content(self) -> bytes:
        """The bytes the signature covers."""
        document = {
            "kind": CHECKPOINT_KIND,
            "country": self.country,
            "key_id": self.key_id,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at,
        }
        return canonical_bytes(document)

    def to_line(self) -> str:
        return json.dumps({"kind": CHECKPOINT_KIND, **asdict(self)}, sort_keys=True, separators=(",", ":")) + "\n"

    def verifies_under(self, key: ed25519.Ed25519PublicKey) -> bool:
        try:
            key.verify(decode_signature(self.signature), self.content())
        except (InvalidSignature, ValueError):
            return False
        return True


def sign_checkpoint(key: SigningKey, country: str, seq: int, chain_hash: str, signed_at: datetime) -> Checkpoint:
    unsigned = Checkpoint(country, key.key_id, seq, chain_hash, signed_at.isoformat(timespec="microseconds"), "")
    signature = encode_signature(key.sign(unsigned.content()))
    return Checkpoint(country, key.key_id, seq, chain_hash, unsigned.signed_at, signature)


def parse_checkpoint(line: str) -> Checkpoint:
    try:
        value: Any = json.loads(line)
    except json.JSONDecodeError as error:
        raise CheckpointProblem(f"not JSON ({error.msg})") from error
    if not isinstance(value, dict) or value.get("kind") != CHECKPOINT_KIND:
        raise CheckpointProblem(f"not a {CHECKPOINT_KIND} object")
    fields = {"country": str, "key_id": str, "seq": int, "hash": str, "signed_at": str, "signature": str}
    for name, kind in fields.items():
        if not isinstance(value.get(name), kind) or isinstance(value.get(name), bool):
            raise CheckpointProblem(f"{name} is missing or not a {kind.__name__}")
    if value["seq"] < 1:
        raise CheckpointProblem(f"seq must be at least 1, got {value['seq']}")
    return Checkpoint(**{name: value[name] for name in fields})


def read_checkpoint_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every non-blank line."""
    with path.open(encoding="utf-8") as handle:
        return [(number, line) for number, line in enumerate(handle, start=1) if line.strip()]


def latest_readable(path: Path) -> Checkpoint | None:
    """The last checkpoint the file holds, skipping what cannot be read (the node's own bookkeeping only)."""
    try:
        lines = read_checkpoint_lines(path)
    except (OSError, UnicodeDecodeError):
        return None
    for _, line in reversed(lines):
        try:
            return parse_checkpoint(line)
        except CheckpointProblem:
            continue
    return None


class Checkpointer:
    """Signs the chain head every `every_entries` entries and every `every_s` seconds while it moves.

    Used by the audit writer thread only, after a batch is committed and its searches answered:
    a checkpoint never delays an answer."""

    def __init__(self, path: Path, key: SigningKey, country: str, every_entries: int, every_s: float) -> None:
        self.path = path
        self.key = key
        self.country = country
        self.every_entries = every_entries
        self.every_s = every_s
        latest = latest_readable(path)
        self.signed_seq = latest.seq if latest else 0
        self.signed_at = time.monotonic()
        # After a failed write: not before this moment again (a full disk must not spin the writer).
        self.retry_at = 0.0
        self.head_seq = 0
        self.head_hash = ""

    def start(self, head_seq: int, head_hash: str) -> None:
        """The chain as it is when the log opens; a chain behind its own checkpoints is reported at once."""
        self.head_seq, self.head_hash = head_seq, head_hash
        if head_seq < self.signed_seq:
            log_event(
                logger,
                "audit.chain_behind_checkpoint",
                logging.ERROR,
                chain_head_seq=head_seq,
                checkpoint_seq=self.signed_seq,
                problem="the audit chain is shorter than its latest signed checkpoint: entries were removed",
            )

    def advanced(self, head_seq: int, head_hash: str) -> None:
        self.head_seq, self.head_hash = head_seq, head_hash

    def wait_s(self) -> float | None:
        """How long the writer may wait for entries before a checkpoint falls due; None: nothing to sign."""
        if self.head_seq <= self.signed_seq:
            return None
        return max(0.0, max(self.signed_at + self.every_s, self.retry_at) - time.monotonic())

    def sign_if_due(self, *, closing: bool = False) -> None:
        if self.head_seq <= self.signed_seq or (time.monotonic() < self.retry_at and not closing):
            return
        due = self.head_seq - self.signed_seq >= self.every_entries or time.monotonic() - self.signed_at >= self.every_s
        if due or closing:
            self.sign_now()

    def sign_now(self) -> None:
        checkpoint = sign_checkpoint(self.key, self.country, self.head_seq, self.head_hash, datetime.now(UTC))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Opened for each checkpoint: the file may have been rotated away by the shipping job.
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(checkpoint.to_line())
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            # Searches go on (the chain itself is intact); the next checkpoint tries again.
            log_event(logger, "audit.checkpoint_failed", logging.ERROR, path=str(self.path), problem=str(error))
            self.retry_at = time.monotonic() + self.every_s
            return
        self.signed_seq = checkpoint.seq
        self.signed_at = time.monotonic()
