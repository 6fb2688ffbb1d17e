"""Recall and precision of person search, fedgate's matcher beside nomenklatura's logic-v1, on the same candidates.

    python -m fedeval.matching              # the whole set; writes docs/matching.md and bench/results/matching.json
    python -m fedeval.matching --slice 300  # the first N cases of each kind, against a smaller pool
    python -m fedeval.matching --real-only  # the real-world set (tests/data/matching_real/) only

Every query goes through the node's real matching path (blocking keys in a real SQLite store, then
scoring); nomenklatura's logic-v1 (the algorithm behind OpenSanctions' yente) scores the very same
candidates. Precision counts each query's best answer above the threshold: right if it is the
target, wrong otherwise (for a non-match, any answer is wrong).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import platform
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followthemoney.types import registry

from fedcore.query import EntityQuery, validate_query
from fedeval.matching_set import DATA_DIR, Identity, entity, pool, pool_digest
from node.config import DEFAULT_MATCHING
from node.matching import STORE_FORMAT, PreparedQuery, prepare_query, query_keys, score_record
from node.search import find_matches
from node.server import warm_up
from node.store import Store, StoredRecord, connect, import_lines

CACHE = Path(__file__).resolve().parent.parent / "bench" / ".cache"
RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"
DOCS = Path(__file__).resolve().parent.parent / "docs"
SETTINGS = DEFAULT_MATCHING
LIMIT = 10
LOGIC_V1_THRESHOLD = 0.7
# What issue 10 asks of the matcher at its operating threshold.
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.95
BUCKETS = [round(0.1 * i, 1) for i in range(11)]


def load_cases(slice_size: int | None = None) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in (DATA_DIR / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
    if slice_size is None:
        return cases
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        by_kind[case["kind"]].append(case)
    # A slice keeps every category: round-robin over categories within each kind.
    chosen: list[dict[str, Any]] = []
    for kind_cases in by_kind.values():
        by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for case in kind_cases:
            by_category[case["category"]].append(case)
        queues = list(by_category.values())
        taken = 0
        while taken < slice_size and any(queues):
            for queue in queues:
                if queue and taken < slice_size:
                    chosen.append(queue.pop(0))
                    taken += 1
    return chosen


def build_store(people: list[Identity], name: str, cache: Path = CACHE) -> Path:
    return store_for([entity(p) for p in people], name, cache)


def store_for(entities: list[dict[str, Any]], name: str, cache: Path = CACHE) -> Path:
    """A SQLite store of `entities` in the cache, built once per content and store format."""
    cache.mkdir(exist_ok=True)
    digest = hashlib.sha256()
    for item in entities:
        digest.update(json.dumps(item, ensure_ascii=False, sort_keys=True).encode())
    path = cache / f"matching-{name}-{digest.hexdigest()[:12]}-format{STORE_FORMAT}-refs.sqlite"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        import_lines(partial, (json.dumps(item, ensure_ascii=False) for item in entities), skip_invalid=False)
        _derive_references(partial)
        print(f"  imported {len(entities)} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        partial.replace(path)
    else:
        connect(path, readonly=False).close()  # a cached store written before records could expire is updated
    return path


def _derive_references(path: Path) -> None:
    """A node orders hits of equal score by their records' references, random tokens drawn at import (so that
    no import order shows). The evaluation's stores take them from the entity ids instead: ties among
    namesakes then fall the same way in every build of a store, and the figures are reproducible."""
    with closing(sqlite3.connect(path)) as connection, connection:
        rows = connection.execute("SELECT rid, entity_id FROM records").fetchall()
        connection.executemany(
            "UPDATE records SET ref = ? WHERE rid = ?",
            [(hashlib.sha256(entity_id.encode()).hexdigest()[:24], rid) for rid, entity_id in rows],
        )


def record_entity_id(store: Store, record: StoredRecord) -> str:
    return str(
        store._read(lambda c: c.execute("SELECT entity_id FROM records WHERE rid = ?", (record.rid,)).fetchone()[0])
    )


@dataclass
class Scored:
    """One query's candidates, ranked by a matcher."""

    case: dict[str, Any]
    ranked: list[tuple[str, float]]  # (entity id, score), best first

    def rank_of(self, target: str, threshold: float) -> int | None:
        for position, (entity_id, score) in enumerate(self.ranked, start=1):
            if score < threshold:
                return None
            if entity_id == target:
                return position
        return None


@dataclass
class Figures:
    threshold: float
    recall_at_1: float
    recall_at_10: float
    precision: float
    true_positives: int
    false_positives: int
    match_scores: list[int] = field(default_factory=list)
    non_match_scores: list[int] = field(default_factory=list)
    recall_by_category: dict[str, float] = field(default_factory=dict)


def histogram(scores: list[float]) -> list[int]:
    counts = [0] * 10
    for score in scores:
        counts[min(int(score * 10), 9)] += 1
    return counts


def figures(results: list[Scored], threshold: float) -> Figures:
    positives = [r for r in results if r.case["kind"] == "match"]
    tp = fp = 0
    at_1 = at_10 = 0
    by_category: dict[str, list[bool]] = defaultdict(list)
    match_scores, non_match_scores = [], []
    for result in results:
        top = result.ranked[0] if result.ranked and result.ranked[0][1] >= threshold else None
        if result.case["kind"] == "match":
            rank = result.rank_of(result.case["target"], threshold)
            at_1 += rank == 1
            at_10 += rank is not None and rank <= 10
            by_category[result.case["category"]].append(rank is not None and rank <= 10)
            if top is not None:
                tp += top[0] == result.case["target"]
                fp += top[0] != result.case["target"]
            match_scores.append(dict(result.ranked).get(result.case["target"], 0.0))
        else:
            fp += top is not None
            non_match_scores.append(result.ranked[0][1] if result.ranked else 0.0)
    return Figures(
        threshold=threshold,
        recall_at_1=round(at_1 / len(positives), 4),
        recall_at_10=round(at_10 / len(positives), 4),
        precision=round(tp / (tp + fp), 4) if tp + fp else 1.0,
        true_positives=tp,
        false_positives=fp,
        match_scores=histogram(match_scores),
        non_match_scores=histogram(non_match_scores),
        recall_by_category={
            category: round(sum(hits) / len(hits), 3) for category, hits in sorted(by_category.items())
        },
    )


def _score(prepared: PreparedQuery, record: StoredRecord) -> float:
    result = score_record(prepared, record.schema, record.properties)
    return result.score if result is not None else 0.0


def query_of(case: dict[str, Any]) -> EntityQuery:
    return validate_query("Person", case["query"])


def without_dates(query: EntityQuery) -> EntityQuery:
    return validate_query(
        query.schema.name,
        {
            name: values
            for name, values in query.properties.items()
            if query.schema.properties[name].type != registry.date
        },
    )


def namesake_counts(people: list[Identity]) -> dict[str, int]:
    """For each pool record, how many records (itself included) bear exactly its name."""
    counts = Counter(person.stored_name for person in people)
    return {person.id: counts[person.stored_name] for person in people}


def names_alone(results: list[Scored], threshold: float, namesakes: dict[str, int]) -> dict[str, Any]:
    """Recall when queries carry names only, and how often the hard non-match's own record is then a hit.

    `namesakes`: how many pool records bear exactly the target's name. With ten or more, no names-only
    search can single the target out of ten hits: recall is also given without those targets. Precision
    is not given: without a birth date a namesake in the pool is as good an answer as any."""
    found = figures(results, threshold)
    non_matches = [r for r in results if r.case["kind"] == "non_match"]
    near_hits = sum(1 for r in non_matches if r.rank_of(r.case["near"], threshold) is not None)
    hits_per_query = [sum(1 for _, score in r.ranked if score >= threshold) for r in results]
    singled = [r for r in results if r.case["kind"] == "match" and namesakes.get(r.case["target"], 1) < 10]
    singled_found = sum(1 for r in singled if (rank := r.rank_of(r.case["target"], threshold)) and rank <= 10)
    return {
        "recall_at_1": found.recall_at_1,
        "recall_at_10": found.recall_at_10,
        "recall_by_category": found.recall_by_category,
        "targets_with_ten_namesakes": sum(1 for r in results if r.case["kind"] == "match") - len(singled),
        "recall_at_10_fewer_than_ten_namesakes": round(singled_found / len(singled), 4) if singled else 0.0,
        "near_miss_returned": round(near_hits / len(non_matches), 4) if non_matches else 0.0,
        "hits_per_query_mean": round(sum(hits_per_query) / len(hits_per_query), 2),
    }


