// Follow-ups on the investigator page: request one from a hit (POST /v1/follow-ups), watch the ones filed from
// this browser (GET /v1/follow-ups/{id}), collect what the owning country released and save its signed answer.
// This browser keeps only each follow-up's id, country, case reference and times (localStorage, per sign-in);
// answers live in this page only. Every value is set with textContent: record values are hostile input.

import { $, ApiError, REASON_TEXT, REFUSAL_TEXT, api, cardActions, element, label, message, show, signOut, state } from "./app.js";

const MAX_REASONS = 2000;
const LEGAL_BASIS_TEXT = {
  prum_core_data: "Prüm core data (Regulation (EU) 2024/982)",
  eu_information_exchange: "EU information exchange (Directive (EU) 2023/977)",
  mutual_legal_assistance: "Mutual legal assistance",
  interpol_rpd: "INTERPOL Rules on the Processing of Data",
  bilateral_agreement: "Bilateral agreement",
};
const STATE_TEXT = {
  pending: "pending",
  overdue: "overdue: past its due time",
  released: "released",
  refused: "refused",
  expired: "expired: closed undecided",
};
const OFFICER_REFUSAL_TEXT = {
  insufficient_reasons: "the reasons given are not sufficient",
  legal_basis_not_applicable: "the legal basis does not apply",
  not_proportionate: "the request is not proportionate",
  ongoing_investigation: "it would harm an ongoing investigation",
  not_the_person_sought: "the record is not the person sought",
};
// The form's fields by the name the API's 400 messages start with ("case_reference: …").
const FIELDS = { properties: "fu-properties", legal_basis: "fu-legal-basis", urgency: "fu-urgency", case_reference: "fu-case", reasons: "fu-reasons" };

const followUps = { hit: null, purpose: null, answers: new Map(), texts: new Map(), errors: new Map() };

// --- what this browser remembers -----------------------------------------------------------------

function storageKey() {
  const me = state.me;
  return `fedgate.follow-ups.${me.country}.${me.agency}.${me.investigator}`;
}

function remembered() {
  try {
    const entries = JSON.parse(localStorage.getItem(storageKey()) || "[]");
    return Array.isArray(entries) ? entries : [];
  } catch (_) {
    return [];
  }
}

