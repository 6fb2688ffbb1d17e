// Screening a list on the investigator page: preview how the list was read, send it as one POST /v1/screen,
// show each country's progress as its line arrives, then the queries with hits first, each expandable to the
// per-country answers exactly as the gateway gave them, and a CSV export of those answers.
// Every value is set with textContent: record values are hostile input.

import {
  $, ApiError, DISCLOSURE_TEXT, MISSING, REASON_TEXT, REFUSAL_TEXT, STATUS_TEXT, api, element, label, message,
  readNdjson, show, signOut,
} from "./app.js";
import { COLUMNS, MAX_ROWS, queryOf, readList, toCsv } from "./screen-list.js";

const screen = { list: null, sent: [], answers: [], summary: null, expanded: new Set(), batchId: null };

function listMode() {
  return $("mode-list").checked;
}

function setMode() {
  const list = listMode();
  for (const id of ["schema-field", "fields", "search-button"]) show(id, !list);
  if (list) show("answer", false);
  show("list-input", list);
  show("preview-button", list);
  if (!list) {
    show("preview", false);
    show("screening", false);
  }
  message("search-error", "");
}

// --- reading and previewing the list -------------------------------------------------------------

function describeColumns(list) {
  if (!list.hasHeader) {
    const order = list.columns.filter((c) => c.column).map((c) => c.column.label.toLowerCase());
    return `No header line: columns read in the order ${order.join(", ")}.`;
  }
  const read = list.columns.map(({ header, column }) => `“${header.trim()}” → ${column ? column.label : "not used"}`);
  return `Columns read from the header line: ${read.join("; ")}.`;
}

function preview() {
  message("search-error", "");
  message("screen-error", "");
  const list = readList($("list-text").value);
  if (!list.rows.length) {
    message("search-error", "The list is empty: paste one person per line or choose a CSV file.");
    show("preview", false);
    return;
  }
  screen.list = list;
  $("preview-columns").textContent = describeColumns(list);
  const shown = COLUMNS.map((column) => column.key);
  $("preview-table").tBodies[0].replaceChildren(
    ...list.rows.map((row) =>
      element(
        "tr",
        { "data-row": String(row.number), "data-state": row.problem ? "bad" : "ok" },
        element("th", { scope: "row", text: String(row.number) }),
        ...shown.map((key) => element("td", { "data-column": key, text: row.values[key] || "" })),
        element("td", { class: "problem", text: row.problem ? `Row ${row.number}: ${row.problem}` : "" }),
      ),
    ),
  );
  const good = list.rows.filter((row) => !row.problem).length;
  const bad = list.rows.length - good;
  const tooMany = list.rows.length > MAX_ROWS;
  let summary = `${list.rows.length} row${list.rows.length === 1 ? "" : "s"} read: ${good} will be sent`;
  if (bad) summary += `, ${bad} with a problem will be left out (see the Problem column)`;
  summary += ".";
  if (tooMany) summary = `The list has ${list.rows.length} rows; at most ${MAX_ROWS} can be screened at once. Split the list: nothing is sent.`;
  $("preview-summary").textContent = summary;
  const button = $("screen-button");
  button.disabled = tooMany || good === 0;
  button.textContent = `Send ${good} quer${good === 1 ? "y" : "ies"}`;
  show("preview", true);
  show("screening", false);
  $("preview-title").focus();
}

async function readFile(file) {
  $("list-text").value = await file.text();
  preview();
}

// --- sending and following the answer ------------------------------------------------------------

function renderProgress(countries) {
  $("screen-strip").replaceChildren(
    ...countries.map((country) =>
      element(
        "li",
        { id: `screen-country-${country}`, "data-status": "pending", "data-progress": "pending" },
        element("span", { class: "code", text: country }),
        element("span", { class: "what", text: STATUS_TEXT.pending }),
      ),
    ),
  );
}

function updateProgress(line) {
  const chip = $(`screen-country-${line.country}`);
  if (!chip) return;
  const failed = line.answers.every((answer) => MISSING.has(answer.status));
  chip.dataset.progress = failed ? "failed" : "answered";
  chip.dataset.status = failed ? line.answers[0].status : "no_hit";
  let text;
  if (failed) text = `failed: ${STATUS_TEXT[line.answers[0].status] || line.answers[0].status}`;
  else {
    const withHits = line.answers.filter((answer) => answer.status === "hit").length;
    const refused = line.answers.filter((answer) => answer.status === "refused").length;
    if (withHits) chip.dataset.status = "hit";
    text = `answered: hits for ${withHits} of ${line.answers.length}`;
    if (refused) text += `, ${refused} refused`;
  }
  chip.querySelector(".what").textContent = `${text} · ${Math.round(line.latency_ms)} ms`;
  const waiting = document.querySelectorAll('#screen-strip [data-progress="pending"]').length;
  $("screen-status").textContent = `Screening… ${waiting} countr${waiting === 1 ? "y" : "ies"} still pending.`;
}

