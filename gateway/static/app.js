// fedgate's investigator page: sign in with a token, search, watch each country's answer arrive.
// Results live in this page only; the token is kept in this tab's sessionStorage until sign-out.

const TOKEN_KEY = "fedgate.token";

export const STATUS_TEXT = {
  pending: "waiting…",
  hit: "hit",
  no_hit: "no hit",
  refused: "refused",
  policy_unavailable: "policy unavailable",
  timeout: "timed out",
  unavailable: "unavailable",
  rate_limited: "rate limited",
  error: "error",
};
export const REASON_TEXT = {
  not_shared_with_requester: "not shared with your country",
  not_needed_for_purpose: "not needed for this purpose",
  hit_only_schema: "records of this kind are answered hit/no-hit only",
  hit_only_requester: "your country receives hit/no-hit answers only",
  minor_protection: "the record concerns a minor",
  clearance_insufficient: "needs a higher clearance than yours",
  sensitive_category: "special category of personal data",
  protected_person: "protects a victim or witness",
  not_approved_by_officer: "asked for, but the country's officer did not approve it",
  not_requested: "not asked for in the follow-up",
};
export const REFUSAL_TEXT = {
  neutrality: "the purpose has a political, military, religious or racial character",
  requester_not_trusted: "this country does not answer your country",
  purpose_not_accepted: "this country does not answer your country for this purpose",
  clearance_insufficient: "your clearance is below this country's minimum",
  query_shape_not_accepted: "several values or a partial date for a detail this country withholds from you: ask with one full value",
  probe_budget_exceeded: "you have tried many different searches against the same record; this country pauses your searches on it",
  follow_up_not_accepted: "this country takes no follow-up requests from your country",
  legal_basis_not_accepted: "this country does not accept the legal basis the request relies on",
};
export const DISCLOSURE_TEXT = { full: "full record", partial: "partial record", hit_only: "hit only" };
const MATCH_TEXT = { exact: "exact", transliterated: "transliterated", phonetic: "sounds alike", fuzzy: "close spelling", partial: "partly" };
export const MISSING = new Set(["policy_unavailable", "timeout", "unavailable", "rate_limited", "error"]);

export const $ = (id) => document.getElementById(id);
export const state = { token: null, me: null, schemata: [], nodes: [], labels: {}, searchPurpose: null };
// What other modules add to each result card (follow-ups.js: "Request follow-up"): functions (result, card).
export const cardActions = [];

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function show(id, visible) {
  $(id).hidden = !visible;
}

export function message(id, text) {
  $(id).textContent = text || "";
  show(id, Boolean(text));
}

export class ApiError extends Error {
  constructor(status, code, text, detail = {}) {
    super(text);
    this.status = status;
    this.code = code;
    this.detail = detail; // the whole error document's "error" object (e.g. each bad query of a list)
  }
}

export async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (!response.ok) {
    let code = "http_error";
    let text = `The gateway answered ${response.status}.`;
    let detail = {};
    try {
      const body = await response.json();
      code = body.error.code;
      text = body.error.message;
      detail = body.error;
    } catch (_) { /* not the JSON error shape: keep the generic text */ }
    throw new ApiError(response.status, code, text, detail);
  }
  return response;
}

export function label(property) {
  return state.labels[property] || property;
}

// --- sign in and out -----------------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    const [me, schemata, nodes] = await Promise.all([
      api("/v1/me").then((r) => r.json()),
      api("/v1/schemata").then((r) => r.json()),
      api("/v1/nodes").then((r) => r.json()),
    ]);
    state.me = me;
    state.schemata = schemata.schemata;
    state.nodes = nodes.nodes;
  } catch (error) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    message("sign-in-error", error instanceof ApiError ? `Sign-in failed: ${error.message}` : "The gateway cannot be reached.");
    showSignIn();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  message("sign-in-error", "");
  $("token").value = "";
  $("who-text").textContent = `${state.me.investigator} · ${state.me.agency} (${state.me.country}) · clearance ${state.me.clearance}`;
  buildSearchForm();
  show("sign-in", false);
  show("who", true);
  show("search", true);
  document.dispatchEvent(new CustomEvent("fedgate:signed-in"));
  $("schema").focus();
}

function showSignIn(reason) {
  for (const id of ["search", "answer", "preview", "screening", "follow-ups"]) show(id, false);
  show("who", false);
  show("sign-in", true);
  if (reason) message("sign-in-error", reason);
  $("token").focus();
}

