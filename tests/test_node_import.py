"""`fedgate node import`: validated FtM JSON lines, one transaction, bad lines named by number; into an SQLite file
or a PostgreSQL database."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from fedcli.main import main
from node.config import load_node_config
from node.pgsql import PostgresDatabase
from node.store import checking, import_lines
from node.store.checking import CHUNK_LINES
from tests.federation import write_node_config
from tests.pg import Engine, rows
from tests.samples import FR_RECORDS, write_jsonl


def run_import(config: Path, source: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fedcli.main", "node", "import", "--config", str(config), str(source), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def stored_ids(config: Path) -> set[str]:
    store = load_node_config(config).store
    if isinstance(store, Path) and not store.exists():
        return set()
    if isinstance(store, PostgresDatabase) and rows(store, "SELECT to_regclass('records')") == [(None,)]:
        return set()
    return {entity_id for (entity_id,) in rows(store, "SELECT entity_id FROM records")}


def test_valid_file_is_imported(tmp_path: Path, engine: Engine) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", engine.node_tables())
    result = run_import(config, write_jsonl(tmp_path / "in.jsonl", FR_RECORDS))
    assert result.returncode == 0, result.stderr
    assert f"imported {len(FR_RECORDS)} record(s)" in result.stdout
    assert stored_ids(config) == {record["id"] for record in FR_RECORDS}


def test_reimport_updates_records_and_keeps_their_references(tmp_path: Path, engine: Engine) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", engine.node_tables())
    source = write_jsonl(tmp_path / "in.jsonl", FR_RECORDS)
    assert run_import(config, source).returncode == 0
    store = load_node_config(config).store
    before = dict(rows(store, "SELECT entity_id, ref FROM records"))
    assert run_import(config, source).returncode == 0
    after = dict(rows(store, "SELECT entity_id, ref FROM records"))
    assert before == after


def test_a_bad_line_is_named_and_nothing_is_imported(tmp_path: Path, engine: Engine) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", engine.node_tables())
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(record, ensure_ascii=False) for record in FR_RECORDS[:3]]
    lines.insert(1, '{"id": "x", "schema": "Person", "properties": {"birthDate": ["not a date"]}}')
    lines.insert(3, '{"id": "y", "schema": "Persn", "properties": {}}')
    lines.insert(4, "{not json")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(config, source)
    assert result.returncode == 1
    assert "in.jsonl:2: 'birthDate' holds a value that is not a valid date" in result.stderr
    assert "in.jsonl:4: unknown schema 'Persn'" in result.stderr
    assert "in.jsonl:5: not valid JSON" in result.stderr
    assert "nothing imported" in result.stderr
    assert stored_ids(config) == set()


def test_skip_invalid_loads_the_good_lines_and_lists_the_bad(tmp_path: Path, engine: Engine) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", engine.node_tables())
    source = tmp_path / "in.jsonl"
    good = [json.dumps(record, ensure_ascii=False) for record in FR_RECORDS[:2]]
    bad = '{"id": "z", "schema": "Person", "properties": {"name": ["A"]}, "flags": ["vip"]}'
    source.write_text("\n".join([good[0], bad, good[1]]) + "\n", encoding="utf-8")
    result = run_import(config, source, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "in.jsonl:2: unknown flags ['vip']" in result.stderr
    assert "imported 2 record(s)" in result.stdout
    assert stored_ids(config) == {FR_RECORDS[0]["id"], FR_RECORDS[1]["id"]}


def test_duplicate_ids_and_non_utf8_are_refused(tmp_path: Path, engine: Engine) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", engine.node_tables())
    duplicate = write_jsonl(tmp_path / "dup.jsonl", [FR_RECORDS[0], FR_RECORDS[0]])
    result = run_import(config, duplicate)
    assert "dup.jsonl:2: entity id already given on line 1" in result.stderr
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"id": "a\xff"}\n')
    result = run_import(config, binary)
    assert result.returncode == 1
    assert "not UTF-8" in result.stderr
    assert stored_ids(config) == set()


def _persons(count: int, offset: int = 0) -> list[str]:
    given = ["Anna", "Ivan", "Мария", "Jean", "محمد", "Sophie", "יוסף", "Luca", "Olga", "Pierre"]
    family = ["Martin", "Petrov", "Дюбуа", "Rossi", "Haddad", "Schmidt", "Cohen", "Bernard", "Novak", "Lefèvre"]
    lines = []
    for number in range(offset, offset + count):
        properties = {
            "firstName": [given[number % len(given)]],
            "lastName": [family[number * 7 % len(family)]],
            "birthDate": [f"19{50 + number % 50}-0{1 + number % 9}-1{number % 10}"],
            "nationality": ["fr"],
        }
        lines.append(json.dumps({"id": f"p{number}", "schema": "Person", "properties": properties}, ensure_ascii=False))
    return lines


def _store_content(location: Any) -> tuple[set[tuple[Any, ...]], set[tuple[str, int, tuple[str, ...]]]]:
    """Records without their random references, and each key's count and records in order (by entity id, not row id)."""
    records = set(rows(location, "SELECT entity_id, schema, properties, flags, expires FROM records"))
    entity_of = {str(rid): entity_id for rid, entity_id in rows(location, "SELECT rid, entity_id FROM records")}
    counts = {
        (key, n, tuple(entity_of[rid] for rid in postings.split(",")))
        for key, n, postings in rows(location, "SELECT key, n, postings FROM key_counts")
    }
    return records, counts


def _renamed(line: str) -> str:
    entity = json.loads(line)
    entity["properties"]["lastName"] = ["Okonkwo"]
    return json.dumps({"op": "MOD", "entity": entity | {"expires": "2099-01-01"}}, ensure_ascii=False)


