"""The real-world set (`tests/data/matching_real/`) measured like the project's own set, tune and held-out apart."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from fedeval.matching import CACHE, LOGIC_V1_THRESHOLD, SETTINGS, Scored, figures, measure, store_for
from fedeval.matching_real_set import SCRIPTS, SOURCE_COMMIT, SOURCE_REPOSITORY, load

SPLITS = ("tune", "held_out")


def _by_script(results: list[Scored], threshold: float) -> dict[str, dict[str, float]]:
    grouped: dict[str, list[Scored]] = defaultdict(list)
    for result in results:
        grouped[result.case["script"]].append(result)
    return {
        script: {
            "recall_at_1": (found := figures(grouped[script], threshold)).recall_at_1,
            "recall_at_10": found.recall_at_10,
            "precision": found.precision,
        }
        for script in SCRIPTS
        if script in grouped
    }


def run_real(*, compare: bool = True, cache: Path = CACHE) -> dict[str, Any]:
    """Each split of the real-world set against the whole real-world pool."""
    pool, cases = load()
    store_path = store_for(pool, "real", cache)
    names = Counter(item["properties"]["name"][0] for item in pool)
    namesakes = {item["id"]: names[item["properties"]["name"][0]] for item in pool}
    result: dict[str, Any] = {
        "source": f"{SOURCE_REPOSITORY}@{SOURCE_COMMIT}",
        "pool": len(pool),
        "cases": dict(Counter(f"{case['split']}/{case['category']}" for case in cases)),
    }
    for split in SPLITS:
        chosen = [case for case in cases if case["split"] == split]
        figures_, measured = measure(chosen, store_path, namesakes, compare=compare)
        figures_["by_script"] = {
            "fedgate": _by_script(measured.ours, SETTINGS.min_score),
            "fedgate_names_alone": _by_script(measured.names_only, SETTINGS.min_score),
        }
        if compare:
            figures_["by_script"]["nomenklatura_logic_v1"] = _by_script(measured.theirs, LOGIC_V1_THRESHOLD)
        figures_["misses"] = _misses(measured.ours, measured.every_candidate, pool)
        result[split] = figures_
    return result


def _misses(
    found: list[Scored], every_candidate: list[Scored], pool: list[dict[str, Any]], count: int = 10
) -> list[dict[str, Any]]:
    """Matches whose target is not among the first ten hits, one of each category in turn: the target's
    score and the best candidate's (below the threshold too)."""
    names = {item["id"]: item["properties"]["name"][0] for item in pool}
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for hits, scored in zip(found, every_candidate, strict=True):
        case = hits.case
        if case["kind"] != "match" or (hits.rank_of(case["target"], SETTINGS.min_score) or 11) <= 10:
            continue
        best = scored.ranked[0] if scored.ranked else None
        target_score = dict(scored.ranked).get(case["target"])
        by_category[case["category"]].append(
            {
                "query": case["query"]["name"][0],
                "target": names[case["target"]],
                "target_score": None if target_score is None else round(target_score, 2),
                "best": names[best[0]] if best else None,
                "best_score": round(best[1], 2) if best else None,
            }
        )
    chosen: list[dict[str, Any]] = []
    while len(chosen) < count and any(by_category.values()):
        for queue in by_category.values():
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def report_real(result: dict[str, Any]) -> str:
    lines = [
        "## Real-world set",
        "",
        f"From `tests/data/matching_real/` (sources, licence and how it is made: its README.md): name parts as "
        f"Wikidata editors wrote them in Latin and in Cyrillic (Russian), Hebrew, Arabic and Chinese (simplified "
        f"and traditional), from `{result['source']}`, composed into {result['pool']:,} Person records with "
        "assigned birth dates. The spellings are real, the people and their dates are not; Greek is not in the "
        "source. Queries are Latin forms searching a record in the other script (`latin_to_native`), some the "
        "other way (`native_to_latin`); the hard non-matches (`sibling`) carry a target's family name and "
        "birth date with another real given name. Split by a hash of the person: tune and held-out, each "
        "against the whole pool.",
        "",
        "| split | matcher | recall@1 | recall@10 | precision | recall@10, names alone | queries/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for split in SPLITS:
        part = result[split]
        ours, alone = part["fedgate"], part["fedgate_names_alone"]
        lines.append(
            f"| {split} | **fedgate** | {ours['recall_at_1']} | {ours['recall_at_10']} | {ours['precision']} | "
            f"{alone['recall_at_10']} | {ours['queries_per_second']:,} |"
        )
        if "nomenklatura_logic_v1" in part:
            theirs = part["nomenklatura_logic_v1"]
            lines.append(
                f"| {split} | nomenklatura logic-v1 | {theirs['recall_at_1']} | {theirs['recall_at_10']} | "
                f"{theirs['precision']} | | |"
            )
    lines += [
        "",
        "By script, with birth dates (recall@10 / precision) and names alone (recall@10):",
        "",
        "| script | tune: fedgate | tune: names alone | tune: logic-v1 | held-out: fedgate | "
        "held-out: names alone | held-out: logic-v1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for script in SCRIPTS:
        cells = []
        for split in SPLITS:
            by_script = result[split]["by_script"]
            ours, alone = by_script["fedgate"][script], by_script["fedgate_names_alone"][script]
            theirs = by_script.get("nomenklatura_logic_v1", {}).get(script)
            cells += [
                f"{ours['recall_at_10']} / {ours['precision']}",
                str(alone["recall_at_10"]),
                f"{theirs['recall_at_10']} / {theirs['precision']}" if theirs else "",
            ]
        lines.append(f"| {script} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "By category (recall@10 with birth dates; for `sibling`, the non-matches, recall is not defined: "
        "see the precision above):",
        "",
        "| category | tune cases | tune | held-out cases | held-out |",
        "|---|---:|---:|---:|---:|",
    ]
    categories = sorted({key.split("/", 1)[1] for key in result["cases"]})
    for category in categories:
        if category.endswith("/sibling"):
            continue
        cells = []
        for split in SPLITS:
            cells += [
                str(result["cases"].get(f"{split}/{category}", 0)),
                str(result[split]["fedgate"]["recall_by_category"].get(category, "")),
            ]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Misses (held-out, with birth dates), one of each category in turn: the target's fedgate score "
        '("not a candidate" when blocking did not find it) and the best-scored candidate.',
        "",
        "| query | target | target's score | best candidate | its score |",
        "|---|---|---:|---|---:|",
        *(
            f"| {m['query']} | {m['target']} | "
            f"{'not a candidate' if m['target_score'] is None else m['target_score']} | "
            f"{m['best'] or ''} | {'' if m['best_score'] is None else m['best_score']} |"
            for m in result["held_out"]["misses"]
        ),
        "",
        "The evaluation and the matcher are kept apart: no table of name variants, equivalents or spellings "
        "that the matcher uses may come from the sources of either evaluation set (`tests/data/matching/`: "
        "its own name books; `tests/data/matching_real/`: the COLING 2018 Wikidata dictionaries, or Wikidata "
        "labels of persons in general). A matcher that looks up the evaluation's own pairs measures nothing.",
    ]
    return "\n".join(lines) + "\n"
