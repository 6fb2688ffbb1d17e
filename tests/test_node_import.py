"""`fedgate node import`: validated FtM JSON lines, one transaction, bad lines named by number; into an SQLite file
or a PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from node.config import load_node_config
from node.pgsql import PostgresDatabase
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