def run(slice_size: int | None, *, compare: bool = True, cache: Path = CACHE) -> dict[str, Any]:
    """The evaluation: fedgate's figures, and (with `compare`) nomenklatura's logic-v1 on the same candidates.

    A slice runs the first `slice_size` cases of each kind (every category in turn) against the first
    20,000 pool records and the slice's own targets.
    """
    warm_up()
    cases = load_cases(slice_size)
    people = pool()
    expected = (DATA_DIR / "pool.sha256").read_text().strip()
    if pool_digest(people) != expected:
        raise SystemExit(
            "the pool rebuilt from the seed is not the one the cases were written for: "
            "run `python -m fedeval.matching_set` and commit tests/data/matching/"
        )
    if slice_size is not None:
        wanted = {case.get("target") or case.get("near") for case in cases}
        people = [p for p in people[:20_000]] + [p for p in people[20_000:] if p.id in wanted]
    store_path = build_store(people, "slice" if slice_size else "full", cache)
    result, _ = measure(cases, store_path, namesake_counts(people), compare=compare)
    result["pool"] = len(people)
    return result


@dataclass
class Measured:
    """Each query's ranked answers: fedgate's, fedgate's without birth dates, and logic-v1's."""

    ours: list[Scored]
    names_only: list[Scored]
    theirs: list[Scored]
    every_candidate: list[Scored]  # fedgate's scores of every candidate, below the threshold too


def measure(
    cases: list[dict[str, Any]], store_path: Path, namesakes: dict[str, int], *, compare: bool = True
) -> tuple[dict[str, Any], Measured]:
    """Runs `cases` against the store at `store_path`: fedgate's figures and (with `compare`) logic-v1's."""
    store = Store(store_path, workers=1)
    entity_ids: dict[int, str] = {}

    def entity_id(record: StoredRecord) -> str:
        if record.rid not in entity_ids:
            entity_ids[record.rid] = record_entity_id(store, record)
        return entity_ids[record.rid]

    try:
        queries = [query_of(case) for case in cases]
        # The evaluation's own data (the pool, the cases) is no part of a node's heap: out of the collector's way.
        gc.collect()
        gc.freeze()
        # The store file in the OS page cache, as on a node that has been serving for a while.
        with store_path.open("rb") as handle:
            while handle.read(1 << 22):
                pass
        # The node's real matching path, timed on one core: its hits make recall and precision. The first
        # pass meets every record's names for the first time; the second finds them in the matcher's cache.
        for query in queries[:50]:
            find_matches(store, query, LIMIT, SETTINGS)
        started = time.perf_counter()
        hits = [find_matches(store, query, LIMIT, SETTINGS)[1] for query in queries]
        ours_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for query in queries:
            find_matches(store, query, LIMIT, SETTINGS)
        warm_seconds = time.perf_counter() - started
        ours = [
            Scored(case, [(entity_id(record), result.score) for record, result in found])
            for case, found in zip(cases, hits, strict=True)
        ]
        # The same queries with their birth dates left out: what names alone find.
        names_only = [
            Scored(case, [(entity_id(record), result.score) for record, result in found])
            for case, found in (
                (case, find_matches(store, without_dates(query), LIMIT, SETTINGS)[1])
                for case, query in zip(cases, queries, strict=True)
            )
        ]

        # Every candidate scored in full (below the threshold too) for the distributions, and by logic-v1.
        ours_full: list[Scored] = []
        theirs: list[Scored] = []
        nomenklatura_seconds = 0.0
        for case, query in zip(cases, queries, strict=True):
            candidates = store.candidates(
                query_keys(query),
                max_candidates=max(SETTINGS.max_candidates, LIMIT),
                max_postings=SETTINGS.max_postings,
            ).all
            prepared = prepare_query(query)
            mine = [(entity_id(r), _score(prepared, r)) for r in candidates]
            ours_full.append(Scored(case, sorted(mine, key=lambda item: -item[1])))
            if compare:
                started = time.perf_counter()
                scored = _logic_v1(query, [(entity_id(r), r) for r in candidates])
                nomenklatura_seconds += time.perf_counter() - started
                theirs.append(Scored(case, sorted(scored, key=lambda item: -item[1])))
    finally:
        store.close()

    ours_figures = figures(ours, SETTINGS.min_score)
    full = figures(ours_full, SETTINGS.min_score)
    ours_figures.match_scores, ours_figures.non_match_scores = full.match_scores, full.non_match_scores
    matches = sum(1 for case in cases if case["kind"] == "match")
    result: dict[str, Any] = {
        "cases": len(cases),
        "matches": matches,
        "non_matches": len(cases) - matches,
        "categories": dict(Counter(case["category"] for case in cases)),
        "settings": SETTINGS.__dict__,
        "machine": f"{_cpu()}, Python {platform.python_version()}",
        "fedgate": {
            **ours_figures.__dict__,
            "queries_per_second": round(len(cases) / ours_seconds, 1),
            "queries_per_second_warm": round(len(cases) / warm_seconds, 1),
        },
        "fedgate_names_alone": names_alone(names_only, SETTINGS.min_score, namesakes),
    }
    if compare:
        theirs_figures = figures(theirs, LOGIC_V1_THRESHOLD)
        sweep = [figures(theirs, t / 100) for t in range(30, 100)]
        # logic-v1 at fedgate's precision: the lowest threshold where it is as precise; and its best recall
        # at the precision this evaluation asks for.
        equal = next((f for f in sweep if f.precision >= ours_figures.precision), figures(theirs, 1.0))
        best = max((f for f in sweep if f.precision >= TARGET_PRECISION), key=lambda f: f.recall_at_10, default=None)
        result["nomenklatura_logic_v1"] = {
            **theirs_figures.__dict__,
            "scoring_queries_per_second": round(len(cases) / nomenklatura_seconds, 1),
        }
        result["nomenklatura_at_fedgate_precision"] = _summary(equal)
        result["nomenklatura_best_at_target_precision"] = _summary(best) if best else None
    return result, Measured(ours, names_only, theirs, ours_full)


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _summary(found: Figures) -> dict[str, float]:
    return {
        "threshold": found.threshold,
        "precision": found.precision,
        "recall_at_1": found.recall_at_1,
        "recall_at_10": found.recall_at_10,
    }


def _logic_v1(query: EntityQuery, candidates: list[tuple[str, StoredRecord]]) -> list[tuple[str, float]]:
    """nomenklatura's logic-v1 scores of the candidates, as yente would compute them."""
    from followthemoney import model
    from nomenklatura.matching import ScoringConfig, get_algorithm

    logic = get_algorithm("logic-v1")
    if logic is None:
        raise SystemExit("nomenklatura's logic-v1 is not available")
    config = ScoringConfig.defaults()
    query_entity = model.make_entity("Person")
    for name, values in query.properties.items():
        query_entity.add(name, values)
    scored = []
    for entity_id, record in candidates:
        candidate = model.make_entity("Person")
        candidate.id = entity_id
        for name, values in record.properties.items():
            candidate.add(name, values)
        scored.append((entity_id, logic.compare(query_entity, candidate, config).score))
    return scored


