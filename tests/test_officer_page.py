"""The officer's review page of France's node in a real headless Chromium, against the shared demo federation: a
follow-up the Emirates filed after a hit, reviewed and decided by France's own officer with the node's own login."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from node.config import load_node_config
from node.followups.queue import FollowUp, FollowUpQueue, follow_ups_location
from node.followups.web import MAX_FAILED_LOGINS, LoginThrottle
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, REPO, demo_api, module_demo, new_investigator
from tests.test_follow_ups import CASE, FRANCE_TO_EMIRATES_AFTER_FOLLOW_UP, PERSON, REASONS, node_config

ARTIFACTS = REPO / "test-artifacts" / "officer"
AGENCY = "AE officer page unit"


@pytest.fixture(scope="module")
def demo(shared_demo: dict[str, Any]) -> dict[str, Any]:
    return module_demo(shared_demo, "officer-page")


@pytest.fixture(scope="module")
def bearer(demo: dict[str, Any]) -> str:
    return new_investigator(demo, "AE", "ae-officer-page", AGENCY)


def run(work: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """A coroutine run to its end in a thread of its own (the sync Playwright tests have no event loop to lend)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


async def _hit_and_file(demo: dict[str, Any], bearer: str) -> dict[str, Any]:
    """The Emirates' investigator finds the planted person in France (a hit-only hit) and files a follow-up asking
    for the name and a property France's policy never gives the Emirates."""
    async with demo_api(demo) as api:
        search = {
            "schema": "Person",
            "properties": {"name": [PERSON.names["FR"]], "birthDate": [PERSON.birth_date]},
            "purpose": "terrorism",
            "countries": ["FR"],
        }
        status, answer = await api.search(search, bearer)
        assert status == 200, answer
        hit = next(result for result in answer["results"] if result["country"] == "FR")
        other = sorted(set(hit["withheld"]) - FRANCE_TO_EMIRATES_AFTER_FOLLOW_UP)[0]
        body = {"country": "FR", "record_ref": hit["record_ref"], "properties": ["name", other], **CASE}
        status, filed = await api.call("POST", "/v1/follow-ups", body=body, token=bearer)
        assert status == 201, filed
        return {"id": filed["follow_up_id"], "other": other, "record_ref": hit["record_ref"]}


async def _collect(demo: dict[str, Any], bearer: str, follow_up_id: str) -> dict[str, Any]:
    async with demo_api(demo) as api:
        status, answer = await api.call("GET", f"/v1/follow-ups/{follow_up_id}", token=bearer)
        assert status == 200, answer
        result: dict[str, Any] = answer
        return result


@pytest.fixture(scope="module")
def filed(demo: dict[str, Any], bearer: str) -> dict[str, Any]:
    return run(_hit_and_file(demo, bearer))


def queued(demo: dict[str, Any], follow_up_id: str) -> FollowUp:
    queue = FollowUpQueue(follow_ups_location(load_node_config(node_config(demo, "FR")).audit_log))
    try:
        follow_up = queue.get(follow_up_id)
    finally:
        queue.close()
    assert follow_up is not None
    return follow_up


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, demo: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=demo["nodes"]["FR"]["operator_url"])
    opened = context.new_page()
    requested: list[str] = []
    opened.on("request", lambda r: requested.append(r.url))
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    outside = [url for url in requested if not url.startswith(demo["nodes"]["FR"]["operator_url"])]
    assert outside == [], f"the page loaded resources from outside the node's operator listener: {outside}"


def log_in(page: Page, officer: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Officer").fill(officer)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_page_needs_the_nodes_own_login_and_a_csrf_token_to_decide(
    page: Page, demo: dict[str, Any], filed: dict[str, Any]
) -> None:
    page.goto("/")
    expect(page).to_have_url(demo["nodes"]["FR"]["operator_url"] + "/login")
    shown = page.goto("/login")
    assert shown is not None
    assert shown.headers["content-security-policy"].startswith("default-src 'none'")

    log_in(page, demo["officer"]["name"], demo["officer"]["password"] + "x")
    expect(page.get_by_role("alert")).to_have_text("Unknown officer or wrong password.")
    page.goto(f"/follow-ups/{filed['id']}")
    expect(page.get_by_role("heading", name="Officer login")).to_be_visible()

    log_in(page, demo["officer"]["name"], demo["officer"]["password"])
    expect(page.get_by_role("heading", name="Follow-ups filed with FR")).to_be_visible()
    (cookie,) = page.context.cookies()
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")
    before = queued(demo, filed["id"])
    # The session cookie goes with it, the form's CSRF token does not: refused, nothing decided.
    forged = page.request.post(f"/follow-ups/{filed['id']}/decide", form={"action": "approve", "approve": "name"})
    assert forged.status == 403
    assert queued(demo, filed["id"]) == before


def test_the_officer_approves_two_properties_and_sees_the_one_the_policy_released(
    page: Page, demo: dict[str, Any], filed: dict[str, Any], bearer: str
) -> None:
    log_in(page, demo["officer"]["name"], demo["officer"]["password"])
    row = page.get_by_role("row").filter(has_text=filed["id"])
    expect(row).to_contain_text("pending")
    expect(row).to_contain_text(f"AE / {AGENCY}")
    row.get_by_role("link", name=filed["id"]).click()

    expect(page.get_by_role("heading", name=f"Follow-up {filed['id']}")).to_be_visible()
    expect(page.get_by_text(REASONS)).to_be_visible()
    expect(page.get_by_text(CASE["case_reference"])).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(PERSON.names["FR"])
    page.get_by_label("name", exact=True).check()
    page.get_by_label(filed["other"], exact=True).check()
    page.screenshot(path=str(REPO / "docs" / "officer-page.png"), full_page=True)
    page.get_by_role("button", name="Approve the ticked properties").click()

    outcome = page.locator("section.outcome")
    expect(outcome.get_by_role("heading", name="Released")).to_be_visible()
    expect(outcome.get_by_role("table")).to_contain_text(PERSON.names["FR"])
    expect(outcome.get_by_role("table")).not_to_contain_text(filed["other"])
    expect(outcome).to_contain_text(f"{filed['other']}: not_shared_with_requester")
    expect(outcome).to_contain_text(", ".join(sorted(["name", filed["other"]])))
    assert queued(demo, filed["id"]).officer == demo["officer"]["name"]

    collected = run(_collect(demo, bearer, filed["id"]))
    assert collected["state"] == "released"
    assert set(collected["released"]["properties"]) == {"name"}
    assert collected["released"]["withheld"][filed["other"]] == "not_shared_with_requester"


def test_guessing_an_officers_password_is_stopped_after_five_tries(page: Page) -> None:
    # A name of its own: the lockout is per officer name, known or not (it says nothing of who exists).
    for _ in range(MAX_FAILED_LOGINS):
        tried = page.request.post("/login", form={"officer": "mallory", "password": "guess"})
        assert tried.status == 401
    locked = page.request.post("/login", form={"officer": "mallory", "password": "guess"})
    assert locked.status == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed logins" in locked.text()


def test_the_login_throttle_forgets_failures_once_the_window_has_passed() -> None:
    throttle = LoginThrottle(limit=2, window_s=60)
    throttle.failed("officer", 0.0)
    throttle.failed("officer", 10.0)
    assert throttle.retry_after("officer", 20.0) == 40.0
    assert throttle.retry_after("other", 20.0) == 0.0
    assert throttle.retry_after("officer", 61.0) == 0.0  # the first failure is out of the window
    throttle.failed("officer", 62.0)
    throttle.succeeded("officer")
    assert throttle.retry_after("officer", 63.0) == 0.0
