// Reading a list to screen: pasted lines or a CSV file, columns recognised by their header, each row checked
// before anything is sent. Pure functions: no page, no network.

import { COUNTRY_CODES } from "./countries.js";

export const MAX_ROWS = 100; // the API's limit on queries per /v1/screen request

// The columns a list may have, the Person property each is sent as, and the header spellings recognised
// (compared in lower case with everything but letters and digits removed).
export const COLUMNS = [
  { key: "name", property: "name", label: "Name", headers: ["name", "fullname", "person", "names", "nom", "surnameandname"] },
  { key: "birthDate", property: "birthDate", label: "Birth date", headers: ["birthdate", "dateofbirth", "dob", "born", "birth", "birthday"] },
  { key: "nationality", property: "nationality", label: "Nationality", headers: ["nationality", "citizenship", "country", "nat", "nationalitycode", "countrycode"] },
  { key: "passportNumber", property: "passportNumber", label: "Document number", headers: ["documentnumber", "document", "documentno", "docnumber", "docno", "passport", "passportnumber", "passportno", "traveldocument"] },
  { key: "idNumber", property: "idNumber", label: "ID number", headers: ["idnumber", "nationalid", "nationalidnumber", "idno", "identitynumber", "idcard"] },
];
// Without a header, a list's columns are read in this order.
const DEFAULT_ORDER = ["name", "birthDate", "nationality", "passportNumber"];

const normalise = (header) => header.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

// Splits text into rows of fields: RFC 4180 quoting ("a, b" and "" inside quotes), any line ending.
export function splitRows(text, separator) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field.trim() === "") { field = ""; quoted = true; }
    else if (char === separator) { row.push(field); field = ""; }
    else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += char;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// The separator the text uses: a tab, then a semicolon, then a comma, whichever comes first in that order
// anywhere in the text; a list of names alone has none.
export function guessSeparator(text) {
  for (const separator of ["\t", ";", ","]) if (text.includes(separator)) return separator;
  return "\t";
}

// Which column is what: by header when the first row names at least one known column, else by position
// (over the widest row's number of fields).
export function readColumns(firstRow, width) {
  const found = firstRow.map((header) => COLUMNS.find((column) => column.headers.includes(normalise(header))) || null);
  if (found.some(Boolean)) {
    const seen = new Set();
    const mapping = found.map((column, index) => {
      if (!column || seen.has(column.key)) return { index, header: firstRow[index], column: null };
      seen.add(column.key);
      return { index, header: firstRow[index], column };
    });
    return { hasHeader: true, mapping };
  }
  const mapping = Array.from({ length: width }, (_, index) => ({
    index,
    header: null,
    column: index < DEFAULT_ORDER.length ? COLUMNS.find((c) => c.key === DEFAULT_ORDER[index]) : null,
  }));
  return { hasHeader: false, mapping };
}

function isDate(value) {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (!match) return false;
  const [, year, month, day] = match;
  if (month && (Number(month) < 1 || Number(month) > 12)) return false;
  if (day) {
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    if (date.getUTCDate() !== Number(day)) return false;
  }
  return true;
}

// One row checked: its values by column key, and the first problem found (null when it can be sent).
function checkRow(values) {
  if (!values.name) return "missing name";
  if (values.birthDate && !isDate(values.birthDate)) return `bad date ${JSON.stringify(values.birthDate)}: use YYYY, YYYY-MM or YYYY-MM-DD`;
  if (values.nationality && !COUNTRY_CODES.has(values.nationality.toLowerCase())) return `unknown country code ${JSON.stringify(values.nationality)}`;
  return null;
}

// The whole list read: the columns (what each was read as), and each row with its line number, its values
// and its problem. Rows beyond MAX_ROWS are marked: the list must be split, nothing is sent.
export function readList(text) {
  const separator = guessSeparator(text);
  const rows = splitRows(text, separator)
    .map((fields, index) => ({ fields, line: index + 1 }))
    .filter((row) => row.fields.some((field) => field.trim()));
  if (!rows.length) return { separator, columns: [], rows: [], hasHeader: false };
  const width = Math.max(...rows.map((row) => row.fields.length));
  const { hasHeader, mapping } = readColumns(rows[0].fields, width);
  const dataRows = hasHeader ? rows.slice(1) : rows;
  const read = dataRows.map((row, index) => {
    const values = {};
    for (const { index: at, column } of mapping) {
      const value = (row.fields[at] || "").trim();
      if (column && value) values[column.key] = value;
    }
    let problem = checkRow(values);
    if (index >= MAX_ROWS) problem = `too many rows: a list holds at most ${MAX_ROWS}`;
    return { line: row.line, number: index + 1, values, problem };
  });
  return { separator, columns: mapping, rows: read, hasHeader };
}

// The /v1/screen query of a good row.
export function queryOf(row) {
  const properties = {};
  for (const column of COLUMNS) {
    const value = row.values[column.key];
    if (value) properties[column.property] = [column.key === "nationality" ? value.toLowerCase() : value];
  }
  return { schema: "Person", properties };
}

// A CSV text of rows of strings. A cell starting with = + - @ (or a tab or carriage return) gets a leading
// apostrophe, so that a spreadsheet shows it as text instead of running it as a formula: record values
// are hostile input.
export function toCsv(rows) {
  const cell = (value) => {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}
