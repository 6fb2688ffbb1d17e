"""`fedgate node import`: validated FtM JSON lines, one transaction, bad lines named by number."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.federation import write_node_config
from tests.samples import FR_RECORDS, write_jsonl


def run_import(config: Path, source: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fedcli.main", "node", "import", "--config", str(config), str(source), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def stored_ids(config: Path) -> set[str]:
    store = config.parent / "records.sqlite"
    if not store.exists():
        return set()
    connection = sqlite3.connect(store)
    ids = {row[0] for row in connection.execute("SELECT entity_id FROM records")}
    connection.close()
    return ids


def test_valid_file_is_imported(tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
    result = run_import(config, write_jsonl(tmp_path / "in.jsonl", FR_RECORDS))
    assert result.returncode == 0, result.stderr
    assert f"imported {len(FR_RECORDS)} record(s)" in result.stdout
    assert stored_ids(config) == {record["id"] for record in FR_RECORDS}


def test_reimport_updates_records_and_keeps_their_references(tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
    source = write_jsonl(tmp_path / "in.jsonl", FR_RECORDS)
    assert run_import(config, source).returncode == 0
    store = sqlite3.connect(config.parent / "records.sqlite")
    before = dict(store.execute("SELECT entity_id, ref FROM records"))
    store.close()
    assert run_import(config, source).returncode == 0
    store = sqlite3.connect(config.parent / "records.sqlite")
    after = dict(store.execute("SELECT entity_id, ref FROM records"))
    store.close()
    assert before == after


def test_a_bad_line_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
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


def test_skip_invalid_loads_the_good_lines_and_lists_the_bad(tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
    source = tmp_path / "in.jsonl"
    good = [json.dumps(record, ensure_ascii=False) for record in FR_RECORDS[:2]]
    bad = '{"id": "z", "schema": "Person", "properties": {"name": ["A"]}, "flags": ["vip"]}'
    source.write_text("\n".join([good[0], bad, good[1]]) + "\n", encoding="utf-8")
    result = run_import(config, source, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "in.jsonl:2: unknown flags ['vip']" in result.stderr
    assert "imported 2 record(s)" in result.stdout
    assert stored_ids(config) == {FR_RECORDS[0]["id"], FR_RECORDS[1]["id"]}


def test_duplicate_ids_and_non_utf8_are_refused(tmp_path: Path) -> None:
    config = write_node_config(tmp_path, "FR", "http://127.0.0.1:1")
    duplicate = write_jsonl(tmp_path / "dup.jsonl", [FR_RECORDS[0], FR_RECORDS[0]])
    result = run_import(config, duplicate)
    assert "dup.jsonl:2: entity id already given on line 1" in result.stderr
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"id": "a\xff"}\n')
    result = run_import(config, binary)
    assert result.returncode == 1
    assert "not UTF-8" in result.stderr
    assert stored_ids(config) == set()
