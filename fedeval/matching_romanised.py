"""The Chinese-romanisation set (`tests/data/matching_romanised/`) measured: each split, by romanisation, with and without dates.

python -m fedeval.matching_romanised [--no-compare]   # prints the figures as JSON, writes RESULT
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fedeval.matching import CACHE, LOGIC_V1_THRESHOLD, RESULTS, SETTINGS, Scored, figures, measure, store_for
from fedeval.matching_romanised_set import CATEGORIES, SOURCE_REPOSITORY, SOURCES, load

SPLITS = ("tune", "held_out")
RESULT = RESULTS / "matching_romanised.json"


def _figures(results: list[Scored], threshold: float) -> dict[str, float]:
    """Recall@1, recall@10 and precision over the matches and hard non-matches of `results`, and how many of
    the hard non-matches had a hit above the threshold (every such hit is a false positive)."""
    matches = [result for result in results if result.case["kind"] == "match"]
    siblings = [result for result in results if result.case["kind"] == "non_match"]
    table: dict[str, float] = {
        "matches": len(matches),
        "siblings": len(siblings),
        "sibling_hits": sum(1 for result in siblings if result.ranked and result.ranked[0][1] >= threshold),
    }
    if matches:
        found = figures(results, threshold)
        table |= {
            "recall_at_1": found.recall_at_1,
            "recall_at_10": found.recall_at_10,
            "precision": found.precision,
            "false_positives": found.false_positives,
        }
    return table


def _grouped(
    results: list[Scored], threshold: float, key: Callable[[dict[str, Any]], str]
) -> dict[str, dict[str, float]]:
    grouped: dict[str, list[Scored]] = defaultdict(list)
    for result in results:
        grouped[key(result.case)].append(result)
    return {group: _figures(chosen, threshold) for group, chosen in sorted(grouped.items())}


def _by_category(case: dict[str, Any]) -> str:
    return str(case["category"])


def _by_western_given(case: dict[str, Any]) -> str:
    return "western_given" if case["western_given"] else "chinese_given_only"


def run_romanised(*, compare: bool = True, cache: Path = CACHE) -> dict[str, Any]:
    """Each split of the set against the whole pool: fedgate at its default threshold with and without birth
    dates, and (with `compare`) nomenklatura's logic-v1 at its threshold on the same candidates."""
    pool, cases = load()
    store_path = store_for(pool, "romanised", cache)
    names = Counter(item["properties"]["name"][0] for item in pool)
    namesakes = {item["id"]: names[item["properties"]["name"][0]] for item in pool}
    result: dict[str, Any] = {
        "source": {source.extract: f"{SOURCE_REPOSITORY}@{source.commit}:{source.path}" for source in SOURCES},
        "pool": len(pool),
        "cases": dict(sorted(Counter(f"{case['split']}/{case['category']}/{case['kind']}" for case in cases).items())),
        "threshold": {"fedgate": SETTINGS.min_score, "nomenklatura_logic_v1": LOGIC_V1_THRESHOLD},
    }
    for split in SPLITS:
        chosen = [case for case in cases if case["split"] == split]
        _, measured = measure(chosen, store_path, namesakes, compare=compare)
        runs = {"fedgate": measured.ours, "fedgate_names_alone": measured.names_only}
        if compare:
            runs["nomenklatura_logic_v1"] = measured.theirs
        thresholds = {"nomenklatura_logic_v1": LOGIC_V1_THRESHOLD}
        part: dict[str, Any] = {
            matcher: _figures(results, thresholds.get(matcher, SETTINGS.min_score)) for matcher, results in runs.items()
        }
        for grouping, key in (("by_category", _by_category), ("by_western_given", _by_western_given)):
            part[grouping] = {
                matcher: _grouped(results, thresholds.get(matcher, SETTINGS.min_score), key)
                for matcher, results in runs.items()
            }
        result[split] = part
    return result


