"""A candidate policy replayed on the demo federation (`fedgate demo`, the countries' real policies): Germany
stops sharing passport numbers with France and starts trusting the Emirates, and the replay of Germany's
audit log reports exactly those changes, counted from the answers the investigators were given.

What the replay should report is worked out from the gateway's answers, not from the replay's own code: what
France lost is what its answers showed; what the Emirates would receive is what Ukraine (the same profile in
the candidate policy) received for the same searches.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fedcli.processes import fedgate_command
from fedcli.synthetic import PERSONS_OF_INTEREST
from fedtools.bundles import make_bundle
from tests.conftest import REPO, demo_api, module_demo, new_investigator
from tests.federation import ApiClient

NOT_TRUSTED = "search refused (requester_not_trusted)"


def candidate_policies(directory: Path) -> Path:
    """Germany's policy with two changes: France no longer receives persons' passport numbers; the Emirates
    are trusted as a third country for terrorism and fugitive cases."""
    shutil.copytree(REPO / "policies", directory)
    data_path = directory / "fedgate" / "countries" / "de" / "data.json"
    data = json.loads(data_path.read_text())
    settings = data["settings"]
    schengen = settings["profiles"]["schengen"]["properties"]
    person = [name for name in schengen["Person"] if name != "passportNumber"]
    settings["profiles"]["france"] = {"properties": {**schengen, "Person": person}}
    settings["partners"]["FR"]["profile"] = "france"
    settings["partners"]["AE"] = {"profile": "third", "purposes": ["terrorism", "fugitive"]}
    data_path.write_text(json.dumps(data, indent=2))
    return directory


@pytest.fixture(scope="module")
def demo(shared_demo: dict[str, Any]) -> dict[str, Any]:
    return module_demo(shared_demo, "replay")


@pytest.fixture
async def api(demo: dict[str, Any]) -> AsyncIterator[ApiClient]:
    async with demo_api(demo) as client:
        yield client


async def ask_germany(api: ApiClient, token: str, properties: dict[str, list[str]], purpose: str) -> dict[str, Any]:
    """One search of Germany's node through the gateway; Germany's part of the answer."""
    body = {"schema": "Person", "properties": properties, "purpose": purpose, "countries": ["DE"]}
    status, answer = await api.search(body, token)
    assert status == 200, answer
    return {
        "status": answer["countries"]["DE"]["status"],
        "refusal_reason": answer["countries"]["DE"].get("refusal_reason"),
        "hits": [hit for hit in answer["results"] if hit["country"] == "DE"],
    }


def person_query(person: Any) -> dict[str, list[str]]:
    return {"name": [person.names["FR"]], "birthDate": [person.birth_date]}


Row = tuple[str, str, str, str, str]


async def test_the_replay_reports_exactly_what_the_candidate_changes(
    demo: dict[str, Any], api: ApiClient, tmp_path: Path
) -> None:
    since = datetime.datetime.now(datetime.UTC).isoformat()
    tokens = demo["tokens"]
    expected: Counter[str] = Counter()
    rows: Counter[Row] = Counter()
    searches = 0

    # France: every passport number it received from Germany would be withheld, each such full hit partial.
    for person in PERSONS_OF_INTEREST:
        answer = await ask_germany(api, tokens["FR"], person_query(person), "terrorism")
        searches += 1
        assert answer["status"] == "hit"
        for hit in answer["hits"]:
            if "passportNumber" in hit["properties"]:
                expected["released -> withheld"] += 1
                rows["FR", "terrorism", "passportNumber", "released -> withheld", "not_shared_with_requester"] += 1
                if hit["disclosure"] == "full":
                    expected["full -> partial"] += 1
                    rows["FR", "terrorism", "(record)", "full -> partial", "Person"] += 1
    assert expected["released -> withheld"] >= 4, "the demo's French answers carried too few passport numbers"

    # The Emirates: refused now; under the candidate answered as Ukraine (profile third) is answered.
    for person in PERSONS_OF_INTEREST:
        as_ukraine = await ask_germany(api, tokens["UA"], person_query(person), "fugitive")
        as_emirates = await ask_germany(api, tokens["AE"], person_query(person), "fugitive")
        searches += 2
        assert (as_emirates["status"], as_emirates["refusal_reason"]) == ("refused", "requester_not_trusted")
        expected["refusal lost"] += 1
        rows["AE", "fugitive", "(search)", "refusal lost", "refused (requester_not_trusted) -> answered"] += 1
        for hit in as_ukraine["hits"]:
            expected[f"none -> {hit['disclosure']}"] += 1
            rows["AE", "fugitive", "(record)", f"none -> {hit['disclosure']}", "Person"] += 1
            for name in hit["properties"]:
                method = hit.get("generalised", {}).get(name)
                detail = f"was: {NOT_TRUSTED}" + (f"; now as {method}" if method else "")
                expected["withheld -> released"] += 1
                rows["AE", "fugitive", name, "withheld -> released", detail] += 1
    assert expected["none -> partial"] >= 5, "Ukraine's answers should hold each person of interest"
    # A purpose the candidate does not accept from the Emirates: refused still, for another reason.
    for person in PERSONS_OF_INTEREST[:2]:
        answer = await ask_germany(api, tokens["AE"], person_query(person), "drug_trafficking")
        searches += 1
        assert answer["refusal_reason"] == "requester_not_trusted"
        expected["refusal reason changed"] += 1
        detail = "refused (requester_not_trusted) -> refused (purpose_not_accepted)"
        rows["AE", "drug_trafficking", "(search)", "refusal reason changed", detail] += 1

    # Unchanged: Greece and Germany itself, and a Greek investigator whom Germany's node refused for
    # probing one record too often (the node would refuse again: Greece would still be shown the record).
    for person in PERSONS_OF_INTEREST:
        assert (await ask_germany(api, tokens["GR"], person_query(person), "terrorism"))["status"] == "hit"
        searches += 1
    assert (await ask_germany(api, tokens["DE"], person_query(PERSONS_OF_INTEREST[0]), "terrorism"))["hits"]
    searches += 1
    prober = new_investigator(demo, "GR", "gr-prober")
    petrov = PERSONS_OF_INTEREST[0]
    statuses = []
    for day in range(20):
        dated = {"birthDate": [f"1975-04-{day:02d}"]} if day else {}
        answer = await ask_germany(api, prober, {"name": [petrov.names["FR"]], **dated}, "fugitive")
        statuses.append(answer["refusal_reason"] or answer["status"])
        searches += 1
    assert statuses == ["hit"] * 19 + ["probe_budget_exceeded"]

    work = Path(demo["work_dir"])
    candidate = tmp_path / "de-candidate.tar.gz"
    make_bundle("DE", candidate, candidate_policies(tmp_path / "policies"), revision="de-candidate-demo")
    report_path = tmp_path / "replay.json"
    command = fedgate_command("policy", "replay", "--config", str(work / "nodes" / "de" / "node.toml"))
    command += ["--bundle", str(candidate), "--since", since, "--json", str(report_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())

    totals = report["totals"]
    assert (totals["searches_read"], totals["searches_replayed"], totals["searches_not_compared"]) == (
        searches,
        searches,
        0,
    )
    assert totals["records_no_longer_held"] == 0
    assert totals["changes"] == dict(sorted(expected.items()))
    grouped = {
        (row["country"], row["purpose"], row["property"], row["change"], row["detail"]): row["count"]
        for row in report["by_country_purpose_property"]
    }
    assert grouped == dict(rows)
    assert {search["requester"]["country"] for search in report["searches"]} == {"FR", "AE"}
    assert [(row["country"], row["investigator"]) for row in report["top_requesters"]] == [
        ("AE", "ae-replay-investigator"),
        ("FR", "fr-replay-investigator"),
    ]
    # No record or query value in the report or on the terminal.
    everything = report_path.read_text() + done.stdout
    for person in PERSONS_OF_INTEREST:
        for value in [*person.names.values(), person.birth_date, person.passport]:
            assert value not in everything
