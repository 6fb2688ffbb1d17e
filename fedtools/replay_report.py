"""The replay's report for a data-protection officer: one summary, written as JSON, text or a self-contained page.

No record or query values appear unless the DPO asks for them (show_values): refs, property names, reasons
and counts are enough to judge a policy change.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from typing import Any

from fedtools.replay import ReplayResult
from fedtools.replay_compare import CHANGE_KINDS, SCORES_SHOWN, RecordChange, SearchReplay

REPORT_FORMAT = "fedgate-policy-replay/1"
TOP_REQUESTERS = 10
# Searches listed one by one in the text and on the page (the JSON lists them all).
LISTED_SEARCHES = 500
SEARCH_ROW = "(search)"
RECORD_ROW = "(record)"
SCORE_ROW = "(score)"


def _requester_key(replayed: SearchReplay) -> tuple[str, str, str]:
    requester = replayed.past.requester
    return (requester.get("country", ""), requester.get("agency", ""), requester.get("investigator", ""))


def _search_detail(replayed: SearchReplay) -> str:
    return f"{replayed.old_state} -> {replayed.new_state}"


def _level(record: dict[str, Any], arrow: str) -> str:
    """A record's disclosure before and after, and its score's if that changes."""
    level = f"{record['before']} {arrow} {record['after']}" if record["before"] != record["after"] else "same level"
    if "score" in record:
        level += f"; score {record['score']['before']} {arrow} {record['score']['after']}"
    return level


def _record_json(record: RecordChange, show_values: bool) -> dict[str, Any]:
    properties = []
    for change in record.properties:
        item: dict[str, Any] = {"property": change.property, "change": change.kind, "detail": change.detail}
        if show_values:
            item["values"] = list(change.values)
        properties.append(item)
    entry: dict[str, Any] = {
        "ref": record.ref,
        "schema": record.schema,
        "before": record.old,
        "after": record.new,
        "properties": properties,
    }
    if record.score_kind:
        entry["score"] = {"before": record.old_score, "after": record.new_score}
    return entry


def _search_json(replayed: SearchReplay, show_values: bool) -> dict[str, Any]:
    past = replayed.past
    entry: dict[str, Any] = {
        "seq": past.seq,
        "recorded_at": past.recorded_at,
        "query_id": past.query_id,
        "requester": past.requester,
        "purpose": past.purpose,
        "schema": past.schema,
        "query_properties": sorted(past.properties),
        "policy_revision_then": past.policy_revision,
        "before": replayed.old_state,
        "after": replayed.new_state,
        "change": replayed.search_kind,
        "records": [_record_json(record, show_values) for record in replayed.records],
    }
    if show_values:
        entry["query_values"] = past.properties
    return entry


def summarise(result: ReplayResult, *, show_values: bool = False) -> dict[str, Any]:
    """The report as JSON-ready data; the text and the page are written from it."""
    totals: Counter[str] = Counter()
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    by_purpose: dict[str, Counter[str]] = defaultdict(Counter)
    searches_by_country: Counter[str] = Counter()
    searches_by_purpose: Counter[str] = Counter()
    grouped: Counter[tuple[str, str, str, str, str]] = Counter()
    requesters: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    requester_searches: Counter[tuple[str, str, str]] = Counter()
    records_changed = 0
    for replayed in result.changed:
        country, purpose = replayed.past.requester.get("country", ""), replayed.past.purpose
        kinds = replayed.kinds()
        totals.update(kinds)
        by_country[country].update(kinds)
        by_purpose[purpose].update(kinds)
        searches_by_country[country] += 1
        searches_by_purpose[purpose] += 1
        key = _requester_key(replayed)
        requesters[key].update(kinds)
        requester_searches[key] += 1
        if replayed.search_kind:
            grouped[(country, purpose, SEARCH_ROW, replayed.search_kind, _search_detail(replayed))] += 1
        for record in replayed.records:
            records_changed += 1
            if record.kind:
                grouped[(country, purpose, RECORD_ROW, record.kind, record.schema)] += 1
            if record.score_kind:
                grouped[(country, purpose, SCORE_ROW, record.score_kind, record.schema)] += 1
            for change in record.properties:
                grouped[(country, purpose, change.property, change.kind, change.detail)] += 1
    ranked = sorted(requesters, key=lambda k: (-sum(requesters[k].values()), -requester_searches[k], k))
    return {
        "format": REPORT_FORMAT,
        "node_country": result.node_country,
        "window": {"since": result.since, "until": result.until},
        "bundle": result.bundle,
        "bundle_revision": result.bundle_revision,
        "values_shown": show_values,
        "totals": {
            "searches_read": result.searches_read,
            "searches_replayed": result.searches_replayed,
            "searches_not_compared": sum(result.skipped.values()),
            "searches_changed": len(result.changed),
            "records_changed": records_changed,
            "records_no_longer_held": result.records_gone,
            "changes": dict(sorted(totals.items())),
        },
        "not_compared": dict(sorted(result.skipped.items())),
        "by_country": [
            {"country": c, "searches_changed": searches_by_country[c], "changes": dict(sorted(by_country[c].items()))}
            for c in sorted(by_country)
        ],
        "by_purpose": [
            {"purpose": p, "searches_changed": searches_by_purpose[p], "changes": dict(sorted(by_purpose[p].items()))}
            for p in sorted(by_purpose)
        ],
        "by_country_purpose_property": [
            {"country": c, "purpose": p, "property": prop, "change": kind, "detail": detail, "count": n}
            for (c, p, prop, kind, detail), n in sorted(grouped.items())
        ],
        "top_requesters": [
            {
                "country": key[0],
                "agency": key[1],
                "investigator": key[2],
                "searches_changed": requester_searches[key],
                "changes": sum(requesters[key].values()),
            }
            for key in ranked[:TOP_REQUESTERS]
        ],
        "searches": [_search_json(replayed, show_values) for replayed in result.changed],
        "elapsed_s": round(result.elapsed_s, 3),
        "warm_up_s": round(result.warm_up_s, 3),
        "searches_per_s": round(result.searches_per_s, 1),
    }


def kinds_present(summary: dict[str, Any], wanted: set[str]) -> dict[str, int]:
    """How often each of the wanted change kinds appears (for --fail-on)."""
    unknown = wanted - CHANGE_KINDS
    if unknown:
        raise ValueError(f"unknown change kinds: {sorted(unknown)}")
    changes: dict[str, int] = summary["totals"]["changes"]
    return {kind: changes[kind] for kind in sorted(wanted) if changes.get(kind)}


def to_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "es" if word.endswith("ch") else "s")


def _headline(summary: dict[str, Any]) -> list[str]:
    totals = summary["totals"]
    return [
        f"Policy replay on {summary['node_country']}: searches recorded from {summary['window']['since']} "
        f"to {summary['window']['until']}",
        f"candidate bundle: {summary['bundle'] or '?'} (revision {summary['bundle_revision'] or 'unknown'})",
        f"{_plural(totals['searches_read'], 'search')} read, {totals['searches_replayed']} replayed, "
        f"{totals['searches_not_compared']} not compared; {totals['searches_changed']} would change, "
        f"{_plural(totals['records_changed'], 'record')} with a change; "
        f"{_plural(totals['records_no_longer_held'], 'record')} no longer held (not compared)",
    ]


def _timing(summary: dict[str, Any]) -> str:
    return (
        f"replayed in {summary['elapsed_s']} s ({summary['searches_per_s']} searches/s), "
        f"after a one-off start of {summary['warm_up_s']} s"
    )


def to_text(summary: dict[str, Any]) -> str:
    lines = _headline(summary)
    totals = summary["totals"]
    if summary["not_compared"]:
        lines.append("")
        lines.append("Not compared:")
        lines.extend(f"  {count:6d}  {reason}" for reason, count in summary["not_compared"].items())
    lines.append("")
    if not totals["changes"]:
        lines.append("No change: the candidate policy would have answered every replayed search as it was answered.")
    else:
        lines.append("Changes:")
        lines.extend(f"  {count:6d}  {kind}" for kind, count in totals["changes"].items())
        lines.append("")
        lines.append("By requesting country, purpose and property:")
        for row in summary["by_country_purpose_property"]:
            lines.append(
                f"  {row['count']:6d}  {row['country']:2}  {row['purpose']:<18} {row['property']:<16} "
                f"{row['change']} ({row['detail']})"
            )
        lines.append("")
        lines.append("Most affected requesters:")
        for rank, row in enumerate(summary["top_requesters"], 1):
            lines.append(
                f"  {rank:2d}. {row['country']} / {row['agency']} / {row['investigator']}: "
                f"{_plural(row['searches_changed'], 'search')}, {_plural(row['changes'], 'change')}"
            )
        lines.append("")
        lines.append("Searches that would change:")
        for search in summary["searches"][:LISTED_SEARCHES]:
            requester = search["requester"]
            lines.append(
                f"  #{search['seq']} {search['recorded_at']} {requester.get('country')}/{requester.get('agency')}/"
                f"{requester.get('investigator')} {search['purpose']} {search['schema']}"
                f"[{', '.join(search['query_properties'])}]: {search['before']} -> {search['after']}"
            )
            if "query_values" in search:
                lines.append(f"      query: {json.dumps(search['query_values'], ensure_ascii=False)}")
            for record in search["records"]:
                lines.append(f"      {record['ref']} ({record['schema']}): {_level(record, '->')}")
                for change in record["properties"]:
                    values = f" = {change['values']}" if "values" in change else ""
                    lines.append(f"        {change['property']}: {change['change']} ({change['detail']}){values}")
        if len(summary["searches"]) > LISTED_SEARCHES:
            lines.append(f"  … and {len(summary['searches']) - LISTED_SEARCHES} more (all are in the JSON report)")
    lines.append("")
    lines.append(_timing(summary))
    return "\n".join(lines) + "\n"


PAGE_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1b1f24; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #57606a; margin: .1rem 0; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1.25rem 0; }
.tile { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .9rem; min-width: 9rem; }
.tile b { display: block; font-size: 1.6rem; }
.more { border-color: #cf222e; background: #fff5f5; } .less { border-color: #1a7f37; background: #f3fbf5; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.kind-more { color: #cf222e; font-weight: 600; } .kind-less { color: #1a7f37; font-weight: 600; }
details { margin: .3rem 0; } summary { cursor: pointer; } code { font-size: .9em; }
.none { color: #57606a; }
"""