export function signOut(reason) {
  state.token = null;
  state.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("results").replaceChildren();
  $("strip").replaceChildren();
  showSignIn(reason);
}

// --- the search form -----------------------------------------------------------------------------

function buildSearchForm() {
  const schema = $("schema");
  schema.replaceChildren(...state.schemata.map((s) => element("option", { value: s.name, text: s.label })));
  for (const s of state.schemata) Object.assign(state.labels, s.labels);
  buildFields();

  const purposes = $("purpose");
  purposes.replaceChildren(
    ...state.me.purposes.map((p) => element("option", { value: p, text: p.replaceAll("_", " ") })),
  );

  const countries = $("countries");
  countries.querySelectorAll("label").forEach((node) => node.remove());
  for (const node of state.nodes) {
    const box = element("input", { type: "checkbox", name: "country", value: node.country });
    box.checked = true;
    const text = node.healthy ? node.country : `${node.country} (not reachable now)`;
    countries.append(element("label", {}, box, text));
  }
}

function buildFields() {
  const schema = state.schemata.find((s) => s.name === $("schema").value);
  const fields = $("fields");
  fields.querySelectorAll(".field").forEach((node) => node.remove());
  for (const property of schema.properties) {
    const id = `field-${property.name}`;
    const input = element("input", { id, name: property.name, autocomplete: "off" });
    if (property.type === "date") input.setAttribute("placeholder", "YYYY or YYYY-MM-DD");
    if (property.type === "country") input.setAttribute("placeholder", "e.g. fr");
    fields.append(element("div", { class: "field" }, element("label", { for: id, text: property.label }), input));
  }
}

function searchBody() {
  const properties = {};
  for (const input of $("fields").querySelectorAll("input")) {
    const value = input.value.trim();
    if (value) properties[input.name] = [value];
  }
  const countries = [...document.querySelectorAll('input[name="country"]:checked')].map((box) => box.value);
  return { schema: $("schema").value, properties, purpose: $("purpose").value, countries };
}

// --- answers as they arrive ----------------------------------------------------------------------

// Reads an NDJSON response line by line as it arrives, handing each parsed line to onLine.
export async function readNdjson(response, onLine) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      onLine(line);
    }
  }
}

function renderStrip(countries) {
  $("strip").replaceChildren(
    ...countries.map((country) =>
      element(
        "li",
        { id: `country-${country}`, "data-status": "pending" },
        element("span", { class: "code", text: country }),
        element("span", { class: "what", text: STATUS_TEXT.pending }),
      ),
    ),
  );
}

function updateStrip(line) {
  const chip = $(`country-${line.country}`);
  if (!chip) return;
  chip.dataset.status = line.status;
  let text = STATUS_TEXT[line.status] || line.status;
  if (line.status === "hit") text += ` (${line.hits})`;
  if (line.status === "refused" && line.refusal_reason) text += `: ${REFUSAL_TEXT[line.refusal_reason] || line.refusal_reason}`;
  text += ` · ${Math.round(line.latency_ms)} ms`;
  chip.querySelector(".what").textContent = text;
  chip.title = line.message || "";
}

const BAND_TEXT = { strong: "strong match", possible: "possible match" };
const NO_SCORE_WHY =
  "This country answers hit-only here and releases no score: an exact score could reveal the details it withholds.";

function scoreBadge(result) {
  if (typeof result.score === "number") {
    return element("span", { class: "score", text: `match ${Math.round(result.score * 100)} %`, title: "Computed over the released properties only." });
  }
  if (result.score_band) {
    return element("span", { class: "band", "data-band": result.score_band, text: BAND_TEXT[result.score_band] || result.score_band, title: `${NO_SCORE_WHY} It releases a band instead.` });
  }
  return element("span", { class: "band", "data-band": "none", text: "hit only, no score released", title: NO_SCORE_WHY });
}

function rankOf(result) {
  if (typeof result.score === "number") return [0, -result.score];
  return [{ strong: 1, possible: 2 }[result.score_band] || 3, 0];
}