def _counted_from_keys(location: Any) -> set[tuple[str, int, str]]:
    """Every key's count and postings as they should be: worked out afresh from the keys the records hold."""
    query = "SELECT key, count(*), group_concat(rid) FROM (SELECT key, rid FROM keys ORDER BY key, rid) GROUP BY key"
    if not isinstance(location, Path):
        query = "SELECT key, count(*), string_agg(rid::text, ',' ORDER BY rid) FROM keys GROUP BY key"
    return set(rows(location, query))


def test_worker_processes_and_one_process_write_the_same_store(tmp_path: Path, engine: Engine) -> None:
    """Checking lines in two worker processes changes nothing in what is written: records, keys, their counts,
    deletions (their references in the order of the lines) and replacements, each spread over several chunks."""
    first = _persons(CHUNK_LINES + 300)
    deleted_ids = [f"p{number}" for number in range(1299, 399, -2)]  # not in the order the records were written
    changes = [
        *_persons(CHUNK_LINES - 100, offset=CHUNK_LINES + 300),  # new
        *(_renamed(line) for line in first[:300]),  # replaced with other keys
        *(json.dumps({"op": "DEL", "entity": {"id": entity_id}}) for entity_id in deleted_ids),
        json.dumps({"op": "DEL", "entity": {"id": "never-held"}}),
    ]
    reports, locations = [], [engine.location("one.sqlite"), engine.location("two.sqlite")]
    for workers, location in zip((1, 2), locations, strict=True):
        assert import_lines(location, first, skip_invalid=False, workers=workers).imported == len(first)
        refs = dict(rows(location, "SELECT ref, entity_id FROM records"))
        report = import_lines(location, changes, skip_invalid=False, workers=workers)
        assert report.bad_lines == []
        assert [refs[ref] for ref in report.deleted] == deleted_ids
        assert (report.imported, report.not_held) == (CHUNK_LINES - 100 + 300, 1)
        assert set(rows(location, "SELECT key, n, postings FROM key_counts")) == _counted_from_keys(location)
        assert rows(location, "SELECT count(*) FROM keys WHERE key LIKE '%okonkwo%'")[0][0] > 0
        reports.append(report)
    assert reports[0].digest == reports[1].digest
    assert _store_content(locations[0]) == _store_content(locations[1])


def test_an_import_into_an_empty_store_counts_keys_as_imports_into_a_held_one(tmp_path: Path, engine: Engine) -> None:
    """An import into an empty store counts every key once at the end; one adding to held records counts the
    keys it touches: both give the same counts and postings."""
    lines = _persons(600)
    at_once, in_steps = engine.location("at_once.sqlite"), engine.location("in_steps.sqlite")
    import_lines(at_once, lines, skip_invalid=False)
    import_lines(in_steps, lines[:1], skip_invalid=False)
    import_lines(in_steps, lines[1:], skip_invalid=False)
    assert _store_content(at_once) == _store_content(in_steps)
    assert rows(at_once, "SELECT value FROM meta WHERE name = 'records'") == [("600",)]


def test_bad_lines_checked_by_workers_are_named_and_nothing_is_imported(tmp_path: Path, engine: Engine) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", engine.node_tables())
    lines = _persons(CHUNK_LINES + 10)
    lines[5] = '{"id": "x", "schema": "Person", "properties": {"birthDate": ["not a date"]}}'
    lines[CHUNK_LINES + 3] = "{not json"
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(config, source, "--workers", "2")
    assert result.returncode == 1
    assert "in.jsonl:6: 'birthDate' holds a value that is not a valid date" in result.stderr
    assert f"in.jsonl:{CHUNK_LINES + 4}: not valid JSON" in result.stderr
    assert stored_ids(config) == set()
    assert "must be at least 1" in run_import(config, source, "--workers", "0").stderr
    # Lines Python's parser or the store could not take are bad lines too, named, never the end of the import;
    # with --skip-invalid into an empty store the rest loads, a chunk of bad lines alone included.
    lines[7] = '{"id": 1' + "1" * 5000 + "}"
    lines[8] = "[" * 100_000
    lines[9] = '{"id": "\\ud800x", "schema": "Person", "properties": {"name": ["A B"]}}'
    lines += ["{not json"] * CHUNK_LINES
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(config, source, "--workers", "2", "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "in.jsonl:8: not valid JSON (a number too long to read)" in result.stderr
    assert "in.jsonl:9: not valid JSON (nested too deeply to read)" in result.stderr
    assert "in.jsonl:10: holds text that is not valid Unicode" in result.stderr
    assert f"imported {CHUNK_LINES + 5} record(s)" in result.stdout
    assert f"skipped {CHUNK_LINES + 5} bad line(s)" in result.stdout
    assert len(stored_ids(config)) == CHUNK_LINES + 5


def test_workers_that_cannot_start_are_named_not_the_input_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The system refusing another process (EAGAIN) is the machine's problem: the message says so, and names
    neither the file nor a line; nothing is imported. (A real refusal cannot be provoked reliably as root.)"""

    class Refused(ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr(checking, "ProcessPoolExecutor", Refused)
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1", {})
    source = write_jsonl(tmp_path / "in.jsonl", FR_RECORDS)
    assert main(["node", "import", "--config", str(config), str(source), "--workers", "2"]) == 1
    error = capsys.readouterr().err
    assert error.strip() == (
        f"the processes checking lines could not be started: {os.strerror(errno.EAGAIN)}; nothing imported"
    )
    assert stored_ids(config) == set()