def report(result: dict[str, Any]) -> str:
    ours, theirs = result["fedgate"], result["nomenklatura_logic_v1"]
    equal, best = result["nomenklatura_at_fedgate_precision"], result["nomenklatura_best_at_target_precision"]
    settings = result["settings"]
    lines = [
        "# Name matching: measured",
        "",
        "Written by `python -m fedeval.matching` (figures also in `bench/results/matching.json`); "
        f"measured on {result['machine']}.",
        "",
        f"{result['matches']:,} query→target pairs and {result['non_matches']:,} hard non-matches over a pool of "
        f"{result['pool']:,} Person records written in Latin, Cyrillic, Greek, Arabic, Hebrew and Chinese script, "
        "from `tests/data/matching/` (how it is made: `tests/data/matching/README.md`). Every query runs through "
        "the node's real matching path — blocking keys in a real SQLite store, candidates, scoring — at the "
        f"node's default operating point (`min_score = {settings['min_score']}`, "
        f"`max_candidates = {settings['max_candidates']}`, `max_postings = {settings['max_postings']}`), "
        f"asking for {LIMIT} hits. nomenklatura's `logic-v1` (the algorithm behind OpenSanctions' yente) scores "
        "the very same candidates.",
        "",
        "Recall@k: the target is among the first k hits above the threshold. Precision: of the queries whose "
        "best hit is above the threshold, the share where that hit is the target (for a non-match every such "
        "hit is wrong).",
        "",
        "| matcher | threshold | recall@1 | recall@10 | precision | queries/s, one core |",
        "|---|---:|---:|---:|---:|---:|",
        f"| **fedgate** | {ours['threshold']} | {ours['recall_at_1']} | {ours['recall_at_10']} | "
        f"{ours['precision']} | {ours['queries_per_second']:,} (the whole matching path; "
        f"{ours['queries_per_second_warm']:,} with the names already analysed) |",
        f"| nomenklatura logic-v1 | {theirs['threshold']} | {theirs['recall_at_1']} | {theirs['recall_at_10']} | "
        f"{theirs['precision']} | {theirs['scoring_queries_per_second']:,} (scoring only) |",
        f"| logic-v1 at fedgate's precision | {equal['threshold']} | {equal['recall_at_1']} | "
        f"{equal['recall_at_10']} | {equal['precision']} | |",
    ]
    if best:
        lines.append(
            f"| logic-v1, best recall at precision ≥ {TARGET_PRECISION} | {best['threshold']} | "
            f"{best['recall_at_1']} | {best['recall_at_10']} | {best['precision']} | |"
        )
    lines += [
        "",
        "## Recall@10 by category",
        "",
        "| category | cases | fedgate | nomenklatura logic-v1 |",
        "|---|---:|---:|---:|",
    ]
    for category, value in ours["recall_by_category"].items():
        lines.append(
            f"| {category} | {result['categories'][category]} | {value} | "
            f"{theirs['recall_by_category'].get(category, 0)} |"
        )
    alone = result["fedgate_names_alone"]
    lines += [
        "",
        "## Names alone (birth dates left out of every query)",
        "",
        f"fedgate recall@1 {alone['recall_at_1']}, recall@10 {alone['recall_at_10']}; "
        f"{alone['hits_per_query_mean']} hits per query above the threshold on average. "
        f"{alone['targets_with_ten_namesakes']} targets share their exact name with ten or more pool records "
        "(the name books are small), which no names-only search can single out of ten hits; without them, "
        f"recall@10 is {alone['recall_at_10_fewer_than_ten_namesakes']}. The hard non-match's "
        f"own record (another given or family name) is returned for {alone['near_miss_returned']:.1%} of the "
        "non-match queries. No precision is given: without a birth date a namesake in the pool is as good an "
        "answer as the target.",
        "",
        "| category | recall@10, names alone |",
        "|---|---:|",
        *(f"| {category} | {value} |" for category, value in alone["recall_by_category"].items()),
    ]
    lines += [
        "",
        f"Non-matches: {result['categories'].get('other_given_name', 0)} with another given name and "
        f"{result['categories'].get('other_family_name', 0)} with another family name than a pool record "
        "(a similar one where the name books allow), with that record's birth date. Wrong best hits above "
        f"the threshold (for non-matches and matches together): fedgate {ours['false_positives']}, "
        f"logic-v1 {theirs['false_positives']}.",
        "",
        "## Score distributions",
        "",
        "The target's score for matches, the best candidate's score for non-matches; every candidate scored in "
        "full, below the threshold too.",
        "",
        "| score | " + " | ".join(f"{b:.1f}–{b + 0.1:.1f}" for b in BUCKETS[:-1]) + " |",
        "|---|" + "---:|" * 10,
        "| fedgate, matches | " + " | ".join(map(str, ours["match_scores"])) + " |",
        "| fedgate, non-matches | " + " | ".join(map(str, ours["non_match_scores"])) + " |",
        "| logic-v1, matches | " + " | ".join(map(str, theirs["match_scores"])) + " |",
        "| logic-v1, non-matches | " + " | ".join(map(str, theirs["non_match_scores"])) + " |",
        "",
        MATCHER_NOTES,
    ]
    return "\n".join(lines) + "\n"