// Adds a follow-up (latest first) or updates one in its place; keeps only the fields named here.
function remember(entry) {
  const entries = remembered();
  const at = entries.findIndex((known) => known.id === entry.id);
  const { id, country, case_reference, filed_at, due_at } = { ...(at >= 0 ? entries[at] : {}), ...entry };
  const kept = { id, country, case_reference: case_reference || "", filed_at: filed_at || "", due_at: due_at || "" };
  if (at >= 0) entries[at] = kept;
  else entries.unshift(kept);
  localStorage.setItem(storageKey(), JSON.stringify(entries));
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

// --- the outcome of a follow-up, in words ---------------------------------------------------------

function refusalText(answer) {
  switch (answer.refusal) {
    case "policy":
      return `${answer.country}'s policy refuses follow-ups from you: ${REFUSAL_TEXT[answer.policy_refusal_reason] || answer.policy_refusal_reason}.`;
    case "no_prior_hit":
      return `no prior hit: ${answer.country}'s own audit holds no hit on this record answered to your agency in the last 90 days.`;
    case "duplicate":
      return "duplicate: your agency already has an open follow-up on this record: ";
    case "record_withdrawn":
      return `record withdrawn: ${answer.country} has deleted the record since your hit, or it has expired.`;
    case "officer":
      return `${answer.country}'s officer refused: ${OFFICER_REFUSAL_TEXT[answer.officer_refusal] || answer.officer_refusal}.`;
    default:
      return answer.refusal;
  }
}

function outcome(answer) {
  const box = element("div", { class: "outcome", "data-state": answer.state });
  if (answer.state === "refused") {
    if (answer.refusal) box.dataset.refusal = answer.refusal;
    const text = element("p", { class: "refusal", text: `Refused — ${refusalText(answer)}` });
    if (answer.refusal === "duplicate" && answer.duplicate_of) {
      const link = element("a", { href: `#follow-up-${answer.duplicate_of}`, class: "duplicate-of", text: answer.duplicate_of });
      link.addEventListener("click", (event) => {
        event.preventDefault();
        openListed(answer.duplicate_of);
      });
      text.append(link);
    }
    box.append(text);
  } else if (answer.state === "pending" || answer.state === "overdue") {
    box.append(element("p", { text: `${answer.state === "overdue" ? "Overdue" : "Queued"}: ${answer.country} is due to answer by ${when(answer.due_at)}.` }));
  } else if (answer.state === "expired") {
    box.append(element("p", { text: `Expired: ${answer.country} did not decide before its expiry time. You may file a new follow-up.` }));
  }
  return box;
}

// --- filing, from a hit's card -------------------------------------------------------------------

function clearErrors() {
  for (const id of Object.values(FIELDS)) message(`${id}-error`, "");
  for (const id of Object.values(FIELDS)) $(id).removeAttribute("aria-invalid");
  message("fu-error", "");
}

function fieldError(field, text) {
  const id = FIELDS[field];
  message(`${id}-error`, text);
  $(id).setAttribute("aria-invalid", "true");
}

function countReasons() {
  const used = $("fu-reasons").value.length;
  $("fu-reasons-count").textContent = `${used.toLocaleString("en")} / ${MAX_REASONS.toLocaleString("en")} characters`;
}

function openForm(result, purpose) {
  followUps.hit = result;
  clearErrors();
  $("follow-up-form").reset();
  $("fu-outcome").replaceChildren();
  $("fu-send").disabled = false;
  followUps.purpose = purpose;
  const what = result.disclosure === "hit_only" ? "a hit-only hit" : "a hit";
  $("follow-up-target").textContent = `To ${result.country}, about ${what} (${result.schema}, reference ${result.record_ref}), for the purpose of your search: ${purpose.replaceAll("_", " ")}. Contact: ${result.contact}.`;
  // Offer what the hit did not release: the properties it names as withheld.
  const names = Object.keys(result.withheld).sort((a, b) => label(a).localeCompare(label(b)));
  $("fu-property-boxes").replaceChildren(
    ...names.map((name) =>
      element(
        "label",
        {},
        element("input", { type: "checkbox", name: "fu-property", value: name }),
        label(name),
      ),
    ),
  );
  $("fu-legal-basis").replaceChildren(...Object.entries(LEGAL_BASIS_TEXT).map(([value, text]) => element("option", { value, text })));
  countReasons();
  $("follow-up-dialog").showModal();
  $("fu-property-boxes").querySelector("input")?.focus();
}

function formBody() {
  return {
    country: followUps.hit.country,
    record_ref: followUps.hit.record_ref,
    purpose: followUps.purpose,
    case_reference: $("fu-case").value.trim(),
    reasons: $("fu-reasons").value.trim(),
    legal_basis: $("fu-legal-basis").value,
    properties: [...document.querySelectorAll('input[name="fu-property"]:checked')].map((box) => box.value),
    urgency: $("fu-urgency").value,
  };
}

function checkBody(body) {
  const problems = [];
  if (!body.properties.length) problems.push(["properties", "Choose at least one property."]);
  if (!body.case_reference) problems.push(["case_reference", "Give your case reference."]);
  if (!body.reasons) problems.push(["reasons", "Say why the data is needed: the officer decides on these reasons."]);
  for (const [field, text] of problems) fieldError(field, text);
  return problems.length === 0;
}

function showRejection(error) {
  // The API names the field first in its message ("reasons: …"): the message goes to that field.
  const [field, ...rest] = error.message.split(": ");
  const name = field.split(".")[0];
  if (error.status === 400 && FIELDS[name] && rest.length) {
    fieldError(name, rest.join(": "));
    return;
  }
  message("fu-error", `The gateway did not take the follow-up: ${error.message}`);
}

async function file(event) {
  event.preventDefault();
  clearErrors();
  $("fu-outcome").replaceChildren();
  const body = formBody();
  if (!checkBody(body)) return;
  const button = $("fu-send");
  button.disabled = true;
  try {
    const response = await api("/v1/follow-ups", { method: "POST", body: JSON.stringify(body) });
    const text = await response.text();
    const answer = JSON.parse(text);
    keep(answer, text);
    remember({ id: answer.follow_up_id, country: answer.country, case_reference: body.case_reference, filed_at: answer.filed_at, due_at: answer.due_at });
    $("fu-outcome").replaceChildren(outcome(answer));
    renderList();
    show("follow-ups", true);
  } catch (error) {
    button.disabled = false;
    if (error instanceof ApiError && error.status === 401) {
      $("follow-up-dialog").close();
      signOut(`Your token is no longer accepted (${error.message}). Sign in again.`);
      return;
    }
    if (error instanceof ApiError) showRejection(error);
    else message("fu-error", "The follow-up was not sent: the gateway cannot be reached.");
  }
}

function addAction(result, card) {
  if (!Object.keys(result.withheld).length) return; // it released everything it holds: nothing to ask for
  const purpose = state.searchPurpose;
  const button = element("button", { type: "button", class: "secondary follow-up-action", text: "Request follow-up", "aria-label": `Request follow-up from ${result.country} on reference ${result.record_ref}` });
  button.addEventListener("click", () => openForm(result, purpose));
  card.append(element("p", { class: "actions" }, button));
}

// --- watching and collecting ---------------------------------------------------------------------

function keep(answer, text) {
  followUps.answers.set(answer.follow_up_id, answer);
  followUps.texts.set(answer.follow_up_id, text);
  followUps.errors.delete(answer.follow_up_id);
}

function renderReleased(released) {
  const box = element("div", { class: "released", "data-disclosure": released.disclosure });
  const values = Object.entries(released.properties);
  const list = element("dl", { class: "props" });
  for (const [name, shown] of values) {
    const value = element("dd", { "data-property": name }, ...shown.map((v) => element("span", { class: "value", text: v })));
    const generalised = released.generalised[name];
    if (generalised) value.append(element("span", { class: "generalised", "data-generalised": generalised, text: ` (${generalised.replace("_", " and ")} only)` }));
    list.append(element("dt", { "data-property": name, text: label(name) }), value);
  }
  if (values.length) box.append(list);
  else box.append(element("p", { text: "Nothing was released." }));
  const withheld = Object.entries(released.withheld);
  if (withheld.length) {
    const reasons = element("ul", { class: "withheld", "aria-label": "Withheld properties" });
    for (const [name, reason] of withheld) {
      reasons.append(element("li", { "data-property": name, "data-reason": reason, text: `${label(name)} withheld: ${REASON_TEXT[reason] || reason}` }));
    }
    box.append(reasons);
  }
  box.append(element("p", { class: "note", text: `Contact: ${released.contact} · reference ${released.record_ref}` }));
  return box;
}

function save(id) {
  // Byte for byte what the gateway answered: the country's signature covers it (`fedgate verify`).
  const blob = new Blob([followUps.texts.get(id)], { type: "application/json" });
  const link = element("a", { href: URL.createObjectURL(blob), download: `fedgate-follow-up-${id}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function renderEntry(entry) {
  const answer = followUps.answers.get(entry.id);
  const current = answer ? answer.state : "unknown";
  const item = element("li", { id: `follow-up-${entry.id}`, class: "follow-up", tabindex: "-1", "data-follow-up-id": entry.id, "data-state": current });
  const stateText = answer ? STATE_TEXT[answer.state] || answer.state : "not asked yet";
  item.append(
    element(
      "header",
      {},
      element("h3", { text: entry.case_reference ? `Case ${entry.case_reference}` : "Case not recorded here" }),
      element("span", { class: "badge", text: entry.country }),
      element("span", { class: "badge state", "data-state": current, text: stateText }),
    ),
  );
  const due = (answer && answer.due_at) || entry.due_at;
  item.append(element("p", { class: "note", text: `Follow-up ${entry.id} · filed ${when((answer && answer.filed_at) || entry.filed_at)} · due ${when(due)}` }));
  const failed = followUps.errors.get(entry.id);
  if (failed) item.append(element("p", { class: "error", text: `Could not ask ${entry.country}: ${failed}` }));
  if (answer && answer.state === "refused") item.append(outcome(answer));
  if (answer && answer.state === "expired") item.append(outcome(answer));
  if (answer && answer.released) {
    item.append(element("p", { class: "note", text: `Released by ${answer.country} on ${when(answer.decided_at)}, signed (key ${answer.key_id}).` }));
    item.append(renderReleased(answer.released));
    const button = element("button", { type: "button", class: "secondary", text: "Save signed answer", "aria-label": `Save signed answer of follow-up ${entry.id}` });
    button.addEventListener("click", () => save(entry.id));
    item.append(button);
  }
  return item;
}

function renderList() {
  const entries = remembered();
  $("follow-up-list").replaceChildren(...entries.map(renderEntry));
  show("follow-ups", entries.length > 0);
}

async function fetchOne(entry) {
  try {
    const response = await api(`/v1/follow-ups/${encodeURIComponent(entry.id)}`);
    const text = await response.text();
    const answer = JSON.parse(text);
    keep(answer, text);
    remember({ id: entry.id, country: answer.country, filed_at: answer.filed_at, due_at: answer.due_at });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    followUps.errors.set(entry.id, error instanceof ApiError ? error.message : "the gateway cannot be reached");
  }
}

async function refresh() {
  const entries = remembered();
  if (!entries.length) {
    renderList();
    return;
  }
  const button = $("follow-ups-refresh");
  button.disabled = true;
  $("follow-ups-status").textContent = "Asking each country…";
  try {
    await Promise.all(entries.map(fetchOne));
  } catch (error) {
    signOut(`Your token is no longer accepted (${error.message}). Sign in again.`);
    return;
  } finally {
    button.disabled = false;
  }
  renderList();
  const overdue = [...followUps.answers.values()].filter((answer) => answer.state === "overdue").length;
  $("follow-ups-status").textContent = `Updated ${when(new Date().toISOString())}.${overdue ? ` ${overdue} overdue.` : ""}`;
  $("follow-ups").dataset.refreshed = String(Date.now());
}

async function openListed(id) {
  // A duplicate's open follow-up: shown in the list (added to it when filed from another browser).
  if (!remembered().some((entry) => entry.id === id)) {
    remember({ id, country: id.slice(0, 2) });
    await fetchOne({ id, country: id.slice(0, 2) });
  }
  $("follow-up-dialog").close();
  renderList();
  $(`follow-up-${id}`).focus();
}

cardActions.push(addAction);

document.addEventListener("fedgate:signed-in", () => {
  followUps.answers.clear();
  followUps.texts.clear();
  followUps.errors.clear();
  renderList();
  refresh();
});

document.addEventListener("DOMContentLoaded", () => {
  $("follow-up-form").addEventListener("submit", file);
  $("fu-close").addEventListener("click", () => $("follow-up-dialog").close());
  // A closed form keeps no labelled checkboxes ("Name", "Birth date") beside the search form's fields.
  $("follow-up-dialog").addEventListener("close", () => $("fu-property-boxes").replaceChildren());
  $("fu-reasons").addEventListener("input", countReasons);
  $("follow-ups-refresh").addEventListener("click", refresh);
});
