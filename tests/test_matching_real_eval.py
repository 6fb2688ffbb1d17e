"""A slice of the real-world set's held-out part (tests/data/matching_real) through the node's real matching path.

The floors are what the matcher reaches today (docs/matching.md, "Real-world set"), less a margin for the
slice: a change that loses recall or precision on real transliterations fails here. They are not issue 18's
targets (recall@10 0.95 overall and 0.90 in every script), which the matcher does not reach yet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from fedeval.matching import SETTINGS, Scored, figures, measure, store_for
from fedeval.matching_real_set import SCRIPTS, load

MATCHES_PER_SCRIPT = 120
SIBLINGS_PER_SCRIPT = 40
# With birth dates: 0.955 on the slice today, Chinese the lowest (0.925 simplified, 0.917 traditional).
FLOOR_RECALL = 0.93
FLOOR_RECALL_PER_SCRIPT = 0.88
# By names alone (no birth date in any query): 0.94 on the slice today (0.937 before the rarest keys' records were
# shortlisted and store format 10, 0.918 before store format 9), Chinese the lowest (0.917, 0.892).
FLOOR_NAMES_ALONE = 0.925
FLOOR_NAMES_ALONE_PER_SCRIPT = 0.87
# Precision as docs/matching.md gives it (of the best hits above the threshold, the share that are the
# target); the slice holds a quarter of hard non-matches, more than the set's sixth: 0.991 here today.
FLOOR_PRECISION = 0.985
MAX_WRONG_BEST_HITS = 0.01


def held_out_slice(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken: Counter[tuple[str, str]] = Counter()
    chosen = []
    for case in cases:
        if case["split"] != "held_out":
            continue
        key = (case["script"], case["kind"])
        if taken[key] < (MATCHES_PER_SCRIPT if case["kind"] == "match" else SIBLINGS_PER_SCRIPT):
            taken[key] += 1
            chosen.append(case)
    return chosen


def test_real_transliterations_stay_above_todays_floor(tmp_path: Path) -> None:
    pool, cases = load()
    chosen = held_out_slice(cases)
    names = Counter(item["properties"]["name"][0] for item in pool)
    namesakes = {item["id"]: names[item["properties"]["name"][0]] for item in pool}
    result, measured = measure(chosen, store_for(pool, "real", tmp_path), namesakes, compare=False)
    ours = result["fedgate"]
    assert ours["recall_at_10"] >= FLOOR_RECALL, ours
    assert ours["precision"] >= FLOOR_PRECISION, ours
    # Issue 18's own measure of precision: a wrong best hit above the threshold on at most 1 query in 100,
    # hard non-matches included (here a quarter of the slice, more than in the set).
    wrong = sum(
        1
        for answer in measured.ours
        if answer.ranked
        and answer.ranked[0][1] >= SETTINGS.min_score
        and (answer.case["kind"] != "match" or answer.ranked[0][0] != answer.case["target"])
    )
    assert wrong / len(chosen) <= MAX_WRONG_BEST_HITS, f"{wrong} wrong best hits in {len(chosen)} queries"
    by_script: dict[str, list[Scored]] = defaultdict(list)
    for answer in measured.ours:
        by_script[answer.case["script"]].append(answer)
    assert set(by_script) == set(SCRIPTS)
    for script, answers in by_script.items():
        recall = figures(answers, SETTINGS.min_score).recall_at_10
        assert recall >= FLOOR_RECALL_PER_SCRIPT, f"{script}: recall@10 {recall}"
    alone = result["fedgate_names_alone"]
    assert alone["recall_at_10_fewer_than_ten_namesakes"] >= FLOOR_NAMES_ALONE, alone
    alone_by_script: dict[str, list[Scored]] = defaultdict(list)
    for answer in measured.names_only:
        alone_by_script[answer.case["script"]].append(answer)
    for script, answers in alone_by_script.items():
        recall = figures(answers, SETTINGS.min_score).recall_at_10
        assert recall >= FLOOR_NAMES_ALONE_PER_SCRIPT, f"{script}, names alone: recall@10 {recall}"