MATCHER_NOTES = """## How fedgate matches names

Names are analysed with [rigour](https://github.com/opensanctions/rigour): tokens, name-part tags,
phonetic codes and name symbols that tie Иван to Ivan and Mohammed to Muhammad. Name parts pair, in
this order:

1. **Symbols** — the same known name in any script or spelling (`phonetic` within a script,
   `transliterated` across scripts).
2. **Initials** — "M." pairs with a part beginning with M (`partial`, scored 0.6).
3. **Abjad spellings** — a part written in Arabic or Hebrew pairs with a Latin part that spells each of
   its letters in a usual way, in order, adding only short vowels (`node/matching/abjad.py`): Nabeel = نبيل,
   Shmuel = שמואל; Mahmoud ≠ محمد, whose long vowel is missing. The Arabic article (ال, Al-) may be
   written apart or not at all (`transliterated`, 0.9).
4. **Sounds across scripts** — parts written in different scripts that are still apart are read as
   sounds (`node/matching/sounds.py`): consonant classes (b/p/f/v; k/q/c; g; s/z/ts/sh/ch; j/zh/dzh; t/d/th;
   l; r; m; n; weak h/w/y) and, between alphabets (Latin, Cyrillic, Greek), vowels that cost little to
   change; beside Arabic or Hebrew consonants only; Chinese characters as pinyin syllables, each reduced
   to the consonants a foreign name spelled with it carries (斯 s, 爾 r, 德 d), with the r or l that ends
   a Latin syllable optional. A weighted edit distance (near classes such as g/k, h/g, j/s, l/r, m/n cost
   less) pairs parts at 0.7 or more (`phonetic`, 0.95 × the likeness): Hurwicz = гурвич, Driver = درايفر,
   Cousteau = 庫斯托. Parts only loosely alike (0.55 to 0.7: Ragas = 拉格, whose s Chinese leaves
   unwritten) pair when they begin with the same or a near sound and another part of the name already
   pairs surely — never a name made of loose likenesses alone. Chinese writes a syllable's final n and the
   next initial n once (Nanda = 難陀); an Arabic part is heard with and without its article
   (Ouertani = الورتاني); an h an abjad writes first in a name is a sound the other side must have (Alice ≠
   היילס, Hayles). A few letters are heard as more than one sound, each at a small cost: a Latin ch as the
   English ch, a k (Zachariah زكريا), the German ch (Averbuch авербух) or the Hebrew het (Chaim חיים); a
   Latin c before ae as k or s (Caetano Каэтану, Caecilia Цецилия); a kn beginning a name and an h after a
   vowel before no vowel as said or silent (Knight Найт, Knopf Кнопф; Lehmann Леман, Mehmet Мехмет), and so a
   d before t (Brandt 布兰特, Арндт); a Latin th, as Chinese hears it, as t or s (瑟 Thurman); pinyin x as s or a
   foreign h (曉 Hummels), r as r or a French j (儒 Jouhaux), y as nothing, y or a German j (揚 Jannick), wu
   as a vowel or a w (伍
   Woodroffe), hu before a vowel as h, w or v (華 Washington, Howard); Chinese writes the Latin nominative
   out (尤利烏斯 Julius), other alphabets drop it. An abjad's waw or vav after a letter and before no vowel
   is a vowel or half a diphthong (بول Paul, as a Latin aw or ow), and its final he after a consonant, or a
   ta marbuta, may be unwritten (פריירה Ferreira, حمزة Hamza). A Latin part that looks French (oi, eau, au,
   eux, gn) is also heard as French says it (Dubois = Дюбуа = 杜布瓦), and beside Chinese with a tr or dr
   as ch (Tracy = 崔西) (`node/matching/spoken.py`). A name in Traditional characters is also heard as Hong
   Kong writes a foreign name, in Cantonese (史葛 si got = Scott; a final stop or m as the syllable Mandarin
   writes for it), not one in Simplified characters.
   Two known names that rigour's symbols keep apart are not paired so (Oksana ≠ Ксения; beside an abjad
   when one is a common name: Mahmoud ≠ محمد, Hila ≠ יעל) unless they sound the same (0.9 or more) and,
   beside an abjad, the other is rarer: Wikidata keeps an item per spelling (Majid, Маджид), and rigour
   links few Hebrew spellings to Latin ones (Lindsay, לינדזי). Coarser sound classes are also blocking
   keys, alone and in pairs of parts. No table of spellings is involved: the classes are written in the
   module.
5. **Residue** — rigour's edit-cost comparison; parts its budget keeps apart are paired again when one
   or two typos apart (Damerau–Levenshtein, two only from five letters on) (`fuzzy`).
   Romanised Chinese parts are syllables: only (near) exact syllables pair.

Chinese records are also indexed and compared in pinyin, and a Latin query is also read as Wade–Giles
(`node/matching/wadegiles.py`): Hsiao-ming = 晓明, Tzu-yung = 慈庸 (tz and ss are written only before ŭ).
Names in characters are also read in Cantonese and Hokkien (`node/matching/dialects.py`; each character's
readings from cantonese-romanisation, MIT, and taibun, whose data is CC BY-SA 4.0), one Latin part a
character, each character in either tongue or in Mandarin (Hsiao Bi-khim = 蕭美琴, Wade–Giles and Hokkien),
the family name first or last, and indexed under the Cantonese and Hokkien readings: Tang Ka-piu = 鄧家彪,
Ieong Chi Kin = 楊志堅 (Macao), Tan Kah Kee = 陳嘉庚 (`phonetic`, 0.95). Cyrillic and Greek are transliterated by rigour.

A birth date agreeing exactly raises a name score that is already 0.6 or more, a partial agreement
(same year with day and month swapped or one of them different, or a less precise date) raises it
less, and a contradicting date lowers any name to 0.65 of its score — below the default threshold: a
namesake born on another day is not a hit. Every hit says which properties matched and how
(`exact`, `transliterated`, `phonetic`, `fuzzy`, `partial`): `Hit.matched` on the wire, `matched` in the API.

Speed: the blocking index returns records born the same day first (a name in another script or
mistyped shares few keys), then those sharing the most and rarest name keys, reading at most
`max_postings` index entries from packed posting lists; a candidate whose birth date, nationality or
gender rules out the threshold is dropped before its names are analysed. Queries per second are
those of one process on one core, the first pass over the set meeting every record's names for the
first time; from run to run on this machine they vary by about a tenth.

## Known limits

- **Names alone are much weaker.** Every query in the set carries a full birth date; run without it
  (the section above), recall@10 falls to 0.8066 — 0.8687 leaving out the
  targets that share their exact name with ten or more pool records, whom no names-only search can
  single out. When one part of
  the name is misspelt or spelt another way, only the other part's keys are shared, and a common given
  name lists far more records than `max_candidates`, all sharing the query's keys alike ("Jörg
  Schdmitt": the target Jörg Schmitt ties with every Jörg). The store then reads up to 200 of the
  records the keys rank alike (since issue 18: whenever the record past the cut has 0.1 of the best key
  weight or more, 0.2 when one of the first is spelt as asked; 0.3 with a full birth date, and until
  2026-12-05; 0.2 until 2026-12-06) and keeps those spelt most like the query (rapidfuzz token-sort ratio on ASCII
  spellings) or, in another script, sounding most like it (each part's coarse sounds, Levenshtein),
  which took names-alone recall@10 from 0.66 to 0.73 and names-only queries from about 560 to 370 per
  second on the own set (measured 2026-11-28). On the real-world set a name written in Arabic, Hebrew
  or Chinese shares no spelling key with its Latin form; since issue 18 each part's coarse sound
  (consonant classes an ear confuses merged, weak sounds gone: هند الزين and Hind Al-Zein both HND ZN) is
  a key on both sides, alone and in pairs of parts. Names-alone recall@10 on the real-world set went
  from 0.698 to 0.8397 (tune) and from 0.6977 to 0.8307 (held-out), with birth dates unchanged (0.9294
  and 0.9078 at precision 0.9966 and 0.9947). Keys with any one sound left out (Dentatus 登塔图斯,
  TNTS/TNT) used up the invented names of the side-channel tests when single parts had them; since store
  format 5 only pairs of parts do (two parts' sounds with one sound of either left out: Ferrier Cavallini
  פרייר קווליני, BR KBRN and BR KRN), and the likeness that chooses among the records the keys rank alike
  goes part by part (a part less alike than 0.5 to every part of the record counts nothing, as scoring
  would leave it unpaired; across scripts by the weighted sounds of scoring, not the coarse ones), so that
  a namesake in one part no longer outranks a name whose every part sounds alike. Names-alone recall@10
  went to 0.8763 (tune) and 0.8617 (held-out) on the real-world set and to 0.8226 on the own set (from
  0.7868), with birth dates unchanged (precision on tune 0.9955); stores grew by 16 % (real-world pool)
  and 29 % (own pool); names-only queries per second on one core (quiet machine, two runs each) went from
  199–218 to 184–190 on the real-world pool and stayed at about 210 on the own pool of 100,000 (198–223
  before, 210–211 after): issue 18's 1,000 is far off. Reading the shortlist for every names-only query reached
  0.8944 and 0.8789 at about 90–100 queries per second: not kept. Issue 18's 0.95 is not reached. What
  remains (tune, names alone, 233 misses of 1,884): 89 targets are found but score below the threshold
  without a date — one part pairs and the other does not (Hutchinson Aeschylus 哈钦森·埃斯库罗斯, Micah Michl
  米卡·迈克), and some pairs in the source are translations, not transliterations (Kerry Air 克里·飛天, Crown
  Reymont נסיך ריימונט); 54 share no
  key the store reads (their parts' sounds are one apart in both parts, or two apart in one: Sanou Langan
  سانو لانجان, RN and RNSN); 71 share a key but other records weigh more and the shortlist is not read or
  does not choose them; 19 share keys with more records than the shortlist reads (Issa Yoann עיסא יואן:
  S N, one record in twelve). Chinese transcription also makes unrelated names sound
  alike to scoring (Varda Vigny and 布丽塔·叶甫根尼娅, bù lì tǎ yè fǔ gēn ní yà: both B R T, B G N). Since then
  Hebrew ג, ז and צ are also spelled j, zh and ch, as a geresh (which name analysis drops with every other
  mark) makes them: Gilad Djimon גלעד דג'ימון scored 0.42 and scores 0.95; on the real-world set Hebrew with
  birth dates went from 0.9245 (before this session) to 0.9349 (tune) and from 0.9481 to 0.9508 (held-out), names alone overall to
  0.8779 and 0.8623, precision unchanged (the figures above; their queries per second were measured while
  the test suite ran beside them). Later, letters heard as several sounds (item 4 above: a Latin ch and th,
  pinyin x, r, y and wu, the Latin nominative in Chinese) and rarer known names that sound the same beside
  an abjad took the real-world set with birth dates to 0.9453 (tune) and 0.9271 (held-out), names alone to
  0.8891 and 0.8751, at precision 0.9955 and 0.9948 (Chinese with birth dates, held-out: 0.90 and 0.93
  simplified, 0.876 and 0.889 traditional, from 0.87/0.86 and 0.85/0.83). Blocking keys did not change
  (the keys of 59,250 records hash the same), so stores stay at format 5. On the own set names alone went
  from 0.8226 to 0.8066: the targets lost rank among records that tie with them at 1.0 (ten exact
  namesakes of Salma Hamdan ahead of her), whose order follows the likeness of the shortlist and has no
  right answer; with birth dates its wrong best hits went from 12 to 14 the same way. Letting every rarer
  known name pair beside an abjad (Hila, יעל: Yael) cost five wrong best hits on the own set's
  other-given-name non-matches: not kept. Given-name
  variants and initials beside a common family name are the rest on the own set; a bigger candidate
  budget helps there (`max_candidates` 500 reached 0.87 at 81 queries/s).
- **Names alone, since 2026-12-05.** The shortlist of records the keys rank alike is read whenever the
  record past the cut weighs 0.2 of the best or more (was 0.3): names-alone recall@10 on the real-world set
  went from 0.8891 to 0.9045 (tune) and from 0.8751 to 0.8901 (held-out), with birth dates and precision
  unchanged, at about an eighth fewer names-only queries per second (alternating runs on the real-world tune
  split: 75–97 before, 65–87 after). A query with a full birth date reads it as before (0.3): there reading
  more found no more targets and cost a sixth of the queries per second. Reading it for every names-only query
  reached 0.9098 on tune at a third fewer: not kept. Hits of equal score are ordered by their records'
  references, which a node draws at random at import (no import order shows); the evaluation's stores now take
  them from the entity ids, so that ties among exact namesakes fall the same way in every build of a store (the
  own set's names-alone figure had moved between 0.81 and 0.83 from build to build of the same code). What remains on tune (180 misses of 1,884): 70 found but below the
  threshold (one part unpaired), 54 sharing no key the store reads, 56 sharing keys with more records than the
  shortlist reads or chooses; 75 of the 110 not found are Chinese, whose transcriptions reduce to short coarse
  sounds that many records share (比德·费边 Bede Fabius: BT and BN).
- **Names heard by ear, since 2026-12-06.** Four readings in scoring only, the blocking keys unchanged
  (item 4 above: an abjad's vowel letters, pinyin hu, a French reading, tr and dr beside Chinese). The
  real-world set with birth dates went from 0.9453 to 0.9575 (tune) and from 0.9271 to 0.9346 (held-out),
  Chinese traditional from 0.9288 to 0.9446 and from 0.8787 to 0.8868; names alone from 0.9045 to 0.9167
  and from 0.8901 to 0.896; precision from 0.9955 to 0.995 (a ninth sibling hit: a given name paired loosely,
  at 0.6, beside the shared family name) and from 0.9948 to 0.9954. The own, Greek and romanised sets did
  not move with birth dates (own names alone 0.8113 to 0.8132). Of the 80 misses left on tune with birth
  dates, about 56 are pairs in the source that are not two spellings of one name: another name (Kusumoto
  Badera, кусумото александр), a translation or a title (Kerry Air, 克里·飛天; Frazier Candiano, פרייזר
  השני, "the second"), a part missing or added; about 24 are the same name by an ear the rules do not
  reach (Caesar, سيزر, a c before ae; Boehm, бём; Alec Kneale, אלק ניל; Araujo, 阿蘭霍). The first kind caps
  what any matcher can reach on this set at about 0.97 with birth dates. Since store format 7 a c before ae
  is read as k or s (Caesar, سيزر: tune 0.9581), and a kn beginning a name and an h after a vowel before no
  vowel as said or silent, a tz beside an h as tz and h (Kneale, ניל; Boehm, бём; Yitzhak, Ицхак): tune
  0.9591, held-out 0.9346 to 0.9362 (Chinese traditional 0.8895), names alone 0.9177 and 0.8982. Reading
  names in Traditional characters in Cantonese as well (item 4) took tune to 0.9613 (Chinese traditional
  0.9525) at precision 0.9951, and held-out to 0.94 (Chinese traditional 0.903, over 0.90) at precision
  0.9938: three more sibling hits there (11), none more on tune once Simplified characters were left out. A d before t
  heard as said or silent (Brandt 布兰特 bù lán tè, Арндт) moved names alone on held-out from 0.8998 to
  0.9003 and nothing else. On held-out, read once pair by pair to report and not
  tuned on: of its 122 misses with birth dates, 62 are not two spellings of one name (another name for a
  part, a translation or title, a name in kanji or characters of its own), 8 unsure, and 52 the same name by
  an ear the rules do not reach (French spellings, silent letters such as the k of kn, Cantonese or Hokkien
  readings of a foreign name's characters, English spelling: Virtue 維裘); finding every one of those would
  take held-out to about 0.96, Chinese traditional (42 misses, 23 by ear) to about 0.95.
- **Store format 7, since 2026-12-06.** Each name part's first letter is a key beside every other part
  (K beside Brandt), except in names in Chinese characters, whose syllables' first letters say nothing:
  among thousands of records sharing a common family name, an initial or a misspelt given name finds the
  few in its letter. Own set, names alone: 0.8132 to 0.8292 (0.8783 to 0.8938 without the large namesake
  groups; typo_one 0.829 to 0.943, typo_two 0.817 to 0.883, initials 0.3 to 0.44; arabic 0.667 to 0.633 and
  hebrew 0.629 to 0.614, where Latin records in the letter now outweigh a few targets in the other script);
  with birth dates unchanged; the real-world set unchanged; the own pool's store 9 % larger. Of the own set's
  88 names-alone misses left, 66 are found but outranked, nearly all by records bearing the query's given and
  family name with another patronymic or in another script (Pavel Kozlov behind ten Павел … Козлов), whom
  the exact-name rule above does not count as namesakes; 22 are not candidates. A longer shortlist is a dial
  between recall and speed: reading up to 400 records whenever the record past the cut weighs 0.1 of the
  best (200 and 0.2 then) took names alone to 0.9289 (tune) and 0.9073 (held-out) on the real-world set and
  0.8425 on the own set, at 132 instead of 215 names-only queries per second on the own pool: not kept.
- **Compiled kernels and store format 8, since 2026-12-06.** The sound distance (the weighted edit distance over
  the sound classes' costs) and the shortlist's part-by-part likeness run compiled (`native/`, Rust with PyO3:
  the module `fedmatch`), the same number to the last bit for every input (property tests against the
  textbook computations); the costs stay defined in Python. Each record's full names are stored beside its
  properties (store format 8), and the shortlist reads those alone, reading whole only the records it keeps.
  Names-only queries per second on the own pool, one core, queries not met before: about 137 to about 200
  (alternating runs); the same candidates in the same order, every figure unchanged. With the shortlist
  cheaper, it is now read whenever the record past the cut weighs 0.1 of the best (was 0.2), but for a query
  spelt exactly as one of the first records (0.2 there: most searches are for a name as stored, and reading
  the shortlist for them too made bench node_search's hits at 100,000 records half as slow again on SQLite,
  twice as slow on PostgreSQL). Names alone 0.9188 to 0.9241 (tune) and 0.9003 to 0.9057 (held-out) on the
  real-world set, 0.8292 to 0.8302 on the own set (0.8926 without the large namesake groups, unchanged; 0.1
  for every query too: 0.8349 and 0.895), at no queries per second measurably fewer. Reading
  up to 400 records instead of 200 took tune to 0.9321 (600 or 1,000: 0.9347), at about 120 instead of 200
  names-only queries per second on the own pool: not kept. What costs a search now is the Python around the
  kernels (each record name's ASCII spelling and sounds, the scoring of the candidates with rigour's name
  analysis): 1,000 queries per second needs them compiled too.
- **Latin names as the tongue of their spelling says them, since 2026-12-06.** Beside its spelling (and, with a
  French look, as French says it), a Latin name part with letters only German, Polish, Hungarian, Spanish or
  Italian write so is also heard as that tongue reads them (node.matching.spoken.TONGUES, from each tongue's
  orthography: j as y, ei as ai, oe as yo; cz, rz, w as v; cs as ch, zs, gy; j as h, ll as ly; gn, gli, ch as
  k), for scoring across scripts only (the keys, and so the store format, are unchanged). A look is letters no
  English name has too: a review found a final ll read as Spanish pairing Hall with علي (Ali), a final ly
  read as Hungarian Emily with Amy, a first j read as German Julie with Юлий; those looks were narrowed before
  the figures here. Real-world tune with birth dates 0.9613 to 0.9623, names alone 0.9241 to 0.9252, wrong
  best hits unchanged (9); held-out 0.94 to 0.9421 and 0.9057 to 0.9073 (11 wrong best hits, unchanged); the own, Greek and romanised sets unchanged. Tried and
  not kept: an initial w read as a German or Polish v (one more wrong hit on the own set: Weissman heard as
  פרידמן); Italian c before e or i as ch (two more on tune); Portuguese, Dutch and English readings (lh, nh;
  ij, ui; wh, ee, oo, qu as kw), which changed nothing on tune; pairing two parts rigour knows as different
  names from a likeness of 0.7 instead of 0.9 (tune with birth dates 0.9639, but 13 to 22 wrong best hits on
  the own set); a likeness floor of 0.2 instead of 0.5 for parts compared by sound in the shortlist (tune
  names alone +0.002, the own set -0.001).
- **Sounds as the other script writes them (store format 9), since 2026-12-06.** Names alone, most of the
  real-world targets not found were never candidates: their keys by sound differed where one script writes a
  sound another's ear hears otherwise. Each part is now also keyed as the other side writes it: a pinyin j or q
  as the k or g it writes for foreign names (加 jiā: Gad; Cantonese Kam, 金 jīn), an Arabic final ta marbuta as
  the a it is said (راوية Rawya), a Hebrew ג' as the j its geresh makes (rigour's part forms leave the mark out,
  so ג'ונה had been keyed as a g). A Latin part is also keyed as Chinese writes it: a v before a vowel as the w
  the keys leave out (Ervin 埃爾文 ài ěr wén), a th as an s (Kathryn 凱瑟琳), and as the tongue whose look it has
  says it, as scoring already hears it (Delacroix 德拉克洛瓦, as French). Those keys are kept apart (node.matching.keys)
  and meet only a name in Chinese, whose sounds are keyed apart for them a second time: among the shared keys,
  Latin and Cyrillic names met by chance (Pavlovich, heard as Chinese writes it, as Boris; the own set lost
  eight queries by name alone and gained four, and made-up names read enough records more that PostgreSQL's
  no-hit p50 during changes passed its 5 ms target). Keys only: scoring is unchanged, so the figures with birth dates are. Real-world
  tune names alone 0.9273 to 0.9384 (simplified Chinese 0.9093 to 0.928, traditional 0.8945 to 0.905; one
  Hebrew query fewer), own set names alone 0.8302 to 0.8321 (no query lost), Greek tune unchanged; held-out
  above (names alone 0.9089 before); the romanised set unchanged. A review of the first version found an
  apostrophe in a Ukrainian name taken for a geresh, a Chinese name's pinyin twin keyed as a Latin name (the
  gy of guangyao as Hungarian), and zh keyed as k (张): fixed, and tests. Beside it, in scoring: an English
  final ey after a consonant, past a name's first syllable, is also heard as the i other scripts write (Dempsey
  Демпси, Stanley Стэнли; not Frey Фрей): it lifts a pair of names rigour knows as different items above the
  likeness that lets them pair (Quincey куинси). Real-world tune with birth dates 0.965 to 0.9655, names alone
  0.9384 to 0.939, wrong best hits unchanged; the own, Greek and romanised tune sets unchanged. A store of 100,000
  synthetic records (no name in Chinese) is about 5 % larger (docs/benchmarks.md). Still without a shared key:
  a Latin w that Russian writes as в (Iwatora иватора), an Italian gh heard as silent (Beghe 貝吉), a Serbian nj
  (Nemanja 內馬尼亞), a particle read as a name on one side only (Da Jarrar דה ג'ראר).
- **The rarest keys' records, since 2026-12-06.** Names alone, a record whose name is written in another script
  often shares a single rare key with the query (the sounds of two parts together), while hundreds of others share
  several common ones (a given name's, in every spelling and by every reading): summed, their weights put the target
  past the 200 records whose names the shortlist reads. The shortlist now holds, besides those, the records of the
  query's rarest keys, rarest first, up to 400 together (TUNABLES.rare_key_records), whatever they weigh; the
  likeness of their names chooses among them as among the rest. Keys and scoring are unchanged, and so are the
  figures with birth dates. Real-world tune names alone 0.939 to 0.9443 (simplified Chinese 0.928 to 0.9333,
  traditional 0.905 to 0.9235), held-out 0.9196 to 0.9239 (simplified 0.904 to 0.9173, traditional 0.8652 to
  0.8733); the own set names alone unchanged (0.8321; 0.8938 to 0.8926 without the large namesake groups), the Greek
  and romanised sets unchanged. Names-only queries per second on the own pool, first pass, 226 to 202 (one run
  each). Tried: 60, 150 and 400 records under each key, not in all (0.9443, 0.9464, 0.9496, reading without bound at
  a country's scale); a budget of 800 (0.9485 at 157 queries per second); pair keys only (0.9448 at 400, 0.9464 at
  800). Still never candidates by names alone on the tune set: 24 targets that share no key with the query at all
  (of them, by their kind: a Latin w that Russian writes as в, Iwatora иватора; a Latin g before i that an Arabic غ
  writes hard, Shugi شوغي; a particle on one side only; regnal numbers before the name; translated names, and
  Wikidata labels of two different people), and 20 whose shared keys are too common or past the budget.
- **A soft g also keyed hard (store format 10), since 2026-12-06.** A Latin g before e, i or y is soft in English
  and the Romance tongues, hard in German and Japanese and in every name in Cyrillic (Гена), and an abjad writes it
  hard (Shigeru شيغيرو, with its ghain): a Latin or Cyrillic part with one is now also keyed with it hard (not a
  pinyin ng before a y, Mingyu, which a review found sharing a key with Mike; nor a Greek γ). Keys only; scoring and
  the figures with birth dates are unchanged. Real-world tune names alone 0.9443 to 0.9464, held-out 0.9239 to
  0.925; own set names alone 0.8321 to 0.834 (0.8926 to 0.895 without the large namesake groups), wrong best hits
  unchanged (13). Tried beside it and not kept: a Latin w also keyed as v (Iwatora иватора; tune 0.9469 with the
  article below, but one more wrong best hit with birth dates on the own set, 14), and an Arabic part with its
  article joined also keyed without it (اليعقوبي, Yacoubi: nothing gained on tune, one query lost on the own set).
- **Names as the other script writes them, since 2026-12-07.** The tune split's remaining misses are mostly
  labels that name other people, so the misses were looked for in a diagnostic set drawn beside it: the same
  source and construction, another seed, no name part that only held-out cases have (3,750 matches, 750
  siblings; kept out of the repository and out of these figures). Scoring only, the store format stays 10:
  - a part spelled alike in ASCII on both sides pairs with its twin only (Tomoe Tome, томоэ томэ, had paired
    crosswise by sound, 0.59);
  - a Japanese name in Hepburn is also heard as Russian writes it by Polivanov's system (Chiaki Тиаки, Junko
    Дзюнко), a Chinese name in pinyin as Russian writes it by Palladius's (Xiaodong Сяодун, Zhiqiang Чжицян) and
    as Arabic and Hebrew write pinyin's letters (x as sh, q as ch);
  - a Latin au before a consonant as av beside Cyrillic (Augustinus Августин), a first j before a vowel as y
    beside Cyrillic and Greek (Jaakko Яакко; not in a pinyin name, Jun, nor beside an abjad, Jasir);
  - heard in scoring, not keyed: a g before e or i also hard (Hegel 黑格尔), an English wh as w, a French ill
    as y (Mireille 米雷耶);
  - a record found by its birth date alone passes the cheap look at its letters also when they are the query's
    as Cyrillic writes it (a Japanese name scored 0.98 had been dropped there).
  A review of these readings found pinyin's h written kh (rigour spells Х h), the j of Jun read as Юнь and of
  Jasir as ياسر, and Aquilla's ill read as French: fixed before the figures below but the diagnostic set's,
  which are of the version before (after them: 0.9536 with birth dates, the j of two Hebrew queries no longer
  heard as y; names alone 0.9293; wrong best hits 19).
  Diagnostic set with birth dates 0.9499 to 0.9544 (Cyrillic 0.9387 to 0.9507, Hebrew 0.968 to 0.976, Arabic
  0.9827 to 0.984), names alone 0.9256 to 0.9299, wrong best hits unchanged (19). Real-world with birth dates: tune unchanged (0.9655, 9
  wrong best hits), held-out 0.9448 to 0.9459 (Cyrillic 0.9437 to 0.9491, the rest as before; 12 wrong best
  hits, as before); names alone tune 0.9464 (unchanged), held-out 0.925 to 0.9255. Greek held-out 0.9257 to 0.9392
  (names alone 0.9054 to 0.9189: the two queries lost on 2026-12-06 are found again); Greek tune, the romanised
  set and the own set unchanged.
  Tried and not kept: the known-name gate beside alphabets from two Wikidata items instead of one (McNealy and
  макнили are two items): two diagnostic queries more, but on the own set names alone 0.834 to 0.8321 and one
  more wrong best hit. Also since then: a search's store side and its scoring are cheaper with every hit the
  same (sums of posting weights without a Python loop, namesakes' stored names compared once, record names
  analysed once per text: 18,342 hits compared, all the same; about a tenth more names-only queries per second
  on alternating runs, which the readings above about spend again), and which of equally alike records of
  the rarest keys are kept no longer depends on the process (a set's order had chosen; now the order they were
  stored in).
- **什 read shí, and an abjad's ng and ts as two sounds (store format 12), since 2026-12-08.** Of the diagnostic
  set's 45 Chinese targets found with a birth date but not by names alone, 24 shared no key with their record. In
  five the record's 什 had been romanised shén, as rigour's transliteration reads it in a word (什么), where every
  name Chinese writes says shí (阿什 Ash, 巴什基罗夫 Bashkirov): a name in Chinese characters is now romanised with
  it as shí, in its keys, its spelling and its sounds, and keeps its form, by which rigour knows names (阿什克罗夫特
  Ashcroft). An Arabic or Hebrew part's n before g and t before s (with an aleph between, too) are also keyed as
  two sounds beside the one a Latin ng or ts spells: the abjad leaves out the vowel the Latin writes between them
  (Ingemar אינגמר, Pilates פילאטס). Diagnostic set names alone 0.9445 to 0.9464 (simplified 0.9267 to 0.9307,
  traditional 0.9 to 0.9027, Hebrew 0.956 to 0.9587), with birth dates 0.9635 and 16 wrong best hits unchanged.
  Real-world names alone: tune 0.9538 to 0.9544 (simplified 0.944 to 0.9467), held-out 0.9362 to 0.9373 (Hebrew
  0.9563 to 0.959, Arabic 0.958 to 0.9606); with birth dates unchanged (tune 0.9666, held-out 0.9502, precision
  0.9951 and 0.9933); own, Greek and romanised sets unchanged. The queries per second above were taken on a slower
  run of the machine (logic-v1's, which nothing here changed, 163.1 to 111.5); the tune split's searches timed
  one after the other on the same store files, the version before and this one: 88.9 and 88.6 a second. A review
  then took an Arabic تش (its ch) out of the rule that keys a t and an s apart, and read 什 as shí also where a
  Chinese part is spelt against an abjad: every figure above the same.
  Tried and not kept: a Latin query's pairs of parts also looked up with one sound left out of each (a syllabic l
  and a final d, which Chinese may both leave out): two diagnostic queries more for a quarter more keys a query;
  an abjad's first h left out of keys as a Latin h is (Hamdi حمدي): nothing found.
- **The Latin nominative beside an abjad, a v as Hebrew's vav, a hi as Chinese's xi, since 2026-12-07 (sixth
  change that day).** Heard in scoring: beside Arabic and Hebrew a Latin part also with its nominative kept, which
  they write out (Quintilius קווינטיליוס) where Cyrillic leaves it (Квинт); a Quintus had scored 0.0 against
  קווינטוס alone. Looked up only (records keep store format 11's keys, as the ch as k): a Latin query's keys by ear
  also with its nominative kept, and with a first v and each v before a vowel as the vav Hebrew writes for it (keyed
  as the w keys leave out: Volker וולקר; a final v Hebrew writes ב, Volkov וולקוב), a Hebrew query's with a first or
  doubled vav as a v (where a Latin record keeps its own); a Latin query's keys as Chinese writes them also with an h
  before an i as the x of 希 (Hilma 希爾瑪; not a digraph's h, nor in a Hepburn name), a Chinese query's with a
  syllable xi as a bare i. A review found the first version reading every v as a vav (Volkov's final v is a ב) and
  the h of rh, lh and of Hepburn names: fixed before the figures below. Diagnostic set with birth dates 0.9632 to
  0.9635 (Hebrew 0.9787 to 0.98), names alone 0.9424 to 0.9445 (Hebrew 0.9467 to 0.956, simplified 0.9253 to
  0.9267); no new wrong best hit. Real-world tune unchanged (0.9666, names alone 0.9538). Real-world held-out with
  birth dates 0.9496 to 0.9502 (Arabic 0.9659 to 0.9685; precision 0.9933, unchanged), names alone 0.9352 to
  0.9362 (Hebrew 0.9536 to 0.9563, Arabic 0.9554 to 0.958). Own set names alone 0.8377 unchanged (0.8986 to 0.8974
  without the large namesake groups: a Sulayman Yunus now ranks below its namesakes in Cyrillic and Hebrew, found
  by the nominative kept); with birth dates unchanged; Greek and romanised sets unchanged. Tried and not kept: a
  Chinese query's g before an e also looked up soft, as a Latin record's keys as Chinese writes it hear it (Lenger
  倫格): nothing found on any set.
- **A final stop unwritten, a Dutch tj, a Vietnamese nh, Chinese regnal numbers, since 2026-12-07 (fifth change
  that day).** Heard in scoring only (keys unchanged), each beside the spelling: beside Chinese a final d or t
  after a vowel and an r or l as unwritten, as Taiwan's and older transcriptions leave it (Bayard 巴亞, Lenhart 倫哈;
  倫哈特 as before), and a Dutch tj before a vowel as the ch or j Chinese writes for it (Tjalling 佳林); a
  Vietnamese final nh as an n (Thanh תאן). Chinese writes a regnal number after the name, joined to it (奧托卡二世,
  Ottokar II): where names are compared it is now set apart (not after another numeral: 十三世 is thirteen; 一世
  only after three characters, Issei being a Japanese given name) and read as the ordinal (一世 to 十九世); the
  Roman X and XII to XIX are tagged beside rigour's I to IX (not XI, the pinyin Xi). A regnal number one side alone
  has weighs as a particle does, unless the other side has a part that may be another (Ottokar II is still
  not Ottokar III, nor X). Chinese titles written the same way (奧托卡王) were tried and taken out again: 王 as a
  name's last part is as often the family name 王 written last, and a given name alone then found it. Diagnostic
  set with birth dates 0.9624 to 0.9632 (traditional 0.928 to 0.932), names alone 0.9416 to 0.9424; real-world
  tune with birth dates 0.9655 to 0.9666, names alone 0.9528 to 0.9538; no new wrong best hit on any set; own set
  unchanged. Real-world held-out with birth dates 0.9491 to 0.9496 (simplified 0.944 to 0.9467), names alone
  0.9346 to 0.9352; Greek and romanised sets unchanged.
- **An ng as two sounds, a Slavic j, and more of a shortlist read, since 2026-12-07 (fourth change that day).**
  Heard in scoring only (keys unchanged): beside Chinese an ng within a name also as the n and g it writes with two
  syllables (Ingvar 英格瓦, Mingus 明格斯); a j between a vowel and a consonant as the y of South Slavic, Czech and
  Polish names, and in such a name a c as ts (Bajc Байц 拜茨, Mojca 莫伊察). Diagnostic set with birth dates 0.9613
  to 0.9624, names alone 0.9379 to 0.9384; tune unchanged. And names alone: when no record of a names-only query's
  shortlist is surely the name asked (0.9 alike) and fewer than the candidates are 0.75 alike, the next 400
  heaviest records' names are read too, and up to five of them 0.75 alike or more kept beside the shortlist's
  choice (not with a birth date, whose records born that day are candidates besides: read there too, they found no
  target and one more wrong best hit on the own set, Miriam Katzir in مريم القاسم). A name in
  another script may share only one pair of sounds with its record (hh:KN|SN for Aquino Holzman 阿奎諾·霍茲曼),
  which weighs less than a common part's many keys: eleven tune targets ranked 200th to 520th by key weight. Tune
  names alone 0.948 to 0.9528, diagnostic set 0.9384 to 0.9416 (with birth dates unchanged, 16 wrong best hits);
  own set names alone 0.8368 to 0.8377; the own set's searches read the names of 43% more records (its no-hit
  searches too). Tried and not kept: a shortlist of 600 always and 1,200 rare-key records (0.9533 each, +59% names
  read), the rare-key budget spent on pair keys first (two found, two lost), the next heaviest read in with the
  shortlist and chosen among (more alike junk displaced targets chosen before: Wade-Giles on the own set 0.957 to
  0.943, one more wrong best hit on the diagnostic set). Real-world held-out, both changes: with birth dates 0.948
  to 0.9491 (traditional 0.9057 to 0.9111), names alone 0.9303 to 0.9346; Greek and romanised sets unchanged.
- **Chinese transcription tables, onsets and particles, since 2026-12-07 (third change that day).** From the
  diagnostic set's remaining misses and wrong best hits, in scoring only (keys unchanged, compared on both sides):
  a Russian name (kh, zh, yo, -ov, -enko…) heard as Chinese writes it by the Russian table, a t or d before a soft
  vowel as j and a kh as h (Tikhonov 季霍诺夫; Diana is not 吉安娜, Gianna); pinyin j also as the g the tables write
  with it (加 jiā: ga) at a fifth of a sound's cost, and beside Chinese a doubled g before e or i as one hard g
  (Jagger 賈格爾), an m closing a syllable as n (Kempf 坎普夫); a transcription beginning with a bare vowel's
  syllable (阿, 艾, 奧) pairs only a Latin part beginning with a vowel, an h, w or y, or an m or n before a
  consonant (consonants alone had paired Tilly with 阿蒂莉, Dysart with 愛迪生); a query's particle (Des, Al, Van)
  pairs a part it surely sounds like (Des 德斯, Al 艾尔). Diagnostic set with birth dates 0.9597 to 0.9613
  (simplified 0.948 to 0.9533, traditional 0.9213 to 0.924), wrong best hits 19 to 16, names alone 0.9371 to 0.9379.
  Real-world held-out 0.9469 to 0.948 (simplified 0.9413 to 0.944, traditional 0.903 to 0.9057; wrong best hits
  unchanged), names alone 0.9298 to 0.9303; tune, Greek, romanised and own sets unchanged. Tried and not kept:
  pinyin j also as k (Mac found 馬吉德, Majid), the doubled g beside an abjad (Higgins found ג'ויס), an m heard as n
  instead of beside it (Herm 赫姆 lost), a Latin vowel kept from a consonant's syllable (Iordache 洛达切 leaves its
  first vowel out: four targets lost).
- **More of a Latin name heard by ear, and a ch looked up as k, since 2026-12-07 (second change that day).** From
  the diagnostic set's remaining misses, heard in scoring only, each beside the spelling: English vowels as Cyrillic
  and Chinese write them by ear (a u before a doubled consonant or ck as a, Duffy Даффи; a first Mc as Mak, 麦克; a u
  before r and a consonant as ё, or e beside Chinese, Turnbull Тёрнбулл; a first y of an open syllable as ai, Tyler
  Тайлер 泰勒); a French final et or ais as e (Monet Моне, Calais Кале), a Slavic final ica as itsa (Zorica Зорица
  佐里察), a Latvian final js as y (Gundijs Гундий); a South Slavic ić written ic as ich (Jovanovic Йованович); a
  Vietnamese syllable's first tr as ch beside Cyrillic (Truong Чыонг); a final he after a doubled yod as a vowel's
  letter (סבוייה, Savoia). Looked up, not stored (the store format stays 11): a Latin query's ch also as the k
  Cyrillic, Greek and Hebrew write for it, under its by-ear keys (not an sch, nor in a pinyin or Hepburn name).
  Michael had shared no key listing few records with מיכאל: an own-set query found one of four namesakes, the one
  with a Latin alias. Diagnostic set with birth dates 0.9571 to 0.9597 (Cyrillic 0.96 to 0.964, Hebrew 0.9747 to
  0.9787, Arabic 0.9853 to 0.9867, simplified 0.9453 to 0.948, traditional 0.92 to 0.9213), wrong best hits
  unchanged (19); names alone 0.9349 to 0.9371. Real-world tune unchanged (0.9655, names alone 0.948); held-out
  0.9459 to 0.9469 (Hebrew 0.9727 to 0.9754, Arabic 0.9633 to 0.9659; 12 wrong best hits, as before), names alone
  0.9282 to 0.9298. Greek and romanised sets unchanged. Own set names alone 0.834 to 0.8368 (Hebrew 0.629 to 0.686),
  with birth dates one wrong best hit more (14: Michal Katzir found מיכל כץ, Katz, as loosely alike beside the same
  given name, 0.88, once the key made it a candidate). Found and not changed: of the own set's names-alone misses,
  about half tie with ten or more records at the target's score (a Pavel Kozlov among every Павел …ович Козлов); and
  a record whose Latin alias is spelt as asked lets the keys choose the other candidates without reading the
  shortlist, which drops the target's namesakes written only in the other script (reading it then too: names alone
  0.8425, but about a tenth fewer names-only queries per second).
- **Names heard and keyed as the other script writes them (store format 11), since 2026-12-07.** From the
  diagnostic set's remaining misses again. Heard in scoring: a final ot, ault or aux also with its letters beside
  Chinese (Kot 科特 had been heard as k alone); a French ill after gu (Guillot 吉约), a final ier or iers as ye and
  oux as u (Perrier Перье, Leroux Леру); a first x before a vowel as z beside an abjad or Chinese (Xanthe زانثي);
  a final he after a doubled vav as a vowel's letter (חווה, Chawa); English vowels as Cyrillic and Greek write
  them by ear (ea and ee as i, Treece Триз; the a of a name's one closed syllable as e, Tammy Тэмми); and a pinyin
  name's first x as s, not ks (a Xie had paired with a Hebrew Katz, a wrong best hit once the keys below made that
  record a candidate). Keyed: a Latin part also as Cyrillic, Greek and Hebrew write it by ear (a w before a vowel
  as v, a Japanese name by Polivanov's system, a Chinese one by Palladius's and as Hebrew writes pinyin's
  letters), kept apart from its other keys as the Chinese-written ones are: only a name in those scripts meets
  them. Tried and not kept: the same keys meeting every name (own set names alone 0.834 to 0.8264: Latin names
  met each other by them); kept apart but with the readings of whole tongues and au as av (keys kept apart are
  rarer and weigh more: a French name's au heard as av met every Igorevna before the right record; own set
  0.8311); beside Arabic too (Arabic writes a Latin w as a w: own set 0.8321, three Arabic queries lost).
  Diagnostic set with birth dates 0.9536 to 0.9571 (Cyrillic 0.9507 to 0.96, Hebrew 0.9733 to 0.9747, Arabic
  0.9827 to 0.9853, simplified 0.9427 to 0.9453, traditional 0.9187 to 0.92), wrong best hits unchanged (19);
  names alone 0.9293 to 0.9349 (Cyrillic 0.9413 to 0.96, Hebrew 0.9387 to 0.9413). Real-world with birth dates
  unchanged (tune 0.9655, held-out 0.9459; 9 and 12 wrong best hits); names alone tune 0.9464 to 0.948, held-out
  0.9255 to 0.9282 (Cyrillic 0.9383 to 0.9491). Own, Greek and romanised sets unchanged (own: recall@10 1.0, 13
  wrong best hits, names alone 0.834, 0.895 without the large namesake groups).
- **Titles, regnal numbers and the pairing of parts, since 2026-12-06.** A part that is the word for prince,
  princess, king, queen, saint or sheikh (Latin languages, Russian, Greek; Arabic and Hebrew with their
  article), or an ordinal word (Arabic, Hebrew, Greek one to ten; Russian to twelve), carries rigour's symbol
  for its title or number (NUMERIC 8 as for VIII), so that Carlos IV is كارلوس الرابع and King Faisal الملك فيصل
  (node.matching.titles, written from the grammars, not from an evaluation set). A title only before a name, a
  number only after one; a pair of them weighs nothing in the score (it takes the translated word out of the
  parts left unpaired, never raises a name's score or vouches for a loosely alike part); two title words that
  are both known names in alphabets never pair (King and Rey, Королева and Reina). A review of the first
  version found Rey Santos paired with King Santos and King Abdullah with الملك فهد (0.76); both are now tests
  that no hit is made. Beside it, three scoring changes from tune misses: a Latin v before a vowel heard as the
  Chinese w (维 wéi, 娃 wá) as well as the Spanish b; the sound pairs chosen as the pairing most alike together
  rather than the most alike pair first (node.matching.pairing); a part spelled alike on both sides counted
  as a sure pair beside which a loosely alike part may pair. Together: real-world tune with birth dates 0.9623
  to 0.965, names alone 0.9252 to 0.9273, wrong best hits unchanged (9); the own and Greek tune sets unchanged;
  held-out above (0.9421 and 0.9073 before; 11 wrong best hits then, 12 now); Greek held-out 0.9392 to 0.9257
  with birth dates, two of its 148 queries (the cause not looked for, to keep it unseen). (The spelled-alike part vouches only where both names have as
  many parts left: with one more on a side, rigour may join two, Καρά Γιουσούφ and Karagiousouf, which a loose
  pair taken first prevented on the Greek set.) Scoring only: the store
  format is unchanged. Not done: Chinese titles and regnal numbers (written joined to the name: 亨利八世),
  Roman numerals X to XII (rigour tags none), Persian titles. Also since then, the shortlist's likeness runs
  in one compiled call per group of names of one script (the same figures): names-only queries per second on
  the own pool about 3 % more. Tried and not kept: key weights as a power of the IDF (rare keys weighing more:
  tune names alone +0.001, own set names alone -0.005); caching each record's analysed names within a search
  (slower on a first pass).
- **Chinese names in their own romanisations** (the set above): Cantonese readings, and Mandarin beside
  Hokkien and Cantonese character by character, are new; names in characters are indexed under their
  Cantonese readings too (store format 6, every other key unchanged). A Western given name beside
  the family name alone (Andrew Wan, 尹兆堅) is not matched: against a name in characters alone it is neither
  confirmed nor refuted, and a family name with a birth date identifies nobody (tried, with a birth date a hit:
  precision on the set's siblings fell from 0.99 to 0.80; not kept). Readings neither table gives (王
  Heng in Teochew), Hakka and Foochow names and Malaysia's mixed spellings are the rest. Singapore's ck, eow
  and final ye (Bock, Cheow, Chye) are read since 2026-12-06: with birth dates, Singapore 33 to 38 of 91
  (tune), Malaysia 35 to 37 of 76 (held-out). Since store format 7 (below), Macao's e and o for an i or u
  before a final ng or k (Veng, Seng, Lok for Wing, Sing, Luk) and Singapore's g for Hokkien's ng before a
  vowel (吳 Goh, ngôo) are read into the keys: Singapore 38 to 41 of 91, Cantonese 55 to 57 of 110 (tune),
  Malaysia 37 to 38 of 76 (held-out), siblings unchanged.
- Translations and nicknames (Peter ↔ Pierre, Bill ↔ William) are not in the set: rigour knows some,
  fedgate does not add any.
- Greek names in anglicised spellings (Economou for Οικονόμου) miss unless a typo away.
- Hebrew and Arabic names whose Latin spelling drops a consonant (Yitzhak / Isaac) miss.
- Chinese names with a mistyped syllable miss on purpose: two letters make another syllable.
"""