def report_romanised(result: dict[str, Any]) -> str:
    """The set's section of docs/matching.md."""
    matches = sum(n for key, n in result["cases"].items() if key.endswith("/match"))
    # The smallest romanisation of a split: what one case is worth there.
    step = round(1 / min(n for key, n in result["cases"].items() if key.endswith("/match")), 3)
    lines = [
        "## Real-world set: Chinese names in their own romanisations",
        "",
        "From `tests/data/matching_romanised/` (source, licence and how it is made: its README.md): members of "
        "the legislatures of Hong Kong, Macao, Taiwan, Singapore and Malaysia as EveryPolitician collected them "
        f"from Wikidata (`{SOURCE_REPOSITORY}`; the labels and birth dates are Wikidata's, CC0, the repository "
        f"declares no licence of its own), {result['pool']} Person records, each a member's name in Chinese "
        "characters. Queries are the member's own Latin spelling: Cantonese in Hong Kong and Macao (`cantonese`), "
        "Wade-Giles and its Taiwanese variants (`wade_giles`), the Hokkien, Teochew, Cantonese and Hakka spellings "
        "of Singapore (`singapore`) and Malaysia (`malaysian`), often with a Western given name beside the family "
        "name, and the birth date when the source has a full one. Hard non-matches (`sibling-…`) carry "
        "another member's given name with this member's family name and birth date. The `tune` split (Hong Kong, "
        "Macao, Taiwan, Singapore) was looked at while node/matching/dialects.py was written; `held_out` "
        f"(Malaysia) was not. A small set: {matches} matches, a romanisation's figure moves by up to {step} per case.",
        "",
        "| split | matcher | recall@1 | recall@10 | precision | sibling hits | recall@10, names alone |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for split in SPLITS:
        part = result[split]
        ours, alone = part["fedgate"], part["fedgate_names_alone"]
        lines.append(
            f"| {split} | **fedgate** | {ours['recall_at_1']} | {ours['recall_at_10']} | {ours['precision']} | "
            f"{ours['sibling_hits']} of {ours['siblings']} | {alone['recall_at_10']} |"
        )
        if "nomenklatura_logic_v1" in part:
            theirs = part["nomenklatura_logic_v1"]
            lines.append(
                f"| {split} | nomenklatura logic-v1 | {theirs['recall_at_1']} | {theirs['recall_at_10']} | "
                f"{theirs['precision']} | {theirs['sibling_hits']} of {theirs['siblings']} | |"
            )
    groups = {
        group: [result[split]["by_western_given"]["fedgate"].get(group, {}) for split in SPLITS]
        for group in ("western_given", "chinese_given_only")
    }
    western, chinese = groups["western_given"], groups["chinese_given_only"]
    lines += [
        "",
        "Members known by a Western given name beside their family name (Andrew Wan for 尹兆堅): recall@10 with "
        f"birth dates {western[0].get('recall_at_10')} (tune) and {western[1].get('recall_at_10')} (held-out), "
        f"sibling hits {western[0].get('sibling_hits')} and {western[1].get('sibling_hits')}; members known by "
        f"their Chinese given name: {chinese[0].get('recall_at_10')} and {chinese[1].get('recall_at_10')}, sibling "
        f"hits {chinese[0].get('sibling_hits')} and {chinese[1].get('sibling_hits')}. A Western given name beside "
        "the family name alone is not compared with the given name in characters, and a family name and a birth "
        "date alone are no hit (How fedgate matches names, Name structures).",
    ]
    lines += [
        "",
        "| romanisation | split | matches | recall@10 | precision | recall@10, names alone | logic-v1 recall@10 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for category in CATEGORIES:
        for split in SPLITS:
            by_category = result[split]["by_category"]
            ours = by_category["fedgate"].get(category)
            if ours is None:
                continue
            alone = by_category["fedgate_names_alone"][category]
            theirs = by_category.get("nomenklatura_logic_v1", {}).get(category, {})
            lines.append(
                f"| {category} | {split} | {ours['matches']} | {ours['recall_at_10']} | {ours['precision']} | "
                f"{alone['recall_at_10']} | {theirs.get('recall_at_10', '')} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-compare", action="store_true", help="leave nomenklatura's logic-v1 out")
    args = parser.parse_args()
    result = run_romanised(compare=not args.no_compare)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
