"""Records change while the node serves: deletions in the import stream and one by one, expiry, the purge;
each change in the audit chain, and a search never sees an import halfway. On both store engines."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fedcore.query import validate_query
from fedgate.v1 import node_pb2 as pb
from fedtools.federation import merged
from fedtools.opa import OpaServer
from node.audit import verify_chain
from node.config import DEFAULT_MATCHING, load_node_config
from node.lifecycle import import_audited
from node.matching import query_keys
from node.pgsql import Location
from node.search import find_matches
from node.store import ImportReport, Store, import_lines
from tests.conftest import NodeFactory, node_client, search_request
from tests.federation import write_node_config
from tests.pg import Engine, rows

PETROV = {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}


def entity(entity_id: str, name: str, **more: Any) -> str:
    return json.dumps({"id": entity_id, "schema": "Person", "properties": {"name": [name]}, **more})


def deletion(entity_id: str) -> str:
    return json.dumps({"op": "DEL", "entity": {"id": entity_id}})


def found(path: Location, name: str) -> list[str]:
    """The names of the records a search for `name` matches, through the node's own matching."""
    store = Store(path, workers=1)
    try:
        _, matches = find_matches(store, validate_query("Person", {"name": [name]}), 10, DEFAULT_MATCHING)
    finally:
        store.close()
    return [record.properties["name"][0] for record, _ in matches]


def audit_entries(path: Location, kind: str) -> list[dict[str, Any]]:
    return [json.loads(body) for (body,) in rows(path, "SELECT body FROM entries WHERE kind = ? ORDER BY seq", (kind,))]