def main() -> None:
    from fedeval.matching_greek import RESULT as GREEK_RESULT
    from fedeval.matching_greek import report_greek, run_greek
    from fedeval.matching_real import report_real, run_real
    from fedeval.matching_romanised import RESULT as ROMANISED_RESULT
    from fedeval.matching_romanised import report_romanised, run_romanised
    from fedeval.matching_structures import NAME_STRUCTURES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slice", type=int, help="cases of each kind (match, non-match) to run")
    parser.add_argument(
        "--real-only",
        action="store_true",
        help="measure the real-world set only, the project set's figures read from bench/results/matching.json",
    )
    args = parser.parse_args()
    result = json.loads((RESULTS / "matching.json").read_text()) if args.real_only else run(args.slice)
    text = report(result)
    if args.slice is None:
        result["real_world"] = real = run_real()
        greek = run_greek()
        romanised = run_romanised()
        notes = text.index("## How fedgate matches names")
        reports = (report_real(real), report_greek(greek), report_romanised(romanised), NAME_STRUCTURES)
        text = text[:notes] + "\n".join(reports) + "\n" + text[notes:]
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "matching.json").write_text(json.dumps(result, indent=2) + "\n")
        GREEK_RESULT.write_text(json.dumps(greek, indent=2, ensure_ascii=False) + "\n")
        ROMANISED_RESULT.write_text(json.dumps(romanised, indent=2, ensure_ascii=False) + "\n")
        (DOCS / "matching.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
