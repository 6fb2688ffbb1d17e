"""A candidate policy replayed against a real federation's past searches: exactly its changes are reported."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright, expect

from fedcli.processes import fedgate_command
from fedtools.bundles import diff_bundles, make_bundle, read_bundle
from fedtools.replay import BatchEvaluator, ReplayOpa, replay
from fedtools.replay_report import summarise
from node.config import load_node_config
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, REPO
from tests.federation import Federation
from tests.samples import SECRET_VALUES

ARTIFACTS = REPO / "test-artifacts" / "policy-replay"
PETROV = {"schema": "Person", "properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}}
SCHMIDT = {"schema": "Person", "properties": {"name": ["Klaus Schmidt"]}}
# What Germany's record of Petrov holds besides what the searches above ask for.
DE_PETROW_VALUES = ["Wolgograd", "C01X00T47"]


def candidate_policies(directory: Path) -> Path:
    """Germany's policy with two changes: France no longer receives birth places; the Emirates are trusted
    (as a third country) for terrorism and fugitive cases."""
    shutil.copytree(REPO / "policies", directory)
    data_path = directory / "fedgate" / "countries" / "de" / "data.json"
    data = json.loads(data_path.read_text())
    settings = data["settings"]
    schengen = settings["profiles"]["schengen"]
    person = [name for name in schengen["properties"]["Person"] if name != "birthPlace"]
    settings["profiles"]["france"] = {"properties": {**schengen["properties"], "Person": person}}
    settings["partners"]["FR"]["profile"] = "france"
    settings["partners"]["AE"] = {"profile": "third", "purposes": ["terrorism", "fugitive"]}
    data_path.write_text(json.dumps(data, indent=2))
    return directory


async def search_as(federation: Federation, country: str, body: dict[str, Any], purpose: str) -> None:
    status, answer = await federation.api.search({**body, "purpose": purpose}, federation.token(country))
    assert status == 200, answer


@dataclass(frozen=True)
class Replayed:
    work: Path
    node_config: Path
    old_bundle: Path
    new_bundle: Path


@pytest.fixture
async def replayed(federation: Federation, tmp_path: Path) -> Replayed:
    """Searches as four countries through the real gateway; Germany's bundles in force and proposed."""
    for _ in range(2):
        await search_as(federation, "FR", PETROV, "terrorism")
    await search_as(federation, "FR", SCHMIDT, "terrorism")
    await search_as(federation, "GR", PETROV, "fugitive")
    await search_as(federation, "UA", PETROV, "fugitive")
    await search_as(federation, "AE", PETROV, "terrorism")
    old_bundle, new_bundle = tmp_path / "de-now.tar.gz", tmp_path / "de-candidate.tar.gz"
    make_bundle("DE", old_bundle)
    make_bundle("DE", new_bundle, candidate_policies(tmp_path / "candidate"), revision="de-candidate-1")
    node_config = federation.nodes["DE"].config.store_path.parent / "node.toml"
    return Replayed(tmp_path, node_config, old_bundle, new_bundle)