function hitsOf(index) {
  return screen.answers.flatMap((line) => line.answers[index].results);
}

function describeQuery(row) {
  return COLUMNS.filter((c) => row.values[c.key]).map((c) => `${c.label}: ${row.values[c.key]}`).join(" · ");
}

function renderHit(hit) {
  const item = element("li", { class: "hit", "data-record-ref": hit.record_ref, "data-disclosure": hit.disclosure });
  let rank = "no score released";
  if (typeof hit.score === "number") rank = `score ${hit.score}`;
  else if (hit.score_band) rank = `score band ${hit.score_band}`;
  item.append(element("p", { class: "hit-head", text: `${DISCLOSURE_TEXT[hit.disclosure] || hit.disclosure} · ${hit.schema} · ${rank}` }));
  const released = Object.entries(hit.properties);
  if (released.length) {
    const list = element("dl", { class: "props" });
    for (const [name, values] of released) {
      const generalised = hit.generalised[name];
      const value = element("dd", { "data-property": name }, ...values.map((v) => element("span", { class: "value", text: v })));
      if (generalised) value.append(element("span", { class: "generalised", "data-generalised": generalised, text: ` (generalised: ${generalised})` }));
      list.append(element("dt", { "data-property": name, text: label(name) }), value);
    }
    item.append(list);
  }
  const withheld = Object.entries(hit.withheld);
  if (withheld.length) {
    const list = element("ul", { class: "withheld", "aria-label": "Withheld properties" });
    for (const [name, reason] of withheld) {
      list.append(element("li", { "data-property": name, "data-reason": reason, text: `${label(name)} withheld: ${REASON_TEXT[reason] || reason}` }));
    }
    item.append(list);
  }
  item.append(element("p", { class: "note", text: `Contact: ${hit.contact} · reference ${hit.record_ref}` }));
  return item;
}

function renderCountryAnswers(index) {
  const list = element("ul", { class: "country-answers" });
  for (const line of screen.answers) {
    const answer = line.answers[index];
    let text = `${line.country}: ${STATUS_TEXT[answer.status] || answer.status}`;
    if (answer.status === "hit") text += ` (${answer.hits})`;
    if (answer.refusal_reason) text += ` — ${REFUSAL_TEXT[answer.refusal_reason] || answer.refusal_reason}`;
    if (answer.message) text += ` — ${answer.message}`;
    const item = element("li", { "data-country": line.country, "data-status": answer.status }, element("p", { class: "country-head", text }));
    if (answer.refusal_reason) item.dataset.refusal = answer.refusal_reason;
    if (answer.results.length) item.append(element("ol", { class: "hit-list" }, ...answer.results.map(renderHit)));
    list.append(item);
  }
  return list;
}

function toggle(index) {
  if (screen.expanded.has(index)) screen.expanded.delete(index);
  else screen.expanded.add(index);
  renderTable();
  document.querySelector(`#screen-results tr[data-index="${index}"] button`).focus();
}

function renderTable() {
  // Rows with hits first; otherwise the list's own order.
  const order = screen.sent.map((row, index) => ({ row, index, hits: hitsOf(index) }));
  order.sort((a, b) => (b.hits.length > 0) - (a.hits.length > 0) || a.index - b.index);
  const body = [];
  for (const { row, index, hits } of order) {
    const open = screen.expanded.has(index);
    const countries = [...new Set(hits.map((hit) => hit.country))];
    const button = element("button", { type: "button", class: "secondary", "aria-expanded": String(open), "aria-controls": `detail-${index}`, "aria-label": `${open ? "Hide" : "Show"} the answers to row ${row.number}`, text: open ? "Hide" : "Show" });
    button.addEventListener("click", () => toggle(index));
    body.push(
      element(
        "tr",
        { "data-index": String(index), "data-row": String(row.number), "data-hits": String(hits.length) },
        element("th", { scope: "row", text: String(row.number) }),
        element("td", { class: "query", text: describeQuery(row) }),
        element("td", { class: "hits", text: String(hits.length) }),
        element("td", { class: "countries", text: countries.join(", ") }),
        element("td", {}, button),
      ),
    );
    if (open) body.push(element("tr", { id: `detail-${index}`, class: "detail" }, element("td", { colspan: "5" }, renderCountryAnswers(index))));
  }
  $("screen-results").tBodies[0].replaceChildren(...body);
  show("screen-results", true);
}

