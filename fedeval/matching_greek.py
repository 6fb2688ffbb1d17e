"""The Greek real-world set (`tests/data/matching_greek/`) measured: each split, by category, with and without dates.

python -m fedeval.matching_greek [--no-compare]   # prints the figures as JSON, writes RESULT
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from fedeval.matching import CACHE, LOGIC_V1_THRESHOLD, RESULTS, SETTINGS, Scored, figures, measure, store_for
from fedeval.matching_greek_set import SOURCE_COMMIT, SOURCE_PATH, SOURCE_REPOSITORY, load

SPLITS = ("tune", "held_out")
RESULT = RESULTS / "matching_greek.json"


def _by_category(results: list[Scored], threshold: float) -> dict[str, dict[str, float]]:
    """Recall@1, recall@10 and precision of each category; for `sibling` (non-matches) how many queries
    had any hit above the threshold (every one is a false positive)."""
    grouped: dict[str, list[Scored]] = defaultdict(list)
    for result in results:
        grouped[result.case["category"]].append(result)
    table: dict[str, dict[str, float]] = {}
    for category, chosen in sorted(grouped.items()):
        if all(result.case["kind"] == "non_match" for result in chosen):
            hits = sum(1 for result in chosen if result.ranked and result.ranked[0][1] >= threshold)
            table[category] = {"queries": len(chosen), "false_positives": hits}
        else:
            found = figures(chosen, threshold)
            table[category] = {
                "recall_at_1": found.recall_at_1,
                "recall_at_10": found.recall_at_10,
                "precision": found.precision,
                "false_positives": found.false_positives,
            }
    return table


def _overall(results: list[Scored], threshold: float) -> dict[str, float]:
    found = figures(results, threshold)
    return {
        "recall_at_1": found.recall_at_1,
        "recall_at_10": found.recall_at_10,
        "precision": found.precision,
        "false_positives": found.false_positives,
    }


def run_greek(*, compare: bool = True, cache: Path = CACHE) -> dict[str, Any]:
    """Each split of the Greek set against the whole Greek pool: fedgate at its default threshold with and
    without birth dates, and (with `compare`) nomenklatura's logic-v1 at its threshold."""
    pool, cases = load()
    store_path = store_for(pool, "greek", cache)
    names = Counter(item["properties"]["name"][0] for item in pool)
    namesakes = {item["id"]: names[item["properties"]["name"][0]] for item in pool}
    result: dict[str, Any] = {
        "source": f"{SOURCE_REPOSITORY}@{SOURCE_COMMIT}:{SOURCE_PATH}",
        "pool": len(pool),
        "cases": dict(sorted(Counter(f"{case['split']}/{case['category']}" for case in cases).items())),
        "threshold": {"fedgate": SETTINGS.min_score, "nomenklatura_logic_v1": LOGIC_V1_THRESHOLD},
    }
    for split in SPLITS:
        chosen = [case for case in cases if case["split"] == split]
        _, measured = measure(chosen, store_path, namesakes, compare=compare)
        part: dict[str, Any] = {
            "fedgate": _overall(measured.ours, SETTINGS.min_score),
            "fedgate_names_alone": _overall(measured.names_only, SETTINGS.min_score),
            "by_category": {
                "fedgate": _by_category(measured.ours, SETTINGS.min_score),
                "fedgate_names_alone": _by_category(measured.names_only, SETTINGS.min_score),
            },
        }
        if compare:
            part["nomenklatura_logic_v1"] = _overall(measured.theirs, LOGIC_V1_THRESHOLD)
            part["by_category"]["nomenklatura_logic_v1"] = _by_category(measured.theirs, LOGIC_V1_THRESHOLD)
        result[split] = part
    return result


def report_greek(result: dict[str, Any]) -> str:
    """The Greek set's section of docs/matching.md."""
    lines = [
        "## Greek set (real people, real birth dates)",
        "",
        f"From `tests/data/matching_greek/` (source, licence and how it is made: its README.md): the Wikidata "
        f"labels and birth dates of Greek members of parliament, `{result['source']}`, {result['pool']} Person "
        "records. Queries are a person's Latin label searching the Greek one (`latin_to_greek`), the Greek "
        "label searching a Latin one (`greek_to_latin`), a Latin label searching a Ukrainian or Bulgarian one "
        "(`latin_to_cyrillic`); hard non-matches (`sibling`) carry another member's given name with this "
        "member's family name and birth date. A small set: a figure moves by 0.007 per case.",
        "",
        "| split | matcher | recall@10 | precision | recall@10, names alone |",
        "|---|---|---:|---:|---:|",
    ]
    for split in SPLITS:
        part = result[split]
        ours, alone = part["fedgate"], part["fedgate_names_alone"]
        lines.append(
            f"| {split} | **fedgate** | {ours['recall_at_10']} | {ours['precision']} | {alone['recall_at_10']} |"
        )
        if "nomenklatura_logic_v1" in part:
            theirs = part["nomenklatura_logic_v1"]
            lines.append(f"| {split} | nomenklatura logic-v1 | {theirs['recall_at_10']} | {theirs['precision']} | |")
    lines += ["", "| category | tune cases | tune | held-out cases | held-out |", "|---|---:|---:|---:|---:|"]
    for category in ("latin_to_greek", "greek_to_latin", "latin_to_cyrillic"):
        cells = []
        for split in SPLITS:
            found = result[split]["by_category"]["fedgate"].get(category, {})
            cells += [str(result["cases"].get(f"{split}/{category}", 0)), str(found.get("recall_at_10", ""))]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-compare", action="store_true", help="leave nomenklatura's logic-v1 out")
    args = parser.parse_args()
    result = run_greek(compare=not args.no_compare)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
