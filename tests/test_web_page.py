"""The investigator page in a real headless Chromium against a real demo federation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from gateway.auth import issue_token
from gateway.config import load_gateway_config
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, REPO

ARTIFACTS = REPO / "test-artifacts" / "web"
PETROV_NAME, PETROV_BORN = "Ivan Petrov", "1975-04-02"


@pytest.fixture(scope="module")
def demo(page_demo: dict[str, Any]) -> dict[str, Any]:
    return page_demo


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, demo: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    requested: list[str] = []
    opened.on("request", lambda r: requested.append(r.url))
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    outside = [url for url in requested if not url.startswith(demo["gateway_url"])]
    assert outside == [], f"the page loaded resources from outside the gateway: {outside}"


def sign_in(page: Page, demo: dict[str, Any], token: str) -> None:
    page.goto(demo["gateway_url"] + "/")
    page.get_by_label("Investigator token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def search_petrov(page: Page, purpose: str = "terrorism") -> None:
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(PETROV_NAME)
    page.get_by_label("Birth date").fill(PETROV_BORN)
    page.get_by_label("Purpose").select_option(purpose)
    page.get_by_role("button", name="Search", exact=True).click()


def mint(demo: dict[str, Any], country: str, ttl_s: int, purposes: list[str] | None = None) -> str:
    config = load_gateway_config(Path(demo["work_dir"]) / "gateway" / "gateway.toml")
    return issue_token(
        config.issuers["fedgate-demo"],
        config.audience,
        investigator_id=f"{country.lower()}-page-test",
        country=country,
        agency=f"{country} police",
        clearance="confidential",
        purposes=purposes or ["terrorism", "fugitive"],
        ttl_s=ttl_s,
    )


def node_process(demo: dict[str, Any], country: str) -> psutil.Process:
    for child in psutil.Process(demo["pid"]).children(recursive=True):
        if f"nodes/{country.lower()}/node.toml" in " ".join(child.cmdline()):
            return child
    raise AssertionError(f"no node process for {country}")


def test_a_search_fills_the_country_strip_and_lists_ranked_results(page: Page, demo: dict[str, Any]) -> None:
    response = page.goto(demo["gateway_url"] + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    sign_in(page, demo, demo["tokens"]["FR"])
    search_petrov(page)
    expect(page.get_by_role("status")).to_contain_text("results from", timeout=15_000)
    for country in demo["countries"]:
        expect(page.locator(f"#country-{country}")).not_to_have_attribute("data-status", "pending")
    expect(page.locator("#country-FR")).to_have_attribute("data-status", "hit")
    cards = page.locator("#results > li")
    assert cards.count() >= 2
    scores = [int(text.split()[1]) for text in page.locator("#results .score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    # A hit-only result shows no number: its band where its country releases one, else that none is released.
    for card in page.locator('#results > li[data-disclosure="hit_only"]').all():
        assert card.locator(".score").count() == 0
        assert card.locator(".band").count() == 1
        assert "could reveal the details it withholds" in card.locator(".why-no-score").inner_text()
    assert len({card.get_attribute("data-country") for card in cards.all()}) >= 2
    stored = page.evaluate("() => [Object.keys(localStorage), Object.keys(sessionStorage), document.cookie]")
    assert stored == [[], ["fedgate.token"], ""]
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)


def test_a_withheld_property_shows_the_reason_the_country_gave(page: Page, demo: dict[str, Any]) -> None:
    sign_in(page, demo, demo["tokens"]["UA"])
    search_petrov(page)
    expect(page.get_by_role("status")).to_contain_text("results from", timeout=15_000)
    french = page.locator('#results > li[data-country="FR"]')
    expect(french).to_contain_text("Passport number withheld: not shared with your country")
    expect(french).to_contain_text("year only")  # France gives Ukraine the birth year only


def test_a_hit_only_answer_says_a_match_exists_and_whom_to_contact(page: Page, demo: dict[str, Any]) -> None:
    sign_in(page, demo, demo["tokens"]["FR"])
    search_petrov(page, purpose="drug_trafficking")
    expect(page.get_by_role("status")).to_contain_text("results from", timeout=15_000)
    greek = page.locator('#results > li[data-country="GR"]')
    expect(greek).to_contain_text("GR holds a matching record")
    expect(greek).to_contain_text("SIRENE GR")


def test_a_slow_country_appears_after_the_fast_ones(page: Page, demo: dict[str, Any]) -> None:
    sign_in(page, demo, demo["tokens"]["FR"])
    greece = node_process(demo, "GR")
    greece.suspend()
    try:
        search_petrov(page)
        for country in ("FR", "DE", "UA", "AE"):
            expect(page.locator(f"#country-{country}")).not_to_have_attribute("data-status", "pending", timeout=10_000)
        expect(page.locator("#country-GR")).to_have_attribute("data-status", "pending")
        fast_results = page.locator("#results > li").count()
        assert fast_results >= 1
    finally:
        greece.resume()
    expect(page.locator("#country-GR")).to_have_attribute("data-status", "hit", timeout=10_000)
    expect(page.locator('#results > li[data-country="GR"]')).to_have_count(1)


def test_a_bad_token_shows_the_sign_in_error(page: Page, demo: dict[str, Any]) -> None:
    sign_in(page, demo, "not-a-token")
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed: the bearer token is not a JWT")
    page.get_by_label("Investigator token").fill(mint(demo, "FR", ttl_s=-120))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("the token has expired")
    expect(page.get_by_role("heading", name="Search")).to_be_hidden()


def test_an_expired_token_during_the_session_returns_to_sign_in(page: Page, demo: dict[str, Any]) -> None:
    # The gateway allows 30 s of clock skew: this token stays acceptable for about two more seconds.
    sign_in(page, demo, mint(demo, "DE", ttl_s=-28))
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    time.sleep(3)  # the token's remaining lifetime running out is the behaviour under test
    search_petrov(page)
    expect(page.get_by_role("alert")).to_contain_text("no longer accepted")
    expect(page.get_by_label("Investigator token")).to_be_focused()
    assert page.evaluate("() => Object.keys(sessionStorage)") == []


def test_the_keyboard_alone_can_run_a_search(page: Page, demo: dict[str, Any]) -> None:
    page.goto(demo["gateway_url"] + "/")
    expect(page.get_by_label("Investigator token")).to_be_focused()
    page.keyboard.insert_text(demo["tokens"]["DE"])
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Record type")).to_be_focused()
    page.keyboard.press("Tab")  # purpose
    page.keyboard.press("Tab")  # name
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.insert_text(PETROV_NAME)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("results from", timeout=15_000)
    expect(page.get_by_role("heading", name="Answers")).to_be_focused()


def test_an_empty_search_and_no_match_are_explained(page: Page, demo: dict[str, Any]) -> None:
    sign_in(page, demo, demo["tokens"]["FR"])
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Fill in at least one field")
    page.get_by_label("Name", exact=True).fill("Zorvak Quinnelbry")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("No country reported a match", timeout=15_000)
