"""Saved answers as evidence: a signature counts only under a key the federation's directory gives that party.

Each forgery found against `fedgate verify` is replayed here and must fail, naming what is wrong."""

from __future__ import annotations

import copy
import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fedcli.processes import fedgate_command
from fedcore.answers import canonical_content, sign_response
from fedcore.config import ConfigError
from fedcore.directory import DirectoryProblem, load_directory, load_federation_keys
from fedcore.evidence import verify_answer
from fedcore.keys import SigningKey, encode_signature
from fedgate.v1 import node_pb2 as pb
from fedtools.federation import FederationDirectory
from gateway.config import load_gateway_config
from node.config import load_node_config
from tests.federation import KEYS, write_gateway_config, write_node_config

PETROV = {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}
COUNTRIES = ("FR", "DE", "GR")
DAY = datetime.timedelta(days=1)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return KEYS.directory_for(tmp_path / "federation.json", COUNTRIES)


def run_verify(answer: dict[str, Any], path: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    path.write_text(json.dumps(answer, ensure_ascii=False))
    return verify_file(path, directory)


def verify_file(path: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        fedgate_command(
            "verify",
            str(path),
            "--directory",
            str(directory),
            "--federation-key",
            str(KEYS.public_path("federation-test-1")),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def resign(answer: dict[str, Any], country: str, key: SigningKey) -> None:
    """Re-signs a country's part of a saved answer with another key, as a forger holding that key would."""
    entry = answer["countries"][country]
    content = canonical_content(
        query_id=answer["query_id"],
        country=country,
        status=entry["status"],
        refusal_reason=entry.get("refusal_reason", ""),
        policy_revision=entry.get("policy_revision", ""),
        audit_entry_id=entry.get("audit_entry_id", ""),
        signed_at=entry["signed_at"],
        audit_seq=entry.get("audit_seq", 0),
        audit_hash=entry.get("audit_hash", ""),
        results=[
            {k: v for k, v in result.items() if k != "country"}
            for result in answer["results"]
            if result["country"] == country
        ],
    )
    entry["signature"], entry["key_id"] = encode_signature(key.sign(content)), key.key_id


def alter_german_hit(answer: dict[str, Any]) -> None:
    german = next(result for result in answer["results"] if result["country"] == "DE")
    german["properties"]["name"] = ["Someone Else"]


@pytest.fixture
async def saved_answer(federation: Any) -> dict[str, Any]:
    status, answer = await federation.api.search(
        {"schema": "Person", "properties": PETROV, "purpose": "drug_trafficking"}, federation.token("FR")
    )
    assert status == 200
    assert {answer["countries"][c]["status"] for c in COUNTRIES} == {"hit"}
    return dict(answer)


async def test_an_untouched_answer_verifies_for_the_gateway_and_every_country(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path
) -> None:
    verified = run_verify(saved_answer, tmp_path / "answer.json", directory)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines() == ["gateway: intact (key gw-test-1)", "DE: intact", "FR: intact", "GR: intact"]


@pytest.mark.parametrize(
    ("key_id", "owner"), [("gw-test-1", "gateway"), ("fr-test-1", "FR")], ids=["gateway-key", "other-country-key"]
)
async def test_an_altered_result_re_signed_with_another_partys_key_fails(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path, key_id: str, owner: str
) -> None:
    forged = copy.deepcopy(saved_answer)
    alter_german_hit(forged)
    resign(forged, "DE", _key(key_id))
    verified = run_verify(forged, tmp_path / "forged.json", directory)
    assert verified.returncode == 1
    assert f"DE: signed by the wrong party: key {key_id!r} belongs to {owner}, not DE" in verified.stdout


def _key(key_id: str) -> SigningKey:
    from fedcore.keys import load_private_key

    return SigningKey(key_id, load_private_key(KEYS.private_path(key_id)))


async def test_a_removed_signature_fails_where_the_status_requires_one(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path
) -> None:
    forged = copy.deepcopy(saved_answer)
    del forged["countries"]["DE"]["signature"]
    verified = run_verify(forged, tmp_path / "forged.json", directory)
    assert verified.returncode == 1
    assert "DE: unsigned, but a 'hit' answer must be signed by DE" in verified.stdout


async def test_a_status_turned_to_timeout_to_hide_an_altered_result_fails(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path
) -> None:
    forged = copy.deepcopy(saved_answer)
    alter_german_hit(forged)
    forged["countries"]["DE"]["status"] = "timeout"
    verified = run_verify(forged, tmp_path / "forged.json", directory)
    assert verified.returncode == 1
    lines = verified.stdout.splitlines()
    assert lines[0].startswith("gateway: altered")
    assert any(line.startswith("DE: status 'timeout' carries no results, yet") for line in lines)
    # Even with the results removed too, the gateway's signature over the statuses still tells.
    for result in [r for r in forged["results"] if r["country"] == "DE"]:
        forged["results"].remove(result)
    again = run_verify(forged, tmp_path / "forged2.json", directory)
    assert again.returncode == 1
    assert again.stdout.startswith("gateway: altered")


async def test_results_under_a_country_the_answer_does_not_list_fail(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path
) -> None:
    forged = copy.deepcopy(saved_answer)
    planted = copy.deepcopy(next(r for r in forged["results"] if r["country"] == "FR"))
    planted["country"] = "IT"
    forged["results"].append(planted)
    verified = run_verify(forged, tmp_path / "forged.json", directory)
    assert verified.returncode == 1
    assert "IT: results for a country the answer does not list" in verified.stdout


async def test_a_requested_country_dropped_from_the_answer_is_noticed(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path
) -> None:
    forged = copy.deepcopy(saved_answer)
    del forged["countries"]["GR"]
    forged["results"] = [r for r in forged["results"] if r["country"] != "GR"]
    verified = run_verify(forged, tmp_path / "forged.json", directory)
    assert verified.returncode == 1
    assert "GR: requested, but missing from the answer" in verified.stdout
    # Dropping it from the requested list as well breaks the gateway's signature.
    forged["requested"] = ["DE", "FR"]
    again = run_verify(forged, tmp_path / "forged2.json", directory)
    assert again.returncode == 1
    assert again.stdout.startswith("gateway: altered")


async def test_an_answer_without_the_gateway_signature_fails(
    saved_answer: dict[str, Any], directory: Path, tmp_path: Path
) -> None:
    forged = copy.deepcopy(saved_answer)
    del forged["gateway"]
    verified = run_verify(forged, tmp_path / "forged.json", directory)
    assert verified.returncode == 1
    assert verified.stdout.startswith("gateway: unsigned")


async def test_a_key_outside_its_validity_period_is_refused(saved_answer: dict[str, Any], tmp_path: Path) -> None:
    # The directory says DE's key stopped being valid yesterday: what it signed today is not DE's word.
    since = now() - 10 * DAY
    expired = KEYS.write_directory(
        tmp_path / "federation.json",
        {
            "FR": [("fr-test-1", since, None)],
            "DE": [("de-test-1", since, now() - DAY)],
            "GR": [("gr-test-1", since, None)],
        },
    )
    verified = run_verify(saved_answer, tmp_path / "answer.json", expired)
    assert verified.returncode == 1
    assert "DE: key 'de-test-1' was not valid when this was signed" in verified.stdout


async def test_a_streamed_answer_verifies_like_a_plain_one(federation: Any, directory: Path, tmp_path: Path) -> None:
    lines, _ = await federation.api.stream(
        {"schema": "Person", "properties": PETROV, "purpose": "drug_trafficking"}, federation.token("FR")
    )
    saved = tmp_path / "stream.ndjson"
    saved.write_text("".join(json.dumps(line) + "\n" for line in lines))
    verified = verify_file(saved, directory)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.count(": intact") == 4


def test_a_directory_not_signed_by_the_federation_is_refused(directory: Path, tmp_path: Path) -> None:
    document = json.loads(directory.read_text())
    document["directory"]["members"][0]["answer_keys"][0]["valid_until"] = "2099-01-01T00:00:00Z"
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(document))
    keys = load_federation_keys([KEYS.public_path("federation-test-1")])
    with pytest.raises(DirectoryProblem, match="does not verify"):
        load_directory(altered, keys)
    with pytest.raises(DirectoryProblem, match="not a federation key given"):
        load_directory(directory, load_federation_keys([KEYS.public_path("gw-test-1")]))


def test_rotation_old_answers_still_verify_and_new_ones_only_under_the_new_key(tmp_path: Path) -> None:
    KEYS.node_key_id("FR")
    if not KEYS.private_path("fr-test-2").exists():
        KEYS.create("fr-test-2")
    old_key, new_key = _key("fr-test-1"), _key("fr-test-2")
    before = _signed_answer(old_key)
    # The rotation: fr-test-1 is valid until now, fr-test-2 from now; a new directory says so.
    switch = now()
    rotated = KEYS.write_directory(
        tmp_path / "federation-v2.json",
        {"FR": [("fr-test-1", switch - 10 * DAY, switch), ("fr-test-2", switch, None)]},
        version=2,
    )
    directory = load_directory(rotated, load_federation_keys([KEYS.public_path("federation-test-1")]))
    old_answer = _saved(before, signed_at=switch - DAY)
    assert [str(f) for f in verify_answer(old_answer, directory) if f.subject == "FR"] == ["FR: intact"]
    new_answer = _saved(_signed_answer(new_key), signed_at=None)
    assert [str(f) for f in verify_answer(new_answer, directory) if f.subject == "FR"] == ["FR: intact"]
    stale = _saved(_signed_answer(old_key), signed_at=None)
    (finding,) = [f for f in verify_answer(stale, directory) if f.subject == "FR"]
    assert not finding.ok
    assert "was not valid when this was signed" in finding.verdict


def _signed_answer(key: SigningKey) -> pb.SearchResponse:
    response = pb.SearchResponse(
        query_id="q-rotation", country="FR", outcome=pb.SEARCH_OUTCOME_NO_HIT, policy_revision="r1", audit_entry_id="a1"
    )
    sign_response(response, key)
    return response


def _saved(response: pb.SearchResponse, signed_at: datetime.datetime | None) -> dict[str, Any]:
    """The country part of a saved answer; signed_at re-dates it (and re-signs) to stand for an older answer."""
    if signed_at is not None:
        response.signed_at = signed_at.isoformat(timespec="seconds").replace("+00:00", "Z")
        content = canonical_content(
            query_id=response.query_id,
            country="FR",
            status="no_hit",
            refusal_reason="",
            policy_revision=response.policy_revision,
            audit_entry_id=response.audit_entry_id,
            signed_at=response.signed_at,
            audit_seq=0,
            audit_hash="",
            results=[],
        )
        response.signature = _key(response.signing_key_id).sign(content)
    return {
        "query_id": response.query_id,
        "results": [],
        "countries": {
            "FR": {
                "status": "no_hit",
                "policy_revision": response.policy_revision,
                "audit_entry_id": response.audit_entry_id,
                "signature": encode_signature(response.signature),
                "key_id": response.signing_key_id,
                "signed_at": response.signed_at,
            }
        },
    }


# --- nodes and gateway load the same directory -------------------------------------------------------


def test_a_node_whose_key_the_directory_does_not_list_does_not_start(tmp_path: Path) -> None:
    directory = KEYS.directory_for(tmp_path / "federation.json", ("DE",))
    path = write_node_config(tmp_path / "node", "FR", "http://127.0.0.1:1", federation=_federation(directory))
    with pytest.raises(ConfigError, match="does not list the node's signing key 'fr-test-1' for FR"):
        load_node_config(path)


def test_a_node_takes_the_gateway_keys_from_the_directory(tmp_path: Path) -> None:
    directory = KEYS.write_directory(
        tmp_path / "federation.json", {"FR": [(KEYS.node_key_id("FR"), now() - DAY, None)]}, gateway_keys=("gw-test-2",)
    )
    path = write_node_config(tmp_path / "node", "FR", "http://127.0.0.1:1", federation=_federation(directory))
    assert set(load_node_config(path).gateway_keys) == {"gw-test-2"}


def test_a_gateway_whose_assertion_key_the_directory_does_not_list_does_not_start(
    tmp_path: Path, issuer_keys: Any
) -> None:
    directory = KEYS.write_directory(
        tmp_path / "federation.json", {"FR": [(KEYS.node_key_id("FR"), now() - DAY, None)]}, gateway_keys=("gw-test-2",)
    )
    path = write_gateway_config(
        tmp_path / "gateway", {"FR": "127.0.0.1:1"}, issuer_keys, federation=_federation(directory)
    )
    with pytest.raises(ConfigError, match="does not list the gateway's assertion key 'gw-test-1'"):
        load_gateway_config(path)


def _federation(directory: Path) -> FederationDirectory:
    return FederationDirectory(directory, (KEYS.public_path("federation-test-1"),))
