"""The audit chain detects an altered, a removed and a reordered entry, and names the first broken one; in its
SQLite file and in a PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from fedcli.processes import fedgate_command
from fedtools.federation import Tables
from node.audit import AuditLog, verify_chain
from node.audit_replays import QueryReplayed
from node.pgsql import Location, PostgresDatabase
from tests.federation import write_node_config
from tests.pg import Engine, execute, rows


@pytest.fixture
async def audit_path(engine: Engine) -> Location:
    path = engine.location("audit.sqlite")
    log = AuditLog(path)
    try:
        ids = await asyncio.gather(*(log.append({"kind": "search", "query_id": f"q{n}"}) for n in range(6)))
    finally:
        log.close()
    assert len(set(ids)) == 6
    return path


def tamper(path: Location, *statements: str) -> None:
    """What someone with write access to the file (or the database) could do: drop the guards, then edit."""
    on = " ON entries" if isinstance(path, PostgresDatabase) else ""
    guards = [f"DROP TRIGGER entries_are_never_updated{on}", f"DROP TRIGGER entries_are_never_deleted{on}"]
    execute(path, *guards, *statements)


def store_table(audit_path: Location) -> Tables:
    """node.toml's [store] for this audit log."""
    if isinstance(audit_path, PostgresDatabase):
        return {"store": {"url": audit_path.url}}
    return {"store": {"audit_path": str(audit_path)}}


def test_an_untouched_chain_verifies(audit_path: Location) -> None:
    report = verify_chain(audit_path)
    assert report.intact
    assert report.entries == 6


def test_entries_cannot_be_changed_through_the_database(audit_path: Location) -> None:
    refused = psycopg.IntegrityError if isinstance(audit_path, PostgresDatabase) else sqlite3.IntegrityError
    with pytest.raises(refused, match="append-only"):
        execute(audit_path, "UPDATE entries SET body = '{}' WHERE seq = 2")
    with pytest.raises(refused, match="append-only"):
        execute(audit_path, "DELETE FROM entries WHERE seq = 2")


def test_an_altered_entry_is_named(audit_path: Location) -> None:
    body = json.loads(rows(audit_path, "SELECT body FROM entries WHERE seq = 3")[0][0])
    body["query_id"] = "forged"
    forged = json.dumps(body, sort_keys=True, separators=(",", ":")).replace("'", "''")
    tamper(audit_path, f"UPDATE entries SET body = '{forged}' WHERE seq = 3")
    report = verify_chain(audit_path)
    assert report.broken_seq == 3
    assert "altered" in (report.problem or "")


def test_a_removed_entry_is_named(audit_path: Location) -> None:
    tamper(audit_path, "DELETE FROM entries WHERE seq = 4")
    report = verify_chain(audit_path)
    assert report.broken_seq == 5
    assert "entry 4 is missing" in (report.problem or "")


def test_reordered_entries_are_named(audit_path: Location) -> None:
    tamper(
        audit_path,
        "UPDATE entries SET seq = -2 WHERE seq = 2",
        "UPDATE entries SET seq = 2 WHERE seq = 3",
        "UPDATE entries SET seq = 3 WHERE seq = -2",
    )
    report = verify_chain(audit_path)
    assert report.broken_seq == 2
    assert "moved" in (report.problem or "")


def test_audit_verify_command_names_the_broken_entry(audit_path: Location, tmp_path: Path) -> None:
    config = write_node_config(tmp_path / "cfg", "FR", "http://127.0.0.1:1", store_table(audit_path))
    command = [sys.executable, "-m", "fedcli.main", "node", "audit", "verify", "--config", str(config)]
    intact = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert "intact (6 entries, latest checkpoint seq none, 0 anchors checked)" in intact.stdout
    tamper(audit_path, "DELETE FROM entries WHERE seq = 2")
    broken = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2
    assert "BROKEN at entry 3" in broken.stderr


def test_an_export_verifies_offline_and_names_an_altered_line(audit_path: Location, tmp_path: Path) -> None:
    config = write_node_config(tmp_path / "cfg", "FR", "http://127.0.0.1:1", store_table(audit_path))
    export = tmp_path / "export.jsonl"
    command = fedgate_command("node", "audit", "export", "--config", str(config), "--since", "2000-01-01")
    result = subprocess.run(
        [*command, "--until", "2100-01-01", "--out", str(export)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = export.read_text().splitlines()
    assert len(lines) == 6
    verify = fedgate_command("node", "audit", "verify", "--export", str(export))
    intact = subprocess.run(verify, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 6 entries" in intact.stdout
    # Entries 3 to 5 alone (a later review period) verify too: the first one is the anchor.
    partial = tmp_path / "partial.jsonl"
    partial.write_text("\n".join(lines[2:5]) + "\n")
    assert subprocess.run([*verify[:-1], str(partial)], capture_output=True, timeout=60).returncode == 0
    entry = json.loads(lines[3])
    entry["body"] = entry["body"].replace('"kind":"search"', '"kind":"forged"')
    assert entry["body"] != json.loads(lines[3])["body"]
    lines[3] = json.dumps(entry)
    export.write_text("\n".join(lines) + "\n")
    broken = subprocess.run(verify, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2
    assert "BROKEN at entry 4" in broken.stderr


def test_export_bounds_must_be_dates(audit_path: Location, tmp_path: Path) -> None:
    config = write_node_config(tmp_path / "cfg", "FR", "http://127.0.0.1:1")
    command = fedgate_command("node", "audit", "export", "--config", str(config), "--since", "last tuesday")
    result = subprocess.run([*command, "--until", "2100-01-01"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--since 'last tuesday' is not an ISO 8601 date" in result.stderr


async def test_a_search_entry_whose_query_id_was_answered_is_refused_and_nothing_is_appended(
    audit_path: Location,
) -> None:
    """The replay check every process of a country shares: made in the append's own transaction."""
    log = AuditLog(audit_path)
    try:
        with pytest.raises(QueryReplayed):
            await log.append({"kind": "search", "query_id": "q3"})
        # In one batch too: of two entries of one new query id, only the first is appended.
        twice = await asyncio.gather(
            *(log.append({"kind": "search", "query_id": "q-new"}) for _ in range(2)), return_exceptions=True
        )
        # Other kinds of entry (a refusal, a describe) are never replays.
        await log.append({"kind": "rejected", "query_id": "q3"})
    finally:
        log.close()
    assert sum(isinstance(item, QueryReplayed) for item in twice) == 1
    report = verify_chain(audit_path)
    assert report.intact
    assert report.entries == 6 + 1 + 1