def run_replay(replayed: Replayed, *options: str) -> subprocess.CompletedProcess[str]:
    command = fedgate_command(
        "policy", "replay", "--config", str(replayed.node_config), "--bundle", str(replayed.new_bundle)
    )
    command += ["--since", "2026-01-01", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


async def test_replay_reports_exactly_the_changes_of_the_candidate_policy(replayed: Replayed) -> None:
    report_path = replayed.work / "report.json"
    done = run_replay(replayed, "--json", str(report_path))
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    totals = report["totals"]
    assert report["node_country"] == "DE"
    assert report["bundle_revision"] == "de-candidate-1"
    assert (totals["searches_read"], totals["searches_replayed"], totals["searches_not_compared"]) == (6, 6, 0)
    assert totals["records_no_longer_held"] == 0
    assert totals["searches_changed"] == 3
    assert totals["records_changed"] == 3
    assert totals["changes"] == {
        # France's two Petrov searches: the birth place no longer leaves, so the record is partial.
        "full -> partial": 2,
        "released -> withheld": 2,
        # The Emirates' search: answered now, the record reported with what a third country receives.
        "refusal lost": 1,
        "none -> partial": 1,
        "withheld -> released": 3,
    }
    rows = {
        (row["country"], row["purpose"], row["property"], row["change"], row["detail"]): row["count"]
        for row in report["by_country_purpose_property"]
    }
    assert rows == {
        ("FR", "terrorism", "(record)", "full -> partial", "Person"): 2,
        ("FR", "terrorism", "birthPlace", "released -> withheld", "not_shared_with_requester"): 2,
        ("AE", "terrorism", "(search)", "refusal lost", "refused (requester_not_trusted) -> answered"): 1,
        ("AE", "terrorism", "(record)", "none -> partial", "Person"): 1,
        (
            "AE",
            "terrorism",
            "birthDate",
            "withheld -> released",
            "was: search refused (requester_not_trusted); now as year_month",
        ): 1,
        ("AE", "terrorism", "name", "withheld -> released", "was: search refused (requester_not_trusted)"): 1,
        ("AE", "terrorism", "nationality", "withheld -> released", "was: search refused (requester_not_trusted)"): 1,
    }
    assert [(r["country"], r["searches_changed"], r["changes"]) for r in report["top_requesters"]] == [
        ("AE", 1, 5),
        ("FR", 2, 4),
    ]
    # Greece, Ukraine and France's Schmidt search are answered as they were.
    assert {s["requester"]["country"] for s in report["searches"]} == {"FR", "AE"}
    everything = report_path.read_text() + done.stdout
    for value in SECRET_VALUES + DE_PETROW_VALUES + ["Ivan Petrov", "1975-04-02"]:
        assert value not in everything


async def test_values_appear_only_when_the_dpo_asks(replayed: Replayed) -> None:
    done = run_replay(replayed, "--show-values")
    assert done.returncode == 0, done.stderr
    assert "Wolgograd" in done.stdout
    assert "Ivan Petrov" in done.stdout


async def test_fail_on_stops_a_policy_that_releases_more(replayed: Replayed) -> None:
    releasing = run_replay(replayed, "--fail-on", "withheld → released")
    assert releasing.returncode == 1
    assert '"withheld -> released" (3)' in releasing.stderr
    narrowing_only = run_replay(replayed, "--fail-on", "released -> generalised", "--fail-on", "refusal gained")
    assert narrowing_only.returncode == 0, narrowing_only.stderr
    unknown = run_replay(replayed, "--fail-on", "released -> sideways")
    assert unknown.returncode == 2
    assert "not a change kind" in unknown.stderr


async def test_a_bundle_without_the_countrys_decision_is_refused(replayed: Replayed) -> None:
    french = replayed.work / "fr.tar.gz"
    make_bundle("FR", french)
    done = subprocess.run(
        fedgate_command(
            "policy", "replay", "--config", str(replayed.node_config), "--bundle", str(french), "--since", "2026-01-01"
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "does not define data.fedgate.countries.de.decision" in done.stderr


async def test_diff_says_in_words_what_the_candidate_changes(replayed: Replayed) -> None:
    lines = diff_bundles(read_bundle(replayed.old_bundle), read_bundle(replayed.new_bundle))
    assert lines[0].startswith("revision: de-")
    assert lines[0].endswith(" -> de-candidate-1")
    assert lines[1:] == [
        "DE: AE is now trusted: profile third (Passport: number, passportNumber, country, endDate; Person: name, "
        "nationality, birthDate; Vehicle: registrationNumber, model, country; generalised: birthDate to year_month); "
        "purposes terrorism, fugitive",
        "DE: FR: profile schengen -> france",
        "DE: profile france added: Passport: *; Person: name, alias, firstName, lastName, birthDate, nationality, "
        "gender, passportNumber; Vehicle: *",
        "DE: FR would receive: Person properties: no longer birthPlace",
    ]
    done = subprocess.run(
        fedgate_command("policy", "diff", str(replayed.old_bundle), str(replayed.new_bundle)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == lines


async def test_the_report_page_shows_the_changes_in_chromium(replayed: Replayed) -> None:
    page_path = replayed.work / "replay.html"
    done = run_replay(replayed, "--html", str(page_path))
    assert done.returncode == 0, done.stderr
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            await page.goto(page_path.as_uri())
            await expect(page.get_by_role("heading", name="Policy replay — DE")).to_be_visible()
            await expect(page.get_by_role("group", name="Searches that would change")).to_contain_text("3")
            await expect(page.get_by_role("group", name="Changes releasing more")).to_contain_text("5")
            await expect(page.get_by_role("group", name="Changes releasing less")).to_contain_text("4")
            grouped = page.get_by_role("table", name="By requesting country, purpose and property")
            birth_place = grouped.get_by_role("row").filter(has_text="birthPlace")
            await expect(birth_place).to_have_count(1)
            await expect(birth_place).to_contain_text("FR")
            await expect(birth_place).to_contain_text("released -> withheld")
            await expect(birth_place.get_by_role("cell").last).to_have_text("2")
            requesters = page.get_by_role("table", name="Most affected requesters").get_by_role("row")
            await expect(requesters).to_have_count(3)  # heading and two requesters
            await expect(requesters.nth(1)).to_contain_text("AE")
            # A changed search opens to show its record and what happens to each property.
            await page.get_by_text("refused (requester_not_trusted) → answered").click()
            await expect(page.get_by_role("table", name="Search", exact=False).last).to_contain_text("none → partial")
            content = await page.content()
            for value in [*DE_PETROW_VALUES, "Ivan Petrov"]:
                assert value not in content
            # docs/policy-replay.png is a copy of this screenshot.
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "policy-replay.png"), full_page=True)
            assert [url for url in requested if not url.startswith("file://")] == []
        finally:
            await browser.close()


async def test_records_deleted_since_are_counted_and_not_compared(replayed: Replayed) -> None:
    config = load_node_config(replayed.node_config)
    connection = sqlite3.connect(config.store_path)
    with connection:
        connection.execute("DELETE FROM records WHERE entity_id = 'de-person-petrow'")
    connection.close()
    with ReplayOpa(replayed.new_bundle, replayed.work) as opa:
        result = replay(config, BatchEvaluator(opa.url, config.opa.decision_path), "2026-01-01", "2100-01-01")
    report = summarise(result)
    # France's two Petrov searches, Greece's and Ukraine's listed the record; the Emirates' was refused.
    assert report["totals"]["records_no_longer_held"] == 4
    assert report["totals"]["changes"] == {"refusal lost": 1}