function finish(summary) {
  screen.summary = summary;
  const withHits = summary.queries.filter((query) => query.hits > 0).length;
  let text = `Done: ${summary.queries.length} quer${summary.queries.length === 1 ? "y" : "ies"} screened, ${withHits} with hits, ${summary.hits} hit${summary.hits === 1 ? "" : "s"} in all.`;
  const failed = [...document.querySelectorAll('#screen-strip [data-progress="failed"]')].map((chip) => chip.id.slice("screen-country-".length));
  if (failed.length) text += ` No answer from ${failed.join(", ")}.`;
  $("screen-status").textContent = text;
  $("screening").dataset.state = "done";
  show("export-button", true);
}

function refusedRows(error) {
  // The gateway refused the list as a whole: each bad query's message goes to its row of the preview.
  for (const bad of error.detail.queries || []) {
    const row = screen.sent[bad.index];
    if (!row) continue;
    const tr = document.querySelector(`#preview-table tr[data-row="${row.number}"]`);
    tr.dataset.state = "bad";
    tr.querySelector(".problem").textContent = `Row ${row.number}: ${bad.message}`;
  }
}

async function send() {
  message("screen-error", "");
  const countries = [...document.querySelectorAll('input[name="country"]:checked')].map((box) => box.value);
  if (!countries.length) {
    message("screen-error", "Choose at least one country.");
    return;
  }
  screen.sent = screen.list.rows.filter((row) => !row.problem);
  screen.answers = [];
  screen.summary = null;
  screen.expanded = new Set();
  const body = { queries: screen.sent.map(queryOf), purpose: $("purpose").value, countries };
  const button = $("screen-button");
  button.disabled = true;
  renderProgress(countries);
  $("screen-results").tBodies[0].replaceChildren();
  show("screen-results", false);
  show("export-button", false);
  $("screening").dataset.state = "running";
  $("screen-status").textContent = `Screening ${screen.sent.length} queries…`;
  show("screening", true);
  try {
    const response = await api("/v1/screen", { method: "POST", body: JSON.stringify(body) });
    await readNdjson(response, (line) => {
      if (line.type === "country") {
        screen.batchId = line.batch_id;
        screen.answers.push(line);
        updateProgress(line);
        renderTable();
      } else if (line.type === "summary") {
        finish(line);
      }
    });
    $("screening-title").focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(`Your token is no longer accepted (${error.message}). Sign in again.`);
      return;
    }
    show("screening", false);
    if (error instanceof ApiError && error.code === "invalid_queries") refusedRows(error);
    message("screen-error", error instanceof ApiError ? `The gateway refused the list: ${error.message}` : "The screening failed: the gateway cannot be reached.");
  } finally {
    button.disabled = false;
  }
}

// --- export ---------------------------------------------------------------------------------------

const EXPORT_HEADER = ["row", ...COLUMNS.map((c) => c.key), "query_id", "country", "status", "refusal_reason", "problem",
  "message", "record_ref", "disclosure", "score", "score_band", "properties", "withheld", "generalised", "contact"];

function exportRows() {
  const rows = [EXPORT_HEADER];
  screen.sent.forEach((row, index) => {
    const query = [String(row.number), ...COLUMNS.map((c) => row.values[c.key] || "")];
    for (const line of screen.answers) {
      const answer = line.answers[index];
      const country = [answer.query_id, line.country, answer.status, answer.refusal_reason, answer.problem, answer.message];
      if (!answer.results.length) rows.push([...query, ...country, "", "", "", "", "", "", "", ""]);
      for (const hit of answer.results) {
        rows.push([...query, ...country, hit.record_ref, hit.disclosure, hit.score, hit.score_band,
          JSON.stringify(hit.properties), JSON.stringify(hit.withheld), JSON.stringify(hit.generalised), hit.contact]);
      }
    }
  });
  return rows;
}

function exportCsv() {
  const blob = new Blob([toCsv(exportRows())], { type: "text/csv" });
  const link = element("a", { href: URL.createObjectURL(blob), download: `fedgate-screening-${screen.batchId}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", setMode);
  $("preview-button").addEventListener("click", preview);
  $("screen-button").addEventListener("click", send);
  $("export-button").addEventListener("click", exportCsv);
  $("list-text").addEventListener("input", () => show("preview", false));
  $("list-file").addEventListener("change", (event) => {
    if (event.target.files.length) readFile(event.target.files[0]);
  });
  const drop = $("list-input");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("dropping");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("dropping"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("dropping");
    if (event.dataTransfer.files.length) readFile(event.dataTransfer.files[0]);
  });
});
