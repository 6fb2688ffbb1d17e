"""Screening a list on the investigator page, in a real headless Chromium against a real demo federation."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from followthemoney.types import registry
from playwright.sync_api import FilePayload, Page, expect

from gateway.page import STATIC_DIR
from tests.conftest import new_investigator
from tests.test_web_page import ARTIFACTS, browser, demo, page, sign_in

__all__ = ["browser", "demo", "page"]  # the fixtures of tests/test_web_page.py (the shared demo, its investigators)

# Row 1 has no hit anywhere, row 2 hits in several countries, row 3 has no name: the page says so and leaves it out.
PASTED = "Zorvak Quinnelbry\nIvan Petrov; 1975-04-02; ru\n; 1980; fr\nAmélie Durand\n"
CSV_FILE = (
    "Full Name,DOB,Citizenship,Passport No,Remarks\n"
    '"Petrov, Ivan",1975-04-02,RU,,watch list\n'
    "Klaus Schmidt,1970-13-01,de,,\n"
    "Jürgen Müller,,xx,C01X00T47,\n"
)

# The /v1/screen answer exactly as the page received it, kept by the test beside the page's own reading of the
# stream (Chromium does not always keep a streamed fetch's body for Playwright's Response.text()).
KEEP_SCREEN_ANSWER = """
const pageFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await pageFetch(...args);
  if (!String(args[0]).endsWith("/v1/screen") || !response.ok) return response;
  const [forPage, forTest] = response.body.tee();
  window.screenAnswer = new Response(forTest).text();
  return new Response(forPage, { status: response.status, headers: response.headers });
};
"""


def open_list_mode(page: Page, demo: dict[str, Any], investigator: str) -> None:
    sign_in(page, demo, new_investigator(demo, "FR", investigator))
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    page.get_by_label("Screen a list").check()
    expect(page.get_by_label("Name", exact=True)).to_be_hidden()


def preview_rows(page: Page) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.evaluate(
        """() => [...document.querySelectorAll('#preview-table tbody tr')].map((tr) => ({
            row: tr.dataset.row, state: tr.dataset.state, problem: tr.querySelector('.problem').textContent,
            ...Object.fromEntries([...tr.querySelectorAll('td[data-column]')]
                .map((td) => [td.dataset.column, td.textContent]))}))"""
    )
    return rows


def shown_answers(page: Page, index: int) -> dict[str, Any]:
    """What an expanded row shows, per country, read back from the page."""
    shown: dict[str, Any] = page.evaluate(
        """(index) => Object.fromEntries([...document.querySelectorAll(`#detail-${index} .country-answers > li`)]
            .map((li) => [li.dataset.country, {
                status: li.dataset.status, refusal_reason: li.dataset.refusal || null,
                results: [...li.querySelectorAll('.hit')].map((hit) => ({
                    record_ref: hit.dataset.recordRef, disclosure: hit.dataset.disclosure,
                    properties: Object.fromEntries([...hit.querySelectorAll('dd[data-property]')].map((dd) =>
                        [dd.dataset.property, [...dd.querySelectorAll('.value')].map((v) => v.textContent)])),
                    generalised: Object.fromEntries([...hit.querySelectorAll('dd[data-property]')]
                        .filter((dd) => dd.querySelector('.generalised'))
                        .map((dd) => [dd.dataset.property, dd.querySelector('.generalised').dataset.generalised])),
                    withheld: Object.fromEntries([...hit.querySelectorAll('.withheld li')].map((li) =>
                        [li.dataset.property, li.dataset.reason])),
                }))}]))""",
        index,
    )
    return shown


def test_the_page_knows_the_country_codes_the_gateway_accepts() -> None:
    text = (STATIC_DIR / "countries.js").read_text()
    codes = set(re.search(r"`(.*)`", text, re.S).group(1).split())  # type: ignore[union-attr]
    assert codes == set(registry.country.names)


def test_a_pasted_list_shows_each_bad_row_before_anything_is_sent(page: Page, demo: dict[str, Any]) -> None:
    screened: list[str] = []
    page.on("request", lambda r: screened.append(r.url) if r.url.endswith("/v1/screen") else None)
    open_list_mode(page, demo, "fr-screen-paste")
    page.get_by_label("List (one person per line)").fill(PASTED)
    page.get_by_role("button", name="Preview list").click()
    expect(page.locator("#preview-columns")).to_contain_text("No header line: columns read in the order name")
    rows = preview_rows(page)
    assert [row["state"] for row in rows] == ["ok", "ok", "bad", "ok"]
    assert (rows[1]["name"], rows[1]["birthDate"], rows[1]["nationality"]) == ("Ivan Petrov", "1975-04-02", "ru")
    assert rows[2]["problem"] == "Row 3: missing name"
    expect(page.locator("#preview-summary")).to_contain_text("4 rows read: 3 will be sent, 1 with a problem")
    expect(page.locator("#screen-button")).to_have_text("Send 3 queries")
    assert screened == []


def test_a_csv_file_is_read_by_its_header(page: Page, demo: dict[str, Any]) -> None:
    open_list_mode(page, demo, "fr-screen-file")
    manifest: FilePayload = {"name": "manifest.csv", "mimeType": "text/csv", "buffer": CSV_FILE.encode()}
    page.get_by_label("Or a CSV file").set_input_files(files=manifest)
    columns = page.locator("#preview-columns")
    expect(columns).to_contain_text("“Full Name” → Name; “DOB” → Birth date; “Citizenship” → Nationality")
    expect(columns).to_contain_text("“Passport No” → Document number; “Remarks” → not used")
    rows = preview_rows(page)
    assert [(row["name"], row["birthDate"], row["nationality"], row["passportNumber"]) for row in rows] == [
        ("Petrov, Ivan", "1975-04-02", "RU", ""),
        ("Klaus Schmidt", "1970-13-01", "de", ""),
        ("Jürgen Müller", "", "xx", "C01X00T47"),
    ]
    assert rows[1]["problem"].startswith('Row 2: bad date "1970-13-01"')
    assert rows[2]["problem"] == 'Row 3: unknown country code "xx"'
    expect(page.locator("#screen-button")).to_have_text("Send 1 query")


def test_a_screened_list_shows_progress_then_hits_first_each_answer_and_exports_it(
    page: Page, demo: dict[str, Any]
) -> None:
    page.add_init_script(KEEP_SCREEN_ANSWER)
    open_list_mode(page, demo, "fr-screen-run")
    page.get_by_label("List (one person per line)").fill(PASTED)
    page.get_by_role("button", name="Preview list").click()
    page.get_by_role("button", name="Send 3 queries").click()
    expect(page.locator("#screening")).to_have_attribute("data-state", "done", timeout=20_000)
    lines = [json.loads(line) for line in page.evaluate("() => window.screenAnswer").splitlines()]
    summary = lines[-1]
    country_lines = {line["country"]: line for line in lines[:-1]}
    assert summary["type"] == "summary"
    assert set(country_lines) == set(demo["countries"])
    for country in demo["countries"]:
        expect(page.locator(f"#screen-country-{country}")).to_have_attribute("data-progress", "answered")
    expect(page.locator("#screen-status")).to_contain_text("Done: 3 queries screened")

    # Sent in the list's order (the bad row left out); shown with the rows that have hits first.
    hits = [sum(line["answers"][i]["hits"] for line in country_lines.values()) for i in range(3)]
    assert hits[0] == 0
    assert hits[1] > 0
    shown = page.locator("#screen-results tbody tr[data-index]")
    order = [int(index) for index in shown.evaluate_all("(rows) => rows.map((r) => r.dataset.index)")]
    assert order == sorted(range(3), key=lambda i: (hits[i] == 0, i))
    assert shown.first.get_attribute("data-row") == "2"

    page.get_by_role("button", name="Show the answers to row 2").click()
    expect(page.locator("#detail-1")).to_be_visible()
    kept = ("record_ref", "disclosure", "properties", "generalised", "withheld")
    assert shown_answers(page, 1) == {
        country: {
            "status": line["answers"][1]["status"],
            "refusal_reason": line["answers"][1].get("refusal_reason"),
            "results": [{key: hit[key] for key in kept} for hit in line["answers"][1]["results"]],
        }
        for country, line in country_lines.items()
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screen-page.png"), full_page=True)  # docs/screen-page.png is a copy

    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Export results as CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(downloaded.value.path()).read_text(encoding="utf-8"))))
    expected = []
    for index, (row, name) in enumerate([(1, "Zorvak Quinnelbry"), (2, "Ivan Petrov"), (4, "Amélie Durand")]):
        for line in lines[:-1]:
            answer = line["answers"][index]
            for hit in answer["results"] or [None]:
                expected.append(
                    {
                        "row": str(row),
                        "name": name,
                        "query_id": answer["query_id"],
                        "country": line["country"],
                        "status": answer["status"],
                        "refusal_reason": answer.get("refusal_reason") or "",
                        "record_ref": hit["record_ref"] if hit else "",
                        "score": "" if hit is None or hit.get("score") is None else hit["score"],
                        "properties": hit["properties"] if hit else "",
                        "withheld": hit["withheld"] if hit else "",
                    }
                )
    assert [
        {
            **{key: entry[key] for key in ("row", "name", "query_id", "country", "status", "refusal_reason")},
            "record_ref": entry["record_ref"],
            "score": float(entry["score"]) if entry["score"] else "",
            "properties": json.loads(entry["properties"]) if entry["properties"] else "",
            "withheld": json.loads(entry["withheld"]) if entry["withheld"] else "",
        }
        for entry in exported
    ] == expected


def test_a_list_too_long_or_refused_by_the_gateway_is_not_screened(page: Page, demo: dict[str, Any]) -> None:
    open_list_mode(page, demo, "fr-screen-refused")
    hostile = '<img src=x onerror="window.pwned = 1">'
    page.get_by_label("List (one person per line)").fill("\n".join([hostile] + [f"Person {n}" for n in range(100)]))
    page.get_by_role("button", name="Preview list").click()
    expect(page.locator("#preview-summary")).to_contain_text("at most 100 can be screened at once")
    expect(page.locator("#screen-button")).to_be_disabled()
    assert preview_rows(page)[100]["problem"] == "Row 101: too many rows: a list holds at most 100"
    assert preview_rows(page)[0]["name"] == hostile  # shown as text, never as markup
    assert page.locator("#preview-table img").count() == 0

    # Longer than the gateway accepts: the page lets it through, the gateway refuses the list, the row says why.
    page.get_by_label("List (one person per line)").fill(f"Ivan Petrov\n{'X' * 201}\n")
    page.get_by_role("button", name="Preview list").click()
    page.get_by_role("button", name="Send 2 queries").click()
    expect(page.get_by_role("alert")).to_contain_text("The gateway refused the list")
    expect(page.locator('#preview-table tr[data-row="2"] .problem')).to_contain_text(
        "Row 2: properties.name: value is longer than 200 characters"
    )
    expect(page.locator('#preview-table tr[data-row="1"]')).to_have_attribute("data-state", "ok")
    expect(page.locator("#screening")).to_be_hidden()
    assert page.evaluate("() => window.pwned") is None