# Changes that let more leave than before: what a DPO checks first.
MORE_RELEASED = frozenset(
    {"withheld -> released", "generalised -> released", "refusal lost"}
    | {f"{old} -> {new}" for old, new in [("none", "hit_only"), ("none", "partial"), ("none", "full")]}
    | {"hit_only -> partial", "hit_only -> full", "partial -> full"}
    | {
        f"score {old} -> {new}"
        for old in SCORES_SHOWN
        for new in SCORES_SHOWN
        if SCORES_SHOWN.index(new) > SCORES_SHOWN.index(old)
    }
)


def _kind_class(kind: str) -> str:
    return "kind-more" if kind in MORE_RELEASED else "kind-less"


def _cell(value: Any, cls: str = "") -> str:
    attribute = f' class="{cls}"' if cls else ""
    return f"<td{attribute}>{html.escape(str(value))}</td>"


def _table(headers: list[str], rows: list[str], label: str) -> str:
    head = "".join(f"<th scope=col>{html.escape(h)}</th>" for h in headers)
    if not rows:
        return '<p class="none">Nothing to show.</p>'
    return (
        f'<table aria-label="{html.escape(label)}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _changes_cell(changes: dict[str, int]) -> str:
    parts = [
        f'<span class="{_kind_class(kind)}">{html.escape(kind)}</span>&nbsp;{count}' for kind, count in changes.items()
    ]
    return "<td>" + "; ".join(parts) + "</td>"


def to_html(summary: dict[str, Any]) -> str:
    """A page a DPO opens from disk: no script, no resource from anywhere."""
    totals = summary["totals"]
    more = sum(n for kind, n in totals["changes"].items() if kind in MORE_RELEASED)
    less = sum(n for kind, n in totals["changes"].items() if kind not in MORE_RELEASED)
    title = f"Policy replay — {summary['node_country']}"
    tiles = [
        ("Searches replayed", totals["searches_replayed"], ""),
        ("Searches that would change", totals["searches_changed"], ""),
        ("Records with a change", totals["records_changed"], ""),
        ("Changes releasing more", more, "more"),
        ("Changes releasing less", less, "less"),
        ("Records no longer held", totals["records_no_longer_held"], ""),
        ("Searches not compared", totals["searches_not_compared"], ""),
    ]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts.extend(f'<p class="meta">{html.escape(line)}</p>' for line in _headline(summary))
    if summary["values_shown"]:
        parts.append('<p class="meta"><strong>This report shows record and query values.</strong></p>')
    parts.append('<section class="tiles" aria-label="Totals">')
    parts.extend(
        f'<div class="tile {cls}" role="group" aria-label="{html.escape(label)}">'
        f"<b>{value}</b>{html.escape(label)}</div>"
        for label, value, cls in tiles
    )
    parts.append("</section>")

    parts.append("<h2>Changes</h2>")
    parts.append(
        _table(
            ["Change", "Count"],
            [
                f'<tr><td class="{_kind_class(k)}">{html.escape(k)}</td><td class="n">{n}</td></tr>'
                for k, n in totals["changes"].items()
            ],
            "Changes",
        )
    )
    parts.append("<h2>By requesting country, purpose and property</h2>")
    parts.append(
        _table(
            ["Country", "Purpose", "Property", "Change", "Detail", "Count"],
            [
                "<tr>"
                + _cell(r["country"])
                + _cell(r["purpose"])
                + _cell(r["property"])
                + _cell(r["change"], _kind_class(r["change"]))
                + _cell(r["detail"])
                + f'<td class="n">{r["count"]}</td></tr>'
                for r in summary["by_country_purpose_property"]
            ],
            "By requesting country, purpose and property",
        )
    )
    parts.append("<h2>By requesting country</h2>")
    parts.append(
        _table(
            ["Country", "Searches changed", "Changes"],
            [
                f"<tr>{_cell(r['country'])}<td class=n>{r['searches_changed']}</td>{_changes_cell(r['changes'])}</tr>"
                for r in summary["by_country"]
            ],
            "By requesting country",
        )
    )
    parts.append("<h2>By purpose</h2>")
    parts.append(
        _table(
            ["Purpose", "Searches changed", "Changes"],
            [
                f"<tr>{_cell(r['purpose'])}<td class=n>{r['searches_changed']}</td>{_changes_cell(r['changes'])}</tr>"
                for r in summary["by_purpose"]
            ],
            "By purpose",
        )
    )
    parts.append("<h2>Most affected requesters</h2>")
    parts.append(
        _table(
            ["Country", "Agency", "Investigator", "Searches changed", "Changes"],
            [
                f"<tr>{_cell(r['country'])}{_cell(r['agency'])}{_cell(r['investigator'])}"
                f"<td class=n>{r['searches_changed']}</td><td class=n>{r['changes']}</td></tr>"
                for r in summary["top_requesters"]
            ],
            "Most affected requesters",
        )
    )
    parts.append("<h2>Searches that would change</h2>")
    if not summary["searches"]:
        parts.append('<p class="none">None.</p>')
    for search in summary["searches"][:LISTED_SEARCHES]:
        requester = search["requester"]
        heading = (
            f"#{search['seq']} · {search['recorded_at']} · {requester.get('country')} / {requester.get('agency')} / "
            f"{requester.get('investigator')} · {search['purpose']} · {search['schema']}"
            f"[{', '.join(search['query_properties'])}] · {search['before']} → {search['after']}"
        )
        rows = []
        for record in search["records"]:
            level = _level(record, "→")
            changes = "; ".join(
                f"{c['property']}: {c['change']} ({c['detail']})" + (f" = {c['values']}" if "values" in c else "")
                for c in record["properties"]
            )
            rows.append(f"<tr>{_cell(record['ref'])}{_cell(record['schema'])}{_cell(level)}{_cell(changes)}</tr>")
        body = _table(["Record", "Schema", "Disclosure", "Properties"], rows, f"Search {search['seq']}")
        if "query_values" in search:
            body = (
                f"<p>Query: <code>{html.escape(json.dumps(search['query_values'], ensure_ascii=False))}</code></p>"
                + body
            )
        parts.append(f"<details><summary>{html.escape(heading)}</summary>{body}</details>")
    if len(summary["searches"]) > LISTED_SEARCHES:
        more = len(summary["searches"]) - LISTED_SEARCHES
        parts.append(f'<p class="none">… and {more} more: all are in the JSON report.</p>')
    parts.append(f'<p class="meta">{html.escape(_timing(summary).capitalize())}. Report format {REPORT_FORMAT}.</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
