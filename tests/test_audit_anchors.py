"""An audit chain anchored outside the node: cutting its end, emptying it or recomputing it is caught.

A real gateway and a real French node (separate processes) answer searches; the node signs checkpoints of
its chain head, the gateway's search log and the saved answers keep each entry's seq and hash. Each test
then plays a hostile operator on a copy of the audit file (the append-only triggers dropped) and runs
`fedgate node audit verify` as a data-protection officer would.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fedcli.processes import fedgate_command
from fedcore.config import ConfigError
from fedcore.directory import load_directory, load_federation_keys
from fedcore.evidence import verify_answer
from fedtools.opa import OpaServer
from node.audit import AuditLog, verify_chain
from node.audit_chain import entry_hash
from node.audit_verify import Evidence, StoredEntry, check_evidence, read_anchors
from node.checkpoints import Checkpointer, parse_checkpoint, sign_checkpoint
from node.config import load_node_config
from tests.federation import KEYS, IssuerKeys, running_federation, write_node_config

SEARCHES = 8
CHECKPOINT_EVERY = 3
PETROV = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "drug_trafficking"}
NOBODY = {"schema": "Person", "properties": {"name": ["Nobody Atall"]}, "purpose": "drug_trafficking"}


@dataclass(frozen=True)
class Recorded:
    """What a French node and the gateway left behind after SEARCHES searches, the node stopped."""

    audit: Path
    checkpoints: Path
    search_log: Path
    answers: list[Path]


@pytest.fixture(scope="module")
def recorded(
    tmp_path_factory: pytest.TempPathFactory, shared_opa: Callable[[str], OpaServer], issuer_keys: IssuerKeys
) -> Recorded:
    work = tmp_path_factory.mktemp("anchored")
    answers: list[Path] = []

    async def searches() -> Path:
        audit = {"audit": {"checkpoint_every_entries": CHECKPOINT_EVERY}}
        async with running_federation(
            work, issuer_keys, shared_opa, processes=True, countries=("FR",), node_more=audit
        ) as fed:
            token = fed.token("DE")
            for number in range(SEARCHES):
                status, answer = await fed.api.search(PETROV if number % 2 else NOBODY, token)
                assert status == 200, answer
                answers.append(work / f"answer-{number + 1}.json")
                answers[-1].write_text(json.dumps(answer))
            return fed.gateway.directory

    gateway_directory = asyncio.run(searches())
    node = work / "node-fr"
    return Recorded(
        node / "audit.sqlite", node / "audit.checkpoints.jsonl", gateway_directory / "searches.jsonl", answers
    )


def copy_audit(recorded: Recorded, tmp_path: Path) -> Path:
    """The hostile operator's working copy, without the append-only triggers."""
    copy = tmp_path / "audit.sqlite"
    source = sqlite3.connect(f"file:{recorded.audit}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("DROP TRIGGER entries_are_never_updated")
    target.execute("DROP TRIGGER entries_are_never_deleted")
    target.commit()
    target.close()
    return copy


def run_verify(tmp_path: Path, audit: Path, *options: str) -> subprocess.CompletedProcess[str]:
    config = write_node_config(tmp_path / "dpo", "FR", "http://127.0.0.1:1", {"store": {"audit_path": str(audit)}})
    command = fedgate_command("node", "audit", "verify", "--config", str(config), *options)
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def recompute_from(audit: Path, seq: int, change: tuple[str, str]) -> None:
    """Rewrites entry `seq` and every hash after it: a chain that is consistent from its first entry on."""
    connection = sqlite3.connect(audit)
    rows = connection.execute("SELECT seq, body, prev_hash FROM entries WHERE seq >= ? ORDER BY seq", (seq,))
    prev_hash = None
    for number, body, stored_prev in rows.fetchall():
        if number == seq:
            assert change[0] in body
            body = body.replace(*change)
        prev_hash = stored_prev if prev_hash is None else prev_hash
        digest = entry_hash(prev_hash, body)
        connection.execute(
            "UPDATE entries SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?", (body, prev_hash, digest, number)
        )
        prev_hash = digest
    connection.commit()
    connection.close()


def checkpoint_seqs(path: Path) -> list[int]:
    return [parse_checkpoint(line).seq for line in path.read_text().splitlines()]


# --- the untouched chain -------------------------------------------------------------------------


def test_the_untouched_chain_verifies_against_checkpoints_and_every_anchor(recorded: Recorded, tmp_path: Path) -> None:
    # Every CHECKPOINT_EVERY entries, and the head when the node stopped.
    assert checkpoint_seqs(recorded.checkpoints) == [3, 6, 8]
    anchors = ["--anchors", str(recorded.search_log), *map(str, recorded.answers)]
    result = run_verify(tmp_path, recorded.audit, "--checkpoints", str(recorded.checkpoints), *anchors)
    assert result.returncode == 0, result.stderr
    assert "audit log intact (8 entries, latest checkpoint seq 8, 16 anchors checked)" in result.stdout


def test_a_custodian_verifies_copies_off_the_node_without_its_configuration(recorded: Recorded, tmp_path: Path) -> None:
    """The DPO's machine holds copies and the node's public key, not node.toml (nor the node's private key)."""
    audit = copy_audit(recorded, tmp_path)
    checkpoints = shutil.copy(recorded.checkpoints, tmp_path / "fr-checkpoints.jsonl")
    command = fedgate_command(
        "node", "audit", "verify", "--audit-file", str(audit), "--country", "FR", "--keys", str(KEYS.public)
    )
    command += ["--checkpoints", str(checkpoints), "--anchors", str(recorded.answers[-1])]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "audit log intact (8 entries, latest checkpoint seq 8, 1 anchors checked)" in result.stdout
    # A country that is not this file's: its checkpoints are not this chain's.
    as_germany = [("DE" if argument == "FR" else argument) for argument in command]
    result = subprocess.run(as_germany, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "is a checkpoint of FR, not of DE" in result.stderr


def test_a_checkpoint_re_signed_by_another_party_is_refused_under_the_directory(
    recorded: Recorded, tmp_path: Path
) -> None:
    """A custodian with every party's public keys: a truncation hidden behind a checkpoint the gateway signed
    (with its own key) passes a key-id lookup, but not the directory, which binds keys to countries."""
    audit = copy_audit(recorded, tmp_path)
    connection = sqlite3.connect(audit)
    connection.execute("DELETE FROM entries WHERE seq > 5")
    connection.commit()
    (seq, digest) = connection.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
    connection.close()
    forged = sign_checkpoint(KEYS.gateway, "FR", seq, digest, datetime.datetime.now(datetime.UTC))
    checkpoints = tmp_path / "forged-checkpoints.jsonl"
    checkpoints.write_text(forged.to_line())
    directory = KEYS.directory_for(tmp_path / "federation.json", ("FR", "DE"))
    base = fedgate_command("node", "audit", "verify", "--audit-file", str(audit), "--country", "FR")
    base += ["--checkpoints", str(checkpoints)]
    by_key_id = subprocess.run([*base, "--keys", str(KEYS.public)], capture_output=True, text=True, timeout=60)
    assert by_key_id.returncode == 0  # why --keys must hold this node's keys only
    bound = [*base, "--directory", str(directory), "--federation-key", str(KEYS.public_path("federation-test-1"))]
    result = subprocess.run(bound, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "is signed with key 'gw-test-1', not a key of FR" in result.stderr


def test_a_signed_answer_carries_its_entry_seq_and_hash(recorded: Recorded) -> None:
    connection = sqlite3.connect(f"file:{recorded.audit}?mode=ro", uri=True)
    chain = {
        seq: (entry_id, digest)
        for seq, entry_id, digest in connection.execute("SELECT seq, entry_id, hash FROM entries")
    }
    connection.close()
    directory = load_directory(
        KEYS.directory_for(recorded.audit.parent / "federation.json", ("FR",)),
        load_federation_keys([KEYS.public_path("federation-test-1")]),
    )

    def france_verdict(answer: dict[str, Any]) -> str:
        return next(str(f) for f in verify_answer(answer, directory) if f.subject == "FR")

    for number, path in enumerate(recorded.answers, start=1):
        answer = json.loads(path.read_text())
        france = answer["countries"]["FR"]
        assert france["audit_seq"] == number
        assert chain[number] == (france["audit_entry_id"], france["audit_hash"])
        assert france_verdict(answer) == "FR: intact"
        # The seq and hash are signed: a country cannot disown the entry, nor can the gateway move it.
        france["audit_seq"] = number + 1
        assert france_verdict(answer) == "FR: altered"
        # Nor can the gateway drop them: an answer without its anchor is not the answer the country signed.
        del france["audit_seq"], france["audit_hash"]
        assert france_verdict(answer) == "FR: altered"
    # The gateway's own log keeps the same anchors, and no record content.
    lines = [json.loads(line) for line in recorded.search_log.read_text().splitlines()]
    assert [line["audit_anchors"]["FR"]["seq"] for line in lines] == list(range(1, SEARCHES + 1))
    assert all(line["audit_anchors"]["FR"]["hash"] == chain[line["audit_anchors"]["FR"]["seq"]][1] for line in lines)
    assert "Ivan" not in recorded.search_log.read_text()


# --- the four manipulations ----------------------------------------------------------------------


def test_deleting_the_last_entries_is_caught_by_the_anchors(recorded: Recorded, tmp_path: Path) -> None:
    audit = copy_audit(recorded, tmp_path)
    connection = sqlite3.connect(audit)
    connection.execute("DELETE FROM entries WHERE seq > 6")
    connection.commit()
    connection.close()
    assert verify_chain(audit).intact  # what the chain alone says
    result = run_verify(tmp_path, audit, "--anchors", str(recorded.search_log))
    assert result.returncode == 2
    assert "audit log BROKEN at entry 7: truncated: the chain ends at entry 6" in result.stderr
    assert "searches.jsonl line 7 vouches for entry 7 (and 1 other anchor or checkpoint up to entry 8)" in result.stderr


def test_a_truncated_file_is_caught_by_the_checkpoints_alone(recorded: Recorded, tmp_path: Path) -> None:
    # A fresh file, triggers and all, holding the first 4 entries only: nothing in it looks edited.
    audit = tmp_path / "audit.sqlite"
    AuditLog(audit).close()
    connection = sqlite3.connect(audit)
    connection.execute("ATTACH DATABASE ? AS original", (f"file:{recorded.audit}?mode=ro",))
    connection.execute("INSERT INTO entries SELECT * FROM original.entries WHERE seq <= 4")
    connection.commit()
    connection.close()
    assert verify_chain(audit).intact
    result = run_verify(tmp_path, audit, "--checkpoints", str(recorded.checkpoints))
    assert result.returncode == 2
    assert "audit log BROKEN at entry 5: truncated: the chain ends at entry 4" in result.stderr
    assert "entries 5 to 8 at least were removed; first missing: 5" in result.stderr


@pytest.mark.parametrize("how", ["file removed", "rows deleted"])
def test_deleting_everything_is_caught(recorded: Recorded, tmp_path: Path, how: str) -> None:
    audit = copy_audit(recorded, tmp_path)
    if how == "file removed":
        audit.unlink()
    else:
        connection = sqlite3.connect(audit)
        connection.execute("DELETE FROM entries")
        connection.commit()
        connection.close()
    anchors = ["--anchors", str(recorded.search_log)]
    result = run_verify(tmp_path, audit, "--checkpoints", str(recorded.checkpoints), *anchors)
    assert result.returncode == 2
    assert "audit log BROKEN at entry 1: every entry was deleted" in result.stderr
    assert "first missing: 1" in result.stderr


def test_a_rewritten_and_recomputed_chain_is_caught(recorded: Recorded, tmp_path: Path) -> None:
    audit = copy_audit(recorded, tmp_path)
    recompute_from(audit, 4, ('"purpose":"drug_trafficking"', '"purpose":"fugitive"'))
    assert verify_chain(audit).intact  # consistent from its first entry on
    by_anchors = run_verify(tmp_path, audit, "--anchors", str(recorded.search_log))
    assert by_anchors.returncode == 2
    assert "audit log BROKEN at entry 4: rewritten: entry 4 has hash" in by_anchors.stderr
    assert (
        "the chain was altered from entry 4 on (4 later entries differ too; entry 3 still agrees)" in by_anchors.stderr
    )
    # The checkpoints alone narrow it down to the entries between two checkpoints.
    by_checkpoints = run_verify(tmp_path, audit, "--checkpoints", str(recorded.checkpoints))
    assert by_checkpoints.returncode == 2
    assert "BROKEN at entry 4: rewritten: entry 6 has hash" in by_checkpoints.stderr
    assert "altered from one of entries 4 to 6 on (1 later entry differs too; entry 3" in by_checkpoints.stderr


def test_a_forged_checkpoint_is_named(recorded: Recorded, tmp_path: Path) -> None:
    forged = tmp_path / "checkpoints.jsonl"
    lines = recorded.checkpoints.read_text().splitlines()
    last = json.loads(lines[-1])
    lines[-1] = json.dumps({**last, "seq": 5})
    forged.write_text("\n".join(lines) + "\n")
    result = run_verify(tmp_path, recorded.audit, "--checkpoints", str(forged))
    assert result.returncode == 2
    assert "checkpoints.jsonl line 3 (seq 5): its signature does not verify (forged)" in result.stderr


# --- the pieces on their own ---------------------------------------------------------------------


def test_evidence_beyond_an_empty_chain_means_everything_was_deleted() -> None:
    anchors = [Evidence(2, "h2", "e2", "answer.json"), Evidence(5, "h5", "e5", "log line 9")]
    (finding,) = check_evidence(0, lambda seq: None, anchors)
    assert finding.seq == 1
    assert finding.problem.startswith("every entry was deleted")


def test_the_first_differing_anchor_after_the_last_agreeing_one_is_named() -> None:
    chain = {seq: StoredEntry(f"e{seq}", f"h{seq}" if seq < 4 else f"forged{seq}") for seq in range(1, 7)}
    anchors = [Evidence(seq, f"h{seq}", f"e{seq}", f"line {seq}") for seq in (1, 3, 5, 6)]
    (finding,) = check_evidence(6, chain.get, anchors)
    assert finding.seq == 4
    assert "rewritten: entry 5" in finding.problem
    assert "altered from one of entries 4 to 5 on (1 later entry differs too; entry 3 still agrees)" in finding.problem


def test_anchors_are_read_from_a_saved_answer_a_search_log_and_a_saved_stream(tmp_path: Path) -> None:
    france = {"status": "hit", "audit_entry_id": "e7", "audit_seq": 7, "audit_hash": "h7"}
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps({"query_id": "q1", "countries": {"FR": france, "DE": {**france, "audit_seq": 9}}}))
    log = tmp_path / "searches.jsonl"
    log.write_text(
        json.dumps({"event": "search", "audit_anchors": {"FR": {"entry_id": "e8", "seq": 8, "hash": "h8"}}})
        + "\n"
        + json.dumps({"event": "search", "audit_anchors": {}})  # France timed out: no anchor
        + "\n"
    )
    stream = tmp_path / "stream.jsonl"
    stream.write_text(
        json.dumps({"type": "country", "country": "FR", **france, "audit_seq": 9, "audit_hash": "h9"})
        + "\n"
        + json.dumps({"type": "summary", "countries": {"FR": france}})
        + "\n"
    )
    assert read_anchors(answer, "FR") == [Evidence(7, "h7", "e7", "answer.json (query q1)")]
    assert read_anchors(log, "FR") == [Evidence(8, "h8", "e8", "searches.jsonl line 1")]
    assert read_anchors(stream, "FR") == [Evidence(9, "h9", "e7", "stream.jsonl line 1")]


def test_the_writer_signs_the_head_when_due_and_when_closing(tmp_path: Path) -> None:
    key = KEYS.create("fr-checkpoints-1")
    checkpointer = Checkpointer(tmp_path / "cp.jsonl", key, "FR", every_entries=10, every_s=3600)
    checkpointer.start(0, "0" * 64)
    assert checkpointer.wait_s() is None  # nothing to sign: the writer waits for entries
    checkpointer.advanced(2, "ab" * 32)
    assert 0 < (checkpointer.wait_s() or 0) <= 3600
    checkpointer.sign_if_due()
    assert not (tmp_path / "cp.jsonl").exists()
    checkpointer.sign_if_due(closing=True)
    (checkpoint,) = [parse_checkpoint(line) for line in (tmp_path / "cp.jsonl").read_text().splitlines()]
    assert (checkpoint.country, checkpoint.seq, checkpoint.hash, checkpoint.key_id) == ("FR", 2, "ab" * 32, key.key_id)
    assert checkpoint.verifies_under(key.private_key.public_key())


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ({"checkpoint_every_entries": 0}, "audit.checkpoint_every_entries must be at least 1, got 0"),
        ({"checkpoint_every_s": 0}, "audit.checkpoint_every_s must be at least 0.1"),
        ({"checkpoints_path": "audit.sqlite"}, "audit.checkpoints_path must be a file of its own"),
    ],
)
def test_bad_checkpoint_settings_name_the_key(tmp_path: Path, setting: dict[str, Any], problem: str) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", {"audit": setting})
    with pytest.raises(ConfigError, match=problem):
        load_node_config(config)


def test_the_checkpoints_command_prints_them_for_a_custodian(recorded: Recorded, tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
    shutil.copy(recorded.checkpoints, tmp_path / "audit.checkpoints.jsonl")
    command = fedgate_command("node", "audit", "checkpoints", "--config", str(config), "--after-seq", "3")
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == recorded.checkpoints.read_text().splitlines()[1:]
