"""From a hit to the data: follow-ups filed at the gateway, decided by the owning country's officer and policy, in
the running demo federation (mutual TLS, signed directory, one OPA per country), with the trail on both sides."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fedcli.processes import fedgate_command
from fedcli.synthetic import PERSONS_OF_INTEREST
from node.audit import export_entries
from node.config import load_node_config
from node.followups.queue import FollowUpQueue, follow_ups_location
from node.followups.service import expire_follow_ups
from tests.conftest import demo_api, module_demo, new_investigator
from tests.federation import ApiClient

PERSON = PERSONS_OF_INTEREST[0]
REASONS = "Suspected facilitator of the 2026-11 attack plot; the hit matches a suspect named in our case file."
CASE = {
    "purpose": "terrorism",
    "case_reference": "CT-2026-0417",
    "reasons": REASONS,
    "legal_basis": "prum_core_data",
    "urgency": "normal",
}
BOGUS_REF = "0" * 32
# What France's policy releases of a Person to the Emirates after a follow-up (policies/…/fr/data.json).
FRANCE_TO_EMIRATES_AFTER_FOLLOW_UP = {"name", "firstName", "lastName", "birthDate", "nationality"}


@pytest.fixture(scope="module")
def demo(shared_demo: dict[str, Any]) -> dict[str, Any]:
    return module_demo(shared_demo, "follow-ups")


@pytest.fixture
async def api(demo: dict[str, Any]) -> AsyncIterator[ApiClient]:
    async with demo_api(demo) as client:
        yield client


def token(demo: dict[str, Any], country: str, agency: str) -> str:
    """An investigator of an agency of its own: the follow-up rules (prior hit, one open follow-up per record) are
    per agency, so each test's agency is untouched by any other test or module."""
    return new_investigator(demo, country, f"{country.lower()}-{agency.replace(' ', '-')}", agency)


def node_config(demo: dict[str, Any], country: str) -> Path:
    return Path(demo["work_dir"]) / "nodes" / country.lower() / "node.toml"


def fedgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(fedgate_command(*args), capture_output=True, text=True, timeout=120)


async def hit_in(api: ApiClient, bearer: str, country: str) -> dict[str, Any]:
    """The investigator searches the demo's planted person in one country and gets its hit."""
    body = {
        "schema": "Person",
        "properties": {"name": [PERSON.names[country]], "birthDate": [PERSON.birth_date]},
        "purpose": "terrorism",
        "countries": [country],
    }
    status, answer = await api.search(body, bearer)
    assert status == 200, answer
    hits = [result for result in answer["results"] if result["country"] == country]
    assert hits, answer["countries"]
    hit: dict[str, Any] = hits[0]
    return hit


async def file(api: ApiClient, bearer: str, country: str, record_ref: str, properties: list[str]) -> tuple[int, Any]:
    body = {"country": country, "record_ref": record_ref, "properties": properties, **CASE}
    return await api.call("POST", "/v1/follow-ups", body=body, token=bearer)


async def collect(api: ApiClient, bearer: str, follow_up_id: str) -> dict[str, Any]:
    status, answer = await api.call("GET", f"/v1/follow-ups/{follow_up_id}", token=bearer)
    assert status == 200, answer
    result: dict[str, Any] = answer
    return result


def follow_up_steps(demo: dict[str, Any], country: str, follow_up_id: str) -> list[dict[str, Any]]:
    config = load_node_config(node_config(demo, country))
    entries = export_entries(config.audit_log, "2000-01-01", "2100-01-01")
    return [
        {**json.loads(entry["body"]), "hash": entry["hash"]}
        for entry in entries
        if entry["kind"] == "follow_up" and entry["query_id"] == follow_up_id
    ]


def verify(demo: dict[str, Any], answer: dict[str, Any], path: Path) -> subprocess.CompletedProcess[str]:
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return fedgate("verify", str(path), "--directory", demo["directory"], "--federation-key", demo["federation_key"])


