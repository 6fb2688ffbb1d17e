"""The follow-up queue and the index of hits beside the audit chain, on both engines; and, for every request and
record, a follow-up's policy decision never releasing what the officer did not approve."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from followthemoney import model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedcli.processes import fedgate_command
from fedgate.v1 import node_pb2 as pb
from fedtools.opa import OpaServer
from node.audit import append_now, open_for_reading
from node.audit_hits import had_hit
from node.decisions import PolicyUnavailable
from node.followups.policy import parse_release
from node.followups.queue import FollowUp, FollowUpQueue, QueueError, due_times, iso
from node.store import StoredRecord
from tests.conftest import NodeFactory, node_client, search_request
from tests.pg import Engine
from tests.samples import FR_RECORDS

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def follow_up(follow_up_id: str, agency: str = "FR police", record_ref: str = "r1", hours: float = 48) -> FollowUp:
    due_at, expires_at = due_times(NOW, hours, 720)
    return FollowUp(
        id=follow_up_id,
        requester={"country": "FR", "agency": agency, "investigator": "i-1", "clearance": "secret"},
        purpose="terrorism",
        record_ref=record_ref,
        case_reference="C-1",
        reasons="needed",
        legal_basis="prum_core_data",
        requested=["name"],
        urgency="normal",
        assertion="jws",
        filed_at=iso(NOW),
        due_at=due_at,
        expires_at=expires_at,
    )


def test_one_open_follow_up_per_agency_and_record_and_no_lost_update(engine: Engine) -> None:
    queue = FollowUpQueue(engine.location("audit.sqlite"))
    try:
        with queue.transaction() as connection:
            queue.insert(connection, follow_up("FR-" + "1" * 32))
            assert queue.open_on(connection, "r1", "FR", "FR police") == "FR-" + "1" * 32
            assert queue.open_on(connection, "r1", "FR", "DE police") is None
        with pytest.raises(QueueError), queue.transaction() as connection:
            queue.insert(connection, follow_up("FR-" + "2" * 32))  # the database refuses a second open one
        with queue.transaction() as connection:
            queue.insert(connection, follow_up("FR-" + "3" * 32, agency="FR customs"))
        assert queue.get("FR-" + "2" * 32) is None

        decided = queue.get("FR-" + "1" * 32)
        assert decided is not None
        decided.state = "refused"
        with queue.transaction() as connection:
            queue.update(connection, decided, "pending")
        # Another process decided it meanwhile: writing back over that decision is refused, nothing changes.
        stale = follow_up("FR-" + "1" * 32)
        stale.state = "expired"
        with pytest.raises(QueueError, match="no longer pending"), queue.transaction() as connection:
            queue.update(connection, stale, "pending")
        stored = queue.get("FR-" + "1" * 32)
        assert stored is not None
        assert stored.state == "refused"

        assert queue.counts(NOW) == {("FR", "refused"): 1, ("FR", "pending"): 1}
        assert queue.counts(NOW + timedelta(hours=49)) == {("FR", "refused"): 1, ("FR", "overdue"): 1}
        assert [item.id for item in queue.expirable(NOW + timedelta(hours=721))] == ["FR-" + "3" * 32]
        assert queue.expirable(NOW + timedelta(hours=700)) == []
    finally:
        queue.close()


def search_entry(country: str, agency: str, reported: list[str], candidates: list[str]) -> dict[str, Any]:
    return {
        "kind": "search",
        "query_id": f"q-{country}-{agency}",
        "requester": {"country": country, "agency": agency, "investigator": "i", "clearance": "secret"},
        "records": [{"ref": ref, "reported": ref in reported, "disclosure": "hit_only"} for ref in candidates],
    }


def test_the_hits_an_agency_got_are_indexed_with_the_chain_and_rebuilt_from_it(engine: Engine) -> None:
    audit = engine.location("audit.sqlite")
    append_now(audit, search_entry("AE", "AE police", ["r1"], ["r1", "r2"]))
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    def hit(ref: str, country: str = "AE", agency: str = "AE police") -> bool:
        connection = open_for_reading(audit)
        try:
            return had_hit(connection, ref, country, agency, since)
        finally:
            connection.close()

    assert hit("r1")
    assert not hit("r2")  # a candidate that was not reported is no hit
    assert not hit("r1", agency="AE customs")
    assert not hit("r1", country="UA")
    # A chain written before the index existed: the index is built from it when the log is next opened.
    writer = sqlite3.connect(audit) if isinstance(audit, Path) else open_for_reading(audit)
    try:
        writer.execute("DROP TABLE hits")
        if isinstance(writer, sqlite3.Connection):
            writer.commit()
    finally:
        writer.close()
    append_now(audit, {"kind": "records_purge", "day": "2026-12-04", "purged": []})
    assert hit("r1")
    assert not hit("r2")


PROPERTIES = ["name", "birthDate", "nationality", "idNumber", "passportNumber", "gender", "religion", "notes"]
subsets = st.lists(st.sampled_from(PROPERTIES), unique=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    country=st.sampled_from(["FR", "DE", "GR", "UA", "AE", "US"]),
    held=st.lists(st.sampled_from(PROPERTIES), unique=True, min_size=1),
    flags=st.lists(st.sampled_from(["minor", "victim", "witness", "sensitive"]), unique=True, max_size=2),
    requested=subsets.filter(bool),
    approved=subsets,
    clearance=st.sampled_from(["basic", "restricted", "confidential", "secret"]),
)
async def test_a_follow_up_never_releases_what_the_officer_did_not_approve(
    opa_fr: OpaServer,
    country: str,
    held: list[str],
    flags: list[str],
    requested: list[str],
    approved: list[str],
    clearance: str,
) -> None:
    record = StoredRecord(1, "p1", model.get("Person"), {name: ["1975-04-02"] for name in held}, flags)  # type: ignore[arg-type]
    body = {
        "input": {
            "stage": "follow_up",
            "step": "decide",
            "query_id": "FR-" + "0" * 32,
            "node_country": "FR",
            "requester": {"country": country, "agency": "A", "investigator": "i", "clearance": clearance},
            "purpose": "terrorism",
            "legal_basis": "prum_core_data",
            "urgency": "normal",
            "requested": sorted(requested),
            "approved": sorted(approved),
            "reads": [],
            "records": [{"ref": "p1", "schema": "Person", "properties": sorted(held), "values": {}, "flags": flags}],
        }
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{opa_fr.url}/v1/data/fedgate/countries/fr/follow_up", data=json.dumps(body)) as response,
    ):
        raw = await response.json()
    try:
        decision = parse_release(raw, record, approved)
    except PolicyUnavailable as error:  # pragma: no cover - a failure of the policy, shown with its input
        pytest.fail(f"France's follow-up decision is malformed for {body}: {error}")
    if decision.refused:
        assert decision.records == {}
        return
    released = decision.records["p1"].release
    assert released <= set(approved) & set(requested) & set(held)
    assert "religion" not in released  # a special category never leaves, whatever the officer approves
    if set(flags) & {"minor", "victim", "witness"}:
        assert released == frozenset()


async def test_a_hit_on_a_record_flagged_for_notification_reaches_the_officer_and_tells_the_requester_nothing(
    node_factory: NodeFactory, opa_fr: OpaServer
) -> None:
    """France hears of hits on its flagged records (its setting notify_on_hit): the Ukrainian investigator's answer
    is the same as for the unflagged record; France's officer sees who looked, when and why."""
    flagged = [
        {**record, "flags": ["notify"]} if record["id"] == "fr-person-petrov" else record for record in FR_RECORDS
    ]
    answers = []
    for records in (FR_RECORDS, flagged):
        node = await node_factory("FR", opa_fr.url, records)
        request = search_request({"name": ["Ivan Petrov"]}, country="UA", purpose="fugitive")
        async with node_client(node.address) as client:
            response = await client.Search(request)
        assert response.outcome == pb.SEARCH_OUTCOME_HIT
        # Each node has its own references; everything else about the hits must be the same.
        answers.append([_without_ref(hit) for hit in response.hits])
        listed = subprocess.run(
            fedgate_command("node", "notifications", "--config", str(node_factory.config_file(node)), "--json"),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.splitlines()
        if records is FR_RECORDS:
            assert listed == []
        else:
            [notification] = [json.loads(line) for line in listed]
            assert notification["requester"]["country"] == "UA"
            assert notification["purpose"] == "fugitive"
            assert notification["query_id"] == request.query_id
            assert notification["record_ref"] == response.hits[0].record_ref
    assert answers[0] == answers[1]


def _without_ref(hit: pb.Hit) -> bytes:
    copy = pb.Hit()
    copy.CopyFrom(hit)
    copy.record_ref = ""
    return copy.SerializeToString(deterministic=True)