function renderResult(result) {
  const card = element("li", { class: "result", "data-disclosure": result.disclosure, "data-country": result.country });
  const title = result.disclosure === "hit_only" ? `A ${result.schema} record matches` : (result.properties.name || result.properties.number || result.properties.registrationNumber || [result.schema])[0];
  card.append(
    element(
      "header",
      {},
      element("h3", { text: title }),
      element("span", { class: "badge", text: result.country }),
      element("span", { class: "badge", text: DISCLOSURE_TEXT[result.disclosure] || result.disclosure }),
      scoreBadge(result),
    ),
  );
  const released = Object.entries(result.properties);
  if (released.length) {
    const list = element("dl", { class: "props" });
    for (const [name, values] of released) {
      const generalised = result.generalised[name] ? ` (${result.generalised[name].replace("_", " and ")} only)` : "";
      list.append(element("dt", { text: label(name) }), element("dd", { text: values.join(", ") + generalised }));
    }
    card.append(list);
  }
  if (result.matched.length) {
    const how = result.matched.map((m) => `${label(m.property)}: ${MATCH_TEXT[m.kind] || m.kind}`).join("; ");
    card.append(element("p", { class: "note", text: `Matched on ${how}.` }));
  }
  const withheld = Object.entries(result.withheld);
  if (withheld.length) {
    const list = element("ul", { class: "withheld", "aria-label": "Withheld properties" });
    for (const [name, reason] of withheld) {
      list.append(element("li", { "data-property": name, text: `${label(name)} withheld: ${REASON_TEXT[reason] || reason}` }));
    }
    card.append(list);
  }
  if (result.disclosure === "hit_only") {
    card.append(element("p", { class: "contact", text: `${result.country} holds a matching record. To learn more, contact ${result.contact} quoting reference ${result.record_ref}.` }));
    card.append(element("p", { class: "note why-no-score", text: result.score_band ? `${NO_SCORE_WHY} It releases a band instead.` : NO_SCORE_WHY }));
  } else if (result.contact) {
    card.append(element("p", { class: "note", text: `Contact: ${result.contact} · reference ${result.record_ref}` }));
  }
  for (const action of cardActions) action(result, card);
  return card;
}

function renderResults(results) {
  // Scored results by score, then hit-only ones by band; stable, so each country keeps its node's order.
  const ranked = [...results].sort((a, b) => {
    const [ga, sa] = rankOf(a);
    const [gb, sb] = rankOf(b);
    return ga - gb || sa - sb || a.country.localeCompare(b.country);
  });
  $("results").replaceChildren(...ranked.map(renderResult));
}

function summarise(summary, results) {
  const missing = Object.entries(summary.countries).filter(([, entry]) => MISSING.has(entry.status));
  let text = results.length
    ? `${results.length} result${results.length === 1 ? "" : "s"} from ${new Set(results.map((r) => r.country)).size} countr${new Set(results.map((r) => r.country)).size === 1 ? "y" : "ies"}.`
    : "No country reported a match.";
  if (missing.length) {
    text += ` Partial answer: ${missing.map(([country, entry]) => `${country} ${STATUS_TEXT[entry.status]}`).join(", ")}.`;
  }
  $("answer-status").textContent = text;
}

async function search(event) {
  event.preventDefault();
  if ($("mode-list").checked) return; // a list is previewed and sent by screen.js
  message("search-error", "");
  const body = searchBody();
  if (!Object.keys(body.properties).length) {
    message("search-error", "Fill in at least one field.");
    return;
  }
  if (!body.countries.length) {
    message("search-error", "Choose at least one country.");
    return;
  }
  const button = $("search-button");
  button.disabled = true;
  state.searchPurpose = body.purpose;
  $("results").replaceChildren();
  renderStrip(body.countries);
  $("answer-status").textContent = "Searching…";
  show("answer", true);
  const results = [];
  try {
    const response = await api("/v1/search/stream", { method: "POST", body: JSON.stringify(body) });
    await readNdjson(response, (line) => {
      if (line.type === "country") {
        updateStrip(line);
        results.push(...line.results);
        renderResults(results);
      } else if (line.type === "summary") {
        summarise(line, results);
      }
    });
    $("answer-title").focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(`Your token is no longer accepted (${error.message}). Sign in again.`);
      return;
    }
    message("search-error", error instanceof ApiError ? error.message : "The search failed: the gateway cannot be reached.");
    $("answer-status").textContent = "";
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) {
      message("sign-in-error", "Paste your token first.");
      return;
    }
    signIn(token);
  });
  $("sign-out").addEventListener("click", () => signOut());
  $("schema").addEventListener("change", buildFields);
  $("search-form").addEventListener("submit", search);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else $("token").focus();
});
