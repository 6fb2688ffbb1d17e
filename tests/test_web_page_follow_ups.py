"""Follow-ups on the investigator page (file from a hit, watch, collect), in a real headless Chromium against the
shared demo federation, with France's officer deciding through the command line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from fedcli.processes import fedgate_command
from fedcli.synthetic import PERSONS_OF_INTEREST
from node.config import load_node_config
from node.followups.queue import follow_ups_location
from tests.conftest import new_investigator
from tests.test_web_page import ARTIFACTS, browser, demo, page, sign_in

__all__ = ["browser", "demo", "page"]  # the fixtures of tests/test_web_page.py (the shared demo, its investigators)

PERSON = PERSONS_OF_INTEREST[0]
HOSTILE = '<img src=x onerror="window.pwned = 1">'
REASONS = "The hit matches a suspect named in our case file; we need the identity to confirm it."


def fedgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(fedgate_command(*args), capture_output=True, text=True, timeout=120)


def search_in_france(page: Page) -> None:
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(PERSON.names["FR"])
    page.get_by_label("Birth date").fill(PERSON.birth_date)
    page.get_by_label("Purpose").select_option("terrorism")
    page.locator('input[name="country"]').evaluate_all(
        "(boxes) => boxes.forEach((b) => { b.checked = b.value === 'FR'; })"
    )
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("result", timeout=15_000)


def request_follow_up(page: Page, case_reference: str, properties: list[str]) -> None:
    page.locator('#results > li[data-country="FR"]').first.get_by_role("button", name="Request follow-up").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    for name in properties:
        dialog.locator(f'input[name="fu-property"][value="{name}"]').check()
    dialog.get_by_label("Legal basis").select_option("prum_core_data")
    dialog.get_by_label("Case reference").fill(case_reference)
    dialog.get_by_label("Reasons").fill(REASONS)


def api_get(page: Page, demo: dict[str, Any], bearer: str, follow_up_id: str) -> dict[str, Any]:
    response = page.request.get(
        f"{demo['gateway_url']}/v1/follow-ups/{follow_up_id}", headers={"Authorization": f"Bearer {bearer}"}
    )
    assert response.status == 200, response.text()
    answer: dict[str, Any] = response.json()
    return answer


def test_a_hit_only_hit_is_followed_up_from_its_card_watched_and_collected(
    page: Page, demo: dict[str, Any], tmp_path: Path
) -> None:
    emirates = new_investigator(demo, "AE", "ae-page-follow-up", "AE page follow-up desk")
    sign_in(page, demo, emirates)
    search_in_france(page)
    card = page.locator('#results > li[data-country="FR"]').first
    expect(card).to_have_attribute("data-disclosure", "hit_only")

    # The form offers what the hit withheld; what is missing or refused by the gateway is said at its field.
    request_follow_up(page, "x" * 65, ["name"])
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#fu-reasons-count")).to_have_text(f"{len(REASONS)} / 2,000 characters")
    dialog.get_by_label("Reasons").fill("")
    dialog.get_by_role("button", name="Send request").click()
    expect(dialog.locator("#fu-reasons-error")).to_contain_text("Say why the data is needed")
    dialog.get_by_label("Reasons").fill(REASONS)
    dialog.get_by_role("button", name="Send request").click()
    expect(dialog.locator("#fu-case-error")).to_contain_text("at most 64 characters")
    expect(dialog.get_by_label("Case reference")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("Case reference").fill(HOSTILE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "follow-ups-form.png"))  # docs/follow-ups-form.png is a copy
    dialog.get_by_role("button", name="Send request").click()
    expect(dialog.locator(".outcome")).to_have_attribute("data-state", "pending")
    expect(dialog.locator(".outcome")).to_contain_text("Queued: FR is due to answer by")
    dialog.get_by_role("button", name="Close").click()

    expect(page.locator("#follow-up-list > li")).to_have_count(1)
    follow_up_id = page.locator("#follow-up-list > li").get_attribute("data-follow-up-id")
    assert follow_up_id is not None
    assert follow_up_id.startswith("FR-")
    entry = page.locator(f"#follow-up-{follow_up_id}")
    expect(entry).to_have_attribute("data-state", "pending")
    expect(entry.locator("h3")).to_have_text(f"Case {HOSTILE}")  # text, never markup
    stored = page.evaluate("() => Object.values(localStorage).map((v) => JSON.parse(v))")
    assert [sorted(kept) for kept in stored[0]] == [["case_reference", "country", "due_at", "filed_at", "id"]]

    # Filed again while the first is open: refused as a duplicate, in words, pointing at the open one.
    request_follow_up(page, "CT-2026-0999", ["name"])
    dialog.get_by_role("button", name="Send request").click()
    expect(dialog.locator(".outcome")).to_have_attribute("data-refusal", "duplicate")
    expect(dialog.locator(".outcome")).to_contain_text("your agency already has an open follow-up on this record")
    dialog.get_by_role("link", name=follow_up_id).click()
    expect(entry).to_be_focused()
    refused = page.locator('#follow-up-list > li[data-state="refused"]')
    expect(refused).to_contain_text("Refused — duplicate")

    # France's officer approves the name; a refresh shows what France released and why the rest is withheld.
    config = Path(demo["work_dir"]) / "nodes" / "fr" / "node.toml"
    decided = fedgate("node", "follow-ups", "decide", "--config", str(config), follow_up_id, "--approve", "name")
    assert decided.returncode == 0, decided.stderr
    page.get_by_role("button", name="Refresh").click()
    expect(entry).to_have_attribute("data-state", "released")
    answer = api_get(page, demo, emirates, follow_up_id)
    shown = entry.locator('.released dd[data-property="name"] .value').all_inner_texts()
    assert shown == answer["released"]["properties"]["name"]
    withheld = dict(
        entry.locator(".released .withheld li").evaluate_all(
            "(items) => items.map((i) => [i.dataset.property, i.dataset.reason])"
        )
    )
    assert withheld == answer["released"]["withheld"]
    expect(entry.locator('.withheld li[data-reason="not_requested"]').first).to_contain_text(
        "not asked for in the follow-up"
    )
    page.screenshot(path=str(ARTIFACTS / "follow-ups-page.png"), full_page=True)  # docs/follow-ups-page.png too

    # The saved answer is the country's signed answer: `fedgate verify` checks it.
    with page.expect_download() as downloaded:
        entry.get_by_role("button", name="Save signed answer").click()
    saved = Path(downloaded.value.path())
    assert json.loads(saved.read_text(encoding="utf-8"))["released"] == answer["released"]
    checked = fedgate(
        "verify", str(saved), "--directory", demo["directory"], "--federation-key", demo["federation_key"]
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "intact" in checked.stdout

    assert page.locator("#follow-ups img, #follow-up-dialog img").count() == 0
    assert page.evaluate("() => window.pwned") is None


def test_an_overdue_follow_up_is_highlighted_after_a_refresh(page: Page, demo: dict[str, Any]) -> None:
    sign_in(page, demo, new_investigator(demo, "AE", "ae-page-overdue", "AE page overdue desk"))
    search_in_france(page)
    request_follow_up(page, "CT-2026-0042", ["name", "birthDate"])
    page.get_by_label("Urgency").select_option("urgent")
    page.get_by_role("dialog").get_by_role("button", name="Send request").click()
    expect(page.get_by_role("dialog").locator(".outcome")).to_have_attribute("data-state", "pending")
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    entry = page.locator("#follow-up-list > li")
    follow_up_id = entry.get_attribute("data-follow-up-id")

    # As if filed nine hours ago: an urgent follow-up is due after eight.
    location = follow_ups_location(load_node_config(Path(demo["work_dir"]) / "nodes" / "fr" / "node.toml").audit_log)
    assert isinstance(location, Path)
    with sqlite3.connect(location) as connection:
        (due_at,) = connection.execute("SELECT due_at FROM follow_ups WHERE id = ?", (follow_up_id,)).fetchone()
        earlier = (datetime.fromisoformat(due_at) - timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
        connection.execute("UPDATE follow_ups SET due_at = ? WHERE id = ?", (earlier, follow_up_id))
    page.get_by_role("button", name="Refresh").click()
    expect(entry).to_have_attribute("data-state", "overdue")
    expect(entry.locator(".badge.state")).to_have_text("overdue: past its due time")
    expect(page.locator("#follow-ups-status")).to_contain_text("1 overdue")