def without_identity(answer: dict[str, Any]) -> dict[str, Any]:
    """What an answer says beyond its own id, times, audit anchor and signature."""
    varying = {"follow_up_id", "filed_at", "audit_entry_id", "audit_seq", "audit_hash", "signed_at", "signature"}
    return {key: value for key, value in answer.items() if key not in varying and key != "record_ref"}


async def test_a_hit_only_hit_followed_up_releases_exactly_what_officer_and_policy_allow(
    api: ApiClient, demo: dict[str, Any], tmp_path: Path
) -> None:
    emirates = token(demo, "AE", "AE counter-terrorism unit")
    hit = await hit_in(api, emirates, "FR")
    assert hit["disclosure"] == "hit_only"
    assert hit["properties"] == {}

    # A property the record holds (a hit-only hit names them all as withheld) that France never gives the Emirates.
    other = sorted(set(hit["withheld"]) - FRANCE_TO_EMIRATES_AFTER_FOLLOW_UP)[0]
    status, filed = await file(api, emirates, "FR", hit["record_ref"], ["name", other])
    assert status == 201, filed
    assert filed["state"] == "pending"
    assert filed["refusal"] == ""
    assert "released" not in filed
    due = datetime.fromisoformat(filed["due_at"]) - datetime.fromisoformat(filed["filed_at"])
    assert due == timedelta(hours=48)
    assert (await collect(api, emirates, filed["follow_up_id"]))["state"] == "pending"

    listed = fedgate("node", "follow-ups", "list", "--config", str(node_config(demo, "FR")), "--json")
    assert listed.returncode == 0, listed.stderr
    queued = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert queued[filed["follow_up_id"]]["requested"] == sorted(["name", other])
    shown = fedgate("node", "follow-ups", "show", "--config", str(node_config(demo, "FR")), filed["follow_up_id"])
    assert json.loads(shown.stdout)["reasons"] == REASONS

    decided = fedgate(
        "node", "follow-ups", "decide", "--config", str(node_config(demo, "FR")), filed["follow_up_id"],
        "--approve", f"name,{other}", "--officer", "fr-officer-7", "--note", "checked against the national file",
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    assert "released ['name']" in decided.stdout

    collected = await collect(api, emirates, filed["follow_up_id"])
    assert collected["state"] == "released"
    released = collected["released"]
    # The officer approved two; France's policy gives the Emirates' follow-ups the name, never the id number.
    assert set(released["properties"]) == {"name"}
    assert released["properties"]["name"]
    assert released["withheld"][other] == "not_shared_with_requester"
    assert {reason for name, reason in released["withheld"].items() if name != other} <= {"not_requested"}
    assert released["disclosure"] == "partial"
    assert released["record_ref"] == hit["record_ref"]

    # The requesting side keeps the signed answer: it verifies, and an altered one does not.
    checked = verify(demo, collected, tmp_path / "follow-up.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "intact" in checked.stdout
    altered = json.loads(json.dumps(collected))
    altered["released"]["properties"]["name"] = ["Someone Else"]
    assert verify(demo, altered, tmp_path / "altered.json").returncode == 1

    # The owning side's trail: every step in its intact chain, the requester's assertion with the filing, what
    # left with the release; the anchors the answers carry are the chain's.
    audit = fedgate("node", "audit", "verify", "--config", str(node_config(demo, "FR")))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    steps = follow_up_steps(demo, "FR", filed["follow_up_id"])
    assert [step["step"] for step in steps] == ["received", "status", "decided", "released", "collected"]
    received, _, decision, release, collection = steps
    assert received["assertion"]
    assert received["reasons"] == REASONS
    assert received["legal_basis"] == "prum_core_data"
    assert decision["officer"] == "fr-officer-7"
    assert decision["approved"] == sorted(["name", other])
    assert release["released"] == ["name"]
    assert release["policy_revision"] == collected["policy_revision"]
    assert (filed["audit_seq"], filed["audit_hash"]) == (received["seq"], received["hash"])
    assert (collected["audit_seq"], collected["audit_hash"]) == (collection["seq"], collection["hash"])

    # The gateway's trail: the steps' ids and the node's audit anchors, never the reasons or the released data.
    gateway_log = "".join(path.read_text() for path in (Path(demo["work_dir"]) / "logs").glob("gateway*.log"))
    trail = [
        json.loads(line) for line in gateway_log.splitlines() if line.startswith("{") and filed["follow_up_id"] in line
    ]
    anchors = {(entry["event"], entry["audit_anchor"]["hash"]) for entry in trail}
    assert ("follow_up.filed", received["hash"]) in anchors
    assert ("follow_up.collected", collection["hash"]) in anchors
    assert REASONS not in gateway_log
    assert all(value not in gateway_log for value in released["properties"]["name"])
    async with aiohttp.ClientSession() as session, session.get(demo["gateway_metrics_url"]) as response:
        exposition = await response.text()
    assert 'fedgate_gateway_follow_up_calls_total{call="file",country="FR",state="pending"}' in exposition
    assert 'fedgate_gateway_follow_up_calls_total{call="status",country="FR",state="released"}' in exposition


async def test_a_duplicate_is_refused_and_an_officer_refusal_releases_nothing(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    germany = token(demo, "DE", "DE liaison desk")
    hit = await hit_in(api, germany, "FR")
    status, first = await file(api, germany, "FR", hit["record_ref"], ["birthDate", "name"])
    assert status == 201, first
    status, again = await file(api, germany, "FR", hit["record_ref"], ["name"])
    assert status == 200
    assert (again["state"], again["refusal"], again["duplicate_of"]) == ("refused", "duplicate", first["follow_up_id"])

    config = str(node_config(demo, "FR"))
    unasked = fedgate(
        "node", "follow-ups", "decide", "--config", config, first["follow_up_id"], "--approve", "idNumber"
    )
    assert unasked.returncode == 1
    assert "were not asked for" in unasked.stderr
    refused = fedgate(
        "node", "follow-ups", "decide", "--config", config, first["follow_up_id"], "--refuse", "not_proportionate"
    )
    assert refused.returncode == 0, refused.stderr
    answer = await collect(api, germany, first["follow_up_id"])
    assert (answer["state"], answer["refusal"], answer["officer_refusal"]) == (
        "refused",
        "officer",
        "not_proportionate",
    )
    assert "released" not in answer
    again_decided = fedgate(
        "node", "follow-ups", "decide", "--config", config, first["follow_up_id"], "--approve", "name"
    )
    assert again_decided.returncode == 1
    assert "not pending" in again_decided.stderr


async def test_no_prior_hit_and_an_untrusted_country_are_refused_without_telling_whether_the_record_exists(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    # Ukraine's liaison office never searched: a real French record and a made-up reference get the same refusal.
    french = await hit_in(api, token(demo, "FR", "FR records office"), "FR")
    ukraine = token(demo, "UA", "UA liaison office")
    answers = []
    for record_ref in (french["record_ref"], BOGUS_REF):
        status, answer = await file(api, ukraine, "FR", record_ref, ["name"])
        assert status == 200
        assert (answer["state"], answer["refusal"]) == ("refused", "no_prior_hit")
        answers.append(without_identity(answer))
    assert answers[0] == answers[1]

    # Germany does not answer the Emirates at all: the same refusal for a record it holds and one it does not.
    german = await hit_in(api, token(demo, "DE", "DE records office"), "DE")
    emirates = token(demo, "AE", "AE liaison office")
    answers = []
    for record_ref in (german["record_ref"], BOGUS_REF):
        status, answer = await file(api, emirates, "DE", record_ref, ["name"])
        assert status == 200
        assert (answer["state"], answer["refusal"]) == ("refused", "policy")
        assert answer["policy_refusal_reason"] == "requester_not_trusted"
        answers.append(without_identity(answer))
    assert answers[0] == answers[1]

    # Someone else's follow-up is not found, as one that does not exist.
    status, _ = await api.call("GET", f"/v1/follow-ups/FR-{BOGUS_REF}", token=ukraine)
    assert status == 404


async def test_an_undecided_follow_up_becomes_overdue_is_counted_then_expires(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    greece = token(demo, "GR", "GR fugitives unit")
    hit = await hit_in(api, greece, "FR")
    status, filed = await file(api, greece, "FR", hit["record_ref"], ["name"])
    assert status == 201, filed
    config = load_node_config(node_config(demo, "FR"))
    location = follow_ups_location(config.audit_log)
    assert isinstance(location, Path)

    def age(hours: float) -> None:
        """As if the follow-up had been filed `hours` ago: its due and expiry times move back by as much."""
        with sqlite3.connect(location) as connection:
            row = connection.execute(
                "SELECT due_at, expires_at FROM follow_ups WHERE id = ?", (filed["follow_up_id"],)
            ).fetchone()
            moved = [
                (datetime.fromisoformat(value) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ") for value in row
            ]
            connection.execute(
                "UPDATE follow_ups SET due_at = ?, expires_at = ? WHERE id = ?", (*moved, filed["follow_up_id"])
            )

    age(49)
    assert (await collect(api, greece, filed["follow_up_id"]))["state"] == "overdue"
    async with aiohttp.ClientSession() as session, session.get(demo["nodes"]["FR"]["metrics_url"]) as response:
        exposition = await response.text()
    overdue = [line for line in exposition.splitlines() if line.startswith("fedgate_follow_ups{")]
    assert any('requester_country="GR"' in line and 'state="overdue"' in line for line in overdue), overdue

    age(24 * 30)
    queue = FollowUpQueue(location)
    try:
        expired = expire_follow_ups(config, queue, datetime.now(UTC))
    finally:
        queue.close()
    assert filed["follow_up_id"] in expired
    assert (await collect(api, greece, filed["follow_up_id"]))["state"] == "expired"
    late = fedgate("node", "follow-ups", "decide", "--config", str(node_config(demo, "FR")), filed["follow_up_id"],
                   "--approve", "name")  # fmt: skip
    assert late.returncode == 1
    assert "not pending" in late.stderr
    assert [step["step"] for step in follow_up_steps(demo, "FR", filed["follow_up_id"])][-2:] == ["expired", "status"]
    # Closed: a new follow-up on the same record may be filed.
    status, anew = await file(api, greece, "FR", hit["record_ref"], ["name"])
    assert status == 201
    assert anew["state"] == "pending"


async def test_a_follow_up_body_that_is_not_valid_gets_a_clear_400(api: ApiClient, demo: dict[str, Any]) -> None:
    bearer = token(demo, "FR", "FR records office")
    body = {"country": "DE", "record_ref": BOGUS_REF, "properties": ["name"], **CASE}
    for change, problem in (
        ({"legal_basis": "because"}, "legal_basis"),
        ({"properties": []}, "properties"),
        ({"reasons": "x" * 2001}, "reasons"),
        ({"requester": {"country": "DE"}}, "requester"),
    ):
        status, answer = await api.call("POST", "/v1/follow-ups", body={**body, **change}, token=bearer)
        assert status == 400, answer
        assert problem in answer["error"]["message"], answer
    status, answer = await api.call(
        "POST", "/v1/follow-ups", body={**body, "properties": ["notAProperty"]}, token=bearer
    )
    assert status == 400, answer
    assert "notAProperty" in answer["error"]["message"], answer
    status, answer = await api.call("GET", "/v1/follow-ups/not-an-id", token=bearer)
    assert status == 400


async def test_a_partly_approved_follow_up_releases_the_approved_part_and_says_why_not_the_rest(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    greece = token(demo, "GR", "GR organised crime unit")
    hit = await hit_in(api, greece, "FR")
    asked = sorted({"name", "birthDate", "nationality"} & (set(hit["properties"]) | set(hit["withheld"])))
    assert len(asked) == 3, hit
    status, filed = await file(api, greece, "FR", hit["record_ref"], asked)
    assert status == 201, filed
    decided = fedgate(
        "node", "follow-ups", "decide", "--config", str(node_config(demo, "FR")), filed["follow_up_id"],
        "--approve", "name,birthDate",
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    released = (await collect(api, greece, filed["follow_up_id"]))["released"]
    assert set(released["properties"]) == {"name", "birthDate"}
    assert released["withheld"]["nationality"] == "not_approved_by_officer"
    assert released["disclosure"] == "partial"