def node_command(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fedcli.main", "node", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_a_stream_upserts_and_deletes_in_one_transaction(engine: Engine) -> None:
    path = engine.location()
    import_lines(path, [entity("a", "Anna Kowalska"), entity("b", "Boris Godunov")], skip_invalid=False)
    lines = [
        deletion("a"),
        json.dumps({"op": "MOD", "entity": json.loads(entity("b", "Boris Godunow"))}),
        json.dumps({"op": "ADD", "entity": json.loads(entity("c", "Chiara Rossi"))}),
        deletion("never-imported"),
    ]
    report = import_lines(path, lines, skip_invalid=False)
    assert (report.imported, len(report.deleted), report.not_held) == (2, 1, 1)
    assert found(path, "Anna Kowalska") == []
    assert found(path, "Boris Godunow") == ["Boris Godunow"]
    assert found(path, "Chiara Rossi") == ["Chiara Rossi"]
    # The deleted record is gone from the index too: every posting names a record held, every key is counted.
    held = {rid for (rid,) in rows(path, "SELECT rid FROM records")}
    postings = {int(rid) for (text,) in rows(path, "SELECT postings FROM key_counts") for rid in text.split(",")}
    assert postings == held
    counted = {key for (key,) in rows(path, "SELECT key FROM key_counts")}
    assert counted == {key for (key,) in rows(path, "SELECT DISTINCT key FROM keys")}
    assert rows(path, "SELECT count(*) FROM key_counts WHERE key = 'Person|m:KWLSK'")[0] == (0,)
    assert rows(path, "SELECT value FROM meta WHERE name = 'records'")[0] == ("2",)


def test_bad_operations_are_named_and_change_nothing(engine: Engine) -> None:
    path = engine.location()
    import_lines(path, [entity("a", "Anna Kowalska")], skip_invalid=False)
    lines = [
        deletion("a"),
        json.dumps({"op": "DROP", "entity": {"id": "a"}}),
        json.dumps({"op": "DEL", "entity": {}}),
        entity("b", "Boris Godunov", expires="next year"),
        deletion("b"),
    ]
    report = import_lines(path, lines, skip_invalid=False)
    assert report.bad_lines == [
        (2, "op must be one of ADD, MOD, DEL, not 'DROP'"),
        (3, "a DEL line needs the entity's id"),
        (4, "expires must be a date (YYYY-MM-DD), not 'next year'"),
    ]
    assert (report.imported, report.deleted) == (0, [])
    assert found(path, "Anna Kowalska") == ["Anna Kowalska"]


def test_a_search_sees_an_import_entirely_or_not_at_all(engine: Engine) -> None:
    path = engine.location()
    import_lines(path, [entity("a", "Anna Kowalska")], skip_invalid=False)
    seen_mid_import: list[list[str]] = []

    def search_before_commit(report: ImportReport) -> None:
        # The import has deleted Anna and added Ana, uncommitted: a search sees neither change.
        seen_mid_import.append(found(path, "Anna Kowalska"))

    lines = [deletion("a"), entity("a2", "Ana Kowalska")]
    import_lines(path, lines, skip_invalid=False, before_commit=search_before_commit)
    assert seen_mid_import == [["Anna Kowalska"]]
    assert found(path, "Anna Kowalska") == ["Ana Kowalska"]


def test_an_expired_record_is_never_matched_and_is_purged_with_an_audit_entry(tmp_path: Path, engine: Engine) -> None:
    config_path = write_config(tmp_path, engine)
    config = load_node_config(config_path)
    today = datetime.datetime.now(datetime.UTC).date()
    lines = [
        entity("old", "Olga Petrova", expires=(today - datetime.timedelta(days=1)).isoformat()),
        entity("now", "Olga Petrowa", expires=today.isoformat()),
        entity("kept", "Olga Petrovna"),
    ]
    import_audited(config, lines, source="olgas.jsonl", skip_invalid=False)
    assert sorted(found(config.store, "Olga Petrova")) == ["Olga Petrovna", "Olga Petrowa"]
    purged = node_command("records", "purge", "--config", str(config_path))
    assert purged.returncode == 0, purged.stderr
    assert "purged 1 expired record(s)" in purged.stdout
    [entry] = audit_entries(config.audit_log, "records_purge")
    assert entry["day"] == today.isoformat()
    assert len(entry["purged"]) == 1
    assert rows(config.store, "SELECT entity_id FROM records ORDER BY entity_id") == [("kept",), ("now",)]
    assert verify_chain(config.audit_log).intact


def write_config(tmp_path: Path, engine: Engine) -> Path:
    return write_node_config(tmp_path / "node", "FR", "http://127.0.0.1:1", engine.node_tables())


async def test_a_record_deleted_while_the_node_serves_is_not_found_by_the_next_search(
    node_factory: NodeFactory, opa_fr: OpaServer, engine: Engine
) -> None:
    fr_node = await node_factory("FR", opa_fr.url, None, engine.node_tables())
    config = fr_node.config
    async with node_client(fr_node.address) as client:
        before = await client.Search(search_request(PETROV), timeout=10)
        assert before.outcome == pb.SEARCH_OUTCOME_HIT
        ref = before.hits[0].record_ref
        config_path = node_factory.config_file(fr_node)
        deleted = node_command("records", "delete", "--config", str(config_path), "fr-person-petrov", "no-such-id")
        assert deleted.returncode == 0, deleted.stderr
        assert "deleted 1 record(s)" in deleted.stdout
        assert "1 id(s) not held" in deleted.stdout
        after = await client.Search(search_request(PETROV), timeout=10)
    assert ref not in [hit.record_ref for hit in after.hits]
    # The deletion is in the chain, between the two searches, under the reference the first answer gave.
    [entry] = audit_entries(config.audit_log, "records_delete")
    assert (entry["deleted"], entry["deletions_not_held"]) == ([ref], 1)
    searches = audit_entries(config.audit_log, "search")
    assert searches[0]["seq"] < entry["seq"] < searches[1]["seq"]
    assert verify_chain(config.audit_log).intact


async def test_an_import_is_audited_with_its_source_digest(
    node_factory: NodeFactory, opa_fr: OpaServer, tmp_path: Path, engine: Engine
) -> None:
    fr_node = await node_factory("FR", opa_fr.url, None, engine.node_tables())
    source = tmp_path / "changes.jsonl"
    source.write_text(deletion("fr-person-ivanov") + "\n" + entity("fr-person-new", "Nadia Novak") + "\n")
    config_path = node_factory.config_file(fr_node)
    done = node_command("import", "--config", str(config_path), str(source))
    assert done.returncode == 0, done.stderr
    assert "imported 1 record(s)" in done.stdout
    assert "deleted 1" in done.stdout
    [entry] = audit_entries(fr_node.config.audit_log, "records_import")
    assert entry["source"] == "changes.jsonl"
    assert entry["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (entry["imported"], len(entry["deleted"]), entry["deletions_not_held"]) == (1, 1, 0)
    # No record value in the audit entry.
    assert "Nadia" not in json.dumps(entry)


async def test_the_serving_node_purges_expired_records_itself(
    node_factory: NodeFactory, opa_fr: OpaServer, engine: Engine
) -> None:
    yesterday = (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)).isoformat()
    records = [
        {"id": "gone", "schema": "Person", "properties": {"name": ["Olga Petrova"]}, "expires": yesterday},
        {"id": "kept", "schema": "Person", "properties": {"name": ["Olga Petrovna"]}},
    ]
    node = await node_factory(
        "FR", opa_fr.url, records, merged({"store": {"purge_every_s": 3600}}, engine.node_tables())
    )
    # The node purges once as it starts, then every purge_every_s: wait for that first purge's entry.
    deadline = asyncio.get_running_loop().time() + 30
    while not audit_entries(node.config.audit_log, "records_purge"):
        assert asyncio.get_running_loop().time() < deadline, "the node never purged"
        await asyncio.sleep(0.05)  # polling the audit file for the entry, not waiting on a guess
    [entry] = audit_entries(node.config.audit_log, "records_purge")
    assert len(entry["purged"]) == 1
    assert rows(node.config.store, "SELECT entity_id FROM records") == [("kept",)]


def test_an_expired_record_takes_no_candidate_slot(engine: Engine) -> None:
    """Until the purge deletes it, an expired record that shares more keys with the query than a live one
    must not take the only slot and leave it empty."""
    path = engine.location()
    yesterday = (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)).isoformat()
    import_lines(
        path, [entity("old", "Olga Petrova", expires=yesterday), entity("live", "Olga Petrowa")], skip_invalid=False
    )
    store = Store(path, workers=1)
    try:
        keys = query_keys(validate_query("Person", {"name": ["Olga Petrova"]}))
        found = store.candidates(keys, max_candidates=1, max_postings=DEFAULT_MATCHING.max_postings)
    finally:
        store.close()
    assert [record.properties["name"] for record in found.all] == [["Olga Petrowa"]]
