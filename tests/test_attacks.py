"""Oracle attacks through the gateway's HTTP API, against a demo federation with the countries' real policies:
a hostile investigator learns nothing a policy withholds, and the investigator it is meant for still gets it.

Both attacks worked until the node let the policy say what may decide a hit (`match_on`) and asked it before
cutting to `limit`; each test says what the old answers gave away. `fedeval/attacks.py` measures the same
attacks, and what can still be learnt, in bits.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedeval.attacks import PETROV, HiddenWithDecoy, candidate_dates, hidden_with_decoys, seen
from tests.conftest import SHARED_DEMO_RECORDS, SHARED_DEMO_SEED, demo_api, module_demo, new_investigator
from tests.federation import ApiClient

NAME = {"name": [PETROV.names["FR"]]}  # Ivan Petrov, planted in every demo country under its own spelling


@pytest.fixture(scope="module")
def demo(shared_demo: dict[str, Any]) -> dict[str, Any]:
    return module_demo(shared_demo, "attacks")


@pytest.fixture
async def api(demo: dict[str, Any]) -> AsyncIterator[ApiClient]:
    async with demo_api(demo) as client:
        yield client


async def ask(
    api: ApiClient,
    token: str,
    country: str,
    purpose: str,
    properties: dict[str, list[str]],
    limit: int = 10,
) -> dict[str, Any]:
    """One search of one country, as an investigator sends it; the answer is checked against /openapi.json."""
    body = {"schema": "Person", "properties": properties, "purpose": purpose, "countries": [country], "limit": limit}
    status, answer = await api.search(body, token)
    assert status == 200, answer
    result: dict[str, Any] = answer
    return result


def hits(answer: dict[str, Any], country: str) -> list[dict[str, Any]]:
    return [result for result in answer["results"] if result["country"] == country]


# The demo's own investigators search here; each test stays within their probe budget against a record
# (19 distinct queries): the name alone and eighteen birth dates at most.
@pytest.mark.parametrize(
    ("requester", "country", "purpose", "disclosure"),
    [
        pytest.param("FR", "GR", "organised_crime", "hit_only", id="greece-answers-france-hit-only"),
        pytest.param("AE", "FR", "terrorism", "hit_only", id="france-answers-the-uae-hit-only-with-a-band"),
        pytest.param("UA", "FR", "fugitive", "partial", id="france-gives-ukraine-the-birth-year-only"),
    ],
)
async def test_birth_dates_a_country_does_not_release_never_change_its_answer(
    api: ApiClient, demo: dict[str, Any], requester: str, country: str, purpose: str, disclosure: str
) -> None:
    # Before the fix, France's investigator asking Greece about Ivan Petrov for organised crime saw the
    # hit-only answer's score rise with the exact birth date (0.8472 -> 0.9389), and a contradicting date turn
    # the hit into a no-hit: nineteen searches told the birth date Greece withholds.
    token = demo["tokens"][requester]
    by_name = await ask(api, token, country, purpose, NAME)
    (hit,) = hits(by_name, country)
    assert hit["disclosure"] == disclosure
    assert "birthDate" in hit["withheld"] or hit["generalised"].get("birthDate") == "year"

    dates = candidate_dates(PETROV.birth_date)
    assert PETROV.birth_date in dates  # the true one, beside neighbours and dates far off
    for day in dates:
        with_date = await ask(api, token, country, purpose, {**NAME, "birthDate": [day]})
        assert seen(with_date, country) == seen(by_name, country), f"the birth date {day} changed the answer"


async def test_a_partner_given_the_birth_date_still_finds_the_person_by_it(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    # Greece answers France in full when hunting a fugitive: the birth date is released, so it decides the hit.
    token = demo["tokens"]["FR"]
    right = await ask(api, token, "GR", "fugitive", {**NAME, "birthDate": [PETROV.birth_date]})
    (hit,) = hits(right, "GR")
    assert hit["disclosure"] in ("full", "partial")
    assert hit["properties"]["birthDate"] == [PETROV.birth_date]
    assert hit["score"] > 0.9
    assert any(evidence["property"] == "birthDate" for evidence in hit["matched"])

    wrong = await ask(api, token, "GR", "fugitive", {**NAME, "birthDate": ["1980-01-01"]})
    assert wrong["countries"]["GR"]["status"] == "no_hit"  # a namesake born on another day is no hit


@pytest.fixture(scope="module")
def not_to_be_mentioned() -> dict[str, HiddenWithDecoy]:
    """By country: a person in the demo's data whom nobody else is named like, flagged as the country's policy
    hides from some requesters (French victims, Emirati minors), and a misspelt decoy."""
    found = {}
    for country, flag in (("FR", "victim"), ("AE", "minor")):
        targets = hidden_with_decoys(country, flag, SHARED_DEMO_RECORDS, SHARED_DEMO_SEED, 1)
        assert targets, f"the demo's data for {country} has no {flag} to attack"
        found[country] = targets[0]
    return found


@pytest.mark.parametrize(
    ("requester", "country", "purpose"),
    [
        pytest.param("UA", "FR", "fugitive", id="france-never-mentions-victims-outside-the-eu"),
        pytest.param("FR", "AE", "fugitive", id="the-uae-never-mention-minors-abroad"),
    ],
)
async def test_a_record_the_policy_must_not_mention_never_takes_a_slot(
    api: ApiClient,
    demo: dict[str, Any],
    not_to_be_mentioned: dict[str, HiddenWithDecoy],
    requester: str,
    country: str,
    purpose: str,
) -> None:
    # Before the fix the node cut to `limit` before asking the policy: the victim (or minor), named exactly, took
    # the one slot of limit 1 and was then dropped. No hit at limit 1, the decoy at limit 2: France holds a
    # victim of that name, the UAE a minor.
    target = not_to_be_mentioned[country]
    token = demo["tokens"][requester]
    alone = await ask(api, token, country, purpose, {"name": [target.hidden]})
    assert alone["countries"][country]["status"] == "no_hit"

    for limit in (1, 2):
        with_hidden = await ask(api, token, country, purpose, {"name": [target.hidden, target.decoy_query]}, limit)
        decoy_only = await ask(api, token, country, purpose, {"name": [target.decoy_query]}, limit)
        assert seen(with_hidden, country) == seen(decoy_only, country), f"limit {limit}"
        assert [hit["properties"]["name"] for hit in hits(with_hidden, country)] == [[target.decoy_name]]


@pytest.mark.parametrize(
    ("requester", "country", "reason"),
    [
        pytest.param("DE", "FR", "protected_person", id="france-tells-eu-partners-of-victims"),
        pytest.param("AE", "AE", "minor_protection", id="the-uae-tell-their-own-of-minors"),
    ],
)
async def test_investigators_allowed_to_hear_of_them_get_a_hit_only_answer(
    api: ApiClient,
    demo: dict[str, Any],
    not_to_be_mentioned: dict[str, HiddenWithDecoy],
    requester: str,
    country: str,
    reason: str,
) -> None:
    target = not_to_be_mentioned[country]
    answer = await ask(api, demo["tokens"][requester], country, "fugitive", {"name": [target.hidden]})
    (hit,) = hits(answer, country)
    assert hit["disclosure"] == "hit_only"
    assert hit["properties"] == {}
    assert set(hit["withheld"].values()) == {reason}


async def test_an_investigator_trying_a_twentieth_birth_date_against_one_record_is_refused(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    token = new_investigator(demo, "AE", "ae-prober")
    first = datetime.date(1960, 1, 1)
    dates = [(first + datetime.timedelta(days=n)).isoformat() for n in range(20)]
    answers = [await ask(api, token, "FR", "terrorism", {**NAME, "birthDate": [day]}) for day in dates[:19]]
    assert {answer["countries"]["FR"]["status"] for answer in answers} == {"hit"}

    refused = await ask(api, token, "FR", "terrorism", {**NAME, "birthDate": [dates[19]]})
    assert refused["countries"]["FR"]["status"] == "refused"
    assert refused["countries"]["FR"]["refusal_reason"] == "probe_budget_exceeded"
    assert hits(refused, "FR") == []
    # Asking again what was answered is not probing.
    again = await ask(api, token, "FR", "terrorism", {**NAME, "birthDate": [dates[0]]})
    assert again["countries"]["FR"]["status"] == "hit"
