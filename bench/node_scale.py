"""A node's store at national scale: import rate, size on disk, search latency, searches during an import.

    python -m bench.node_search --records 10000000 --engine sqlite
    python -m bench.node_search --records 10000000 --engine postgresql

Records are synthetic FollowTheMoney Persons (about one in four with a Passport), generated from the name
parts of tests/data/matching_real (real spellings, composed people) with a fixed seed, and streamed as JSON
lines through the store's own import (`node.store.import_lines`, what `fedgate node import` runs) in one
transaction. A search is the node's matcher without the OPA call: candidates from the blocking keys, pre-filter
and scoring (`node.search.find_matches`), on one of the node's read connections. During the import of 100,000
changes (upserts and deletions, in another process as `fedgate node import` would be) two threads keep
searching. The machine's load (`uptime`) is recorded beside each figure: other work may share it.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from followthemoney import model

from fedcore.query import EntityQuery
from fedeval.harness import machine, percentile, versions
from node.config import DEFAULT_MATCHING
from node.matching import STORE_FORMAT
from node.pgsql import Location, PostgresDatabase, pg_connect
from node.search import find_matches
from node.store import Store, StoreError, connect, import_lines

ROOT = Path(__file__).resolve().parent.parent
NAME_POOL = ROOT / "tests" / "data" / "matching_real" / "pool.jsonl.gz"
SEED = 20261204
CHANGES = 100_000
NO_HIT_SYLLABLES = ["zor", "vak", "qui", "nel", "tox", "bry", "wex", "ulm", "gad", "pim", "fyr", "sko"]
TARGETS_MS = {"no_hit": 5.0, "hit": 10.0}
PERSON = model.schemata["Person"]
# The benchmark's own PostgreSQL server is set up as a national node's would be (Debian's defaults are for a
# small machine): a larger buffer cache, room for a bulk load's write-ahead log, memory to sort and group keys.
PG_SETTINGS = {"shared_buffers": "2GB", "max_wal_size": "16GB", "work_mem": "256MB", "maintenance_work_mem": "1GB"}


def _script(part: str) -> str:
    return "LATIN" if part.isascii() else unicodedata.name(part[0], "OTHER").split()[0]


@dataclass
class NameParts:
    """Given and family name parts of one script, each with a cumulative Zipf-like weight (a few are common)."""

    given: list[str]
    family: list[str]
    given_weights: list[float] = field(default_factory=list)
    family_weights: list[float] = field(default_factory=list)

    @classmethod
    def load(cls, seed: int) -> dict[str, NameParts]:
        """The pool's two-part names by script (a person's name is written in one script)."""
        given: dict[str, dict[str, None]] = {}
        family: dict[str, dict[str, None]] = {}
        with gzip.open(NAME_POOL, "rt", encoding="utf-8") as pool:
            for line in pool:
                for name in json.loads(line)["properties"].get("name", []):
                    parts = name.split()
                    script = _script(parts[0]) if len(parts) >= 2 else ""
                    if script and _script(parts[-1]) == script:
                        given.setdefault(script, {})[parts[0].title()] = None
                        family.setdefault(script, {})[parts[-1].title()] = None
        rng = random.Random(seed)
        scripts = {}
        for script in sorted(given):
            parts = cls(list(given[script]), list(family[script]))
            rng.shuffle(parts.given)
            rng.shuffle(parts.family)
            parts.given_weights = _cumulative(len(parts.given), 1.0)
            parts.family_weights = _cumulative(len(parts.family), 0.8)
            scripts[script] = parts
        return scripts


def _cumulative(count: int, exponent: float) -> list[float]:
    total, weights = 0.0, []
    for rank in range(count):
        total += 1.0 / (rank + 1) ** exponent
        weights.append(total)
    return weights


class Population:
    """The deterministic stream of records; person `n` is always `p{n}` (its passport, if any, `pp{n}`)."""

    def __init__(self, records: int, seed: int = SEED, sample: int = 2000) -> None:
        self.records = records
        self.seed = seed
        self.scripts = NameParts.load(seed)
        # Most records of a (Latin-script) country are written in Latin letters, some in another script.
        others = sorted(script for script in self.scripts if script != "LATIN")
        self.script_choices = ["LATIN"] * (9 * len(others)) + others
        self.persons = 0
        # Names of stored persons to search for, spread over the whole stream.
        self.sample_every = max(1, records // sample)
        self.sampled: list[str] = []

    def person(self, rng: random.Random, number: int) -> list[dict[str, Any]]:
        parts = self.scripts[rng.choice(self.script_choices)]
        given = rng.choices(parts.given, cum_weights=parts.given_weights)[0]
        family = rng.choices(parts.family, cum_weights=parts.family_weights)[0]
        born = (date(1940, 1, 1) + timedelta(days=rng.randrange(24_000))).isoformat()
        person_id = f"p{number}"
        properties = {
            "name": [f"{given} {family}"],
            "firstName": [given],
            "lastName": [family],
            "birthDate": [born],
            "nationality": [rng.choice(("fr", "fr", "fr", "de", "it", "es", "ma", "dz"))],
        }
        entities: list[dict[str, Any]] = [{"id": person_id, "schema": "Person", "properties": properties}]
        if rng.random() < 0.25:
            passport = f"{rng.randrange(100):02d}{chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
            passport += f"{rng.randrange(10**5):05d}"
            properties["passportNumber"] = [passport]
            entities.append(
                {
                    "id": f"pp{number}",
                    "schema": "Passport",
                    "properties": {
                        "number": [passport],
                        "holder": [person_id],
                        "surname": [family],
                        "givenName": [given],
                        "birthDate": [born],
                        "country": ["fr"],
                    },
                }
            )
        return entities

    def lines(self) -> Iterator[str]:
        """`records` JSON lines (persons and their passports), never all in memory."""
        rng = random.Random(f"{self.seed}:records")
        produced = 0
        while produced < self.records:
            number = self.persons
            self.persons += 1
            entities = self.person(rng, number)
            if number % self.sample_every == 0:
                self.sampled.append(entities[0]["properties"]["name"][0])
            for entity in entities[: self.records - produced]:
                produced += 1
                yield json.dumps(entity, ensure_ascii=False)

    def changes(self, count: int = CHANGES, round_: int = 0) -> Iterator[str]:
        """An import of `count` changes: 60 % replace held persons, 20 % add new ones, 20 % delete held ones.

        `round_`: how many imports of changes the store has had before (a kept store measured again): each
        round touches other persons and adds persons of its own, so that its deletions find records to delete
        and its additions are new."""
        rng = random.Random(f"{self.seed}:changes" + (f":{round_}" if round_ else ""))
        held = max(1, self.persons - 1)
        touched = rng.sample(range(held), min(held, count * 4 // 5))
        replaced, deleted = touched[: len(touched) * 3 // 4], touched[len(touched) * 3 // 4 :]
        for number in replaced:
            entity = self.person(rng, number)[0]
            yield json.dumps({"op": "MOD", "entity": entity}, ensure_ascii=False)
        first_new = self.persons + round_ * count
        for offset in range(count - len(touched)):
            yield json.dumps(self.person(rng, first_new + offset)[0], ensure_ascii=False)
        for number in deleted:
            yield json.dumps({"op": "DEL", "entity": {"id": f"p{number}"}})


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average: ")[-1]


def no_hit_name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(NO_HIT_SYLLABLES) for _ in range(3)).capitalize() for _ in range(2))


def query(name: str) -> EntityQuery:
    return EntityQuery(PERSON, {"name": [name]})


def search(store: Store, name: str) -> tuple[float, int]:
    """One search as the node runs it, without the OPA call: milliseconds and matches."""
    started = time.perf_counter()
    _, matches = find_matches(store, query(name), 10, DEFAULT_MATCHING)
    return (time.perf_counter() - started) * 1000, len(matches)


def latency(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(values, 0.5), 2), "p99_ms": round(percentile(values, 0.99), 2)}


def holds_records(location: Location) -> bool:
    """Whether the store at `location` exists and holds records (a kept store of an earlier run)."""
    if isinstance(location, Path) and not location.exists():
        return False
    try:
        connection = connect(location, readonly=True)
    except StoreError:
        return False  # an empty database (no tables yet)
    try:
        return connection.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None
    finally:
        connection.close()


def store_bytes(location: Location) -> int:
    if isinstance(location, PostgresDatabase):
        connection = pg_connect(location, application="fedgate-bench")
        try:
            return int(connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])
        finally:
            connection.close()
    return sum(path.stat().st_size for path in location.parent.glob(f"{location.name}*"))


def measure_searches(store: Store, names: list[str], queries: int) -> dict[str, Any]:
    rng = random.Random(f"{SEED}:queries")
    planned = [("hit", rng.choice(names)) for _ in range(queries)] + [
        ("no_hit", no_hit_name(rng)) for _ in range(queries)
    ]
    rng.shuffle(planned)
    for _, name in planned[:50]:
        search(store, name)  # warm the connection, the page cache and the matcher's caches
    times: dict[str, list[float]] = {"hit": [], "no_hit": []}
    found: dict[str, int] = {"hit": 0, "no_hit": 0}
    before = load()
    for kind, name in planned:
        elapsed, matches = search(store, name)
        times[kind].append(elapsed)
        found[kind] += matches > 0
    result: dict[str, Any] = {"load_before": before, "load_after": load()}
    for kind, values in times.items():
        result[kind] = {"searches": len(values), "with_matches": found[kind], **latency(values)}
    return result


def _import_changes(location: Location, path: str, done: Any) -> None:
    with open(path, encoding="utf-8") as lines:
        report = import_lines(location, lines, skip_invalid=False)
    done.put({"imported": report.imported, "deleted": len(report.deleted), "bad_lines": len(report.bad_lines)})


def measure_during_import(
    store: Store, location: Location, population: Population, work: Path, count: int, round_: int = 0
) -> dict[str, Any]:
    """Two threads search (hit and no-hit alternately) while another process imports `count` changes (the
    store's `round_` of changes: Population.changes)."""
    changes = work / "changes.jsonl"
    with changes.open("w", encoding="utf-8") as out:
        for line in population.changes(count, round_):
            out.write(line + "\n")
    context = multiprocessing.get_context("fork")  # the child inherits the loaded name tagger
    done = context.Queue()
    importer = context.Process(target=_import_changes, args=(location, str(changes), done))
    times: dict[str, list[float]] = {"hit": [], "no_hit": []}
    failures: list[str] = []
    finished = threading.Event()

    def searcher(offset: int) -> None:
        rng = random.Random(f"{SEED}:during:{offset}")
        names = population.sampled
        count = offset
        while not finished.is_set():
            kind = "hit" if count % 2 else "no_hit"
            count += 1
            try:
                elapsed, _ = search(store, rng.choice(names) if kind == "hit" else no_hit_name(rng))
            except Exception as error:  # a search that fails during the import is reported, not hidden
                failures.append(f"{type(error).__name__}: {error}")
                continue
            times[kind].append(elapsed)

    before = load()
    started = time.perf_counter()
    importer.start()
    threads = [threading.Thread(target=searcher, args=(offset,)) for offset in range(2)]
    for thread in threads:
        thread.start()
    importer.join()
    import_seconds = time.perf_counter() - started
    finished.set()
    for thread in threads:
        thread.join()
    report = done.get(timeout=10) if importer.exitcode == 0 else {"exit_code": importer.exitcode}
    changes.unlink()
    searches = len(times["hit"]) + len(times["no_hit"])
    return {
        "changes": count,
        "import": report,
        "import_seconds": round(import_seconds, 1),
        "searches": searches,
        "searches_per_second": round(searches / import_seconds, 1),
        "failed_searches": len(failures),
        "failures": failures[:5],
        "hit": latency(times["hit"]),
        "no_hit": latency(times["no_hit"]),
        "max_ms": round(max(times["hit"] + times["no_hit"], default=0.0), 1),
        "load_before": before,
        "load_after": load(),
    }


def run(
    records: int,
    engine: str,
    location: Location,
    work: Path,
    queries: int,
    changes: int = CHANGES,
    workers: int = 1,
    settings: dict[str, str] | None = None,
    earlier: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Imports `records` into the empty store at `location` and measures it; or, given the `earlier` run that
    imported this store (it is kept, `--store`), measures its searches again and keeps that run's import figures."""
    population = Population(records)
    if earlier is not None:
        print(f"{engine}: searching the store of an earlier run ({records:,} records)", file=sys.stderr)
        for _ in population.lines():  # the same people as imported: the names to search, the changes to make
            pass
        # The rounds of changes the store has had: the import's, and one more each time it was measured again.
        rounds = earlier.get("searches_measured_again", {}).get("changes_round", 0) + 1
        result: dict[str, Any] = {
            **{name: earlier[name] for name in ("engine", "records", "import", "store_bytes", "server_settings")},
            "store_format": STORE_FORMAT,  # a node opens no store of another format: the kept one is of this
            "searches_measured_again": {
                "on": date.today().isoformat(),
                "store_bytes": store_bytes(location),
                "changes_round": rounds,
            },
        }
        return _measure(result, location, population, work, queries, changes)
    print(f"{engine}: importing {records:,} records ({workers} checking processes)", file=sys.stderr)
    before = load()
    started = time.perf_counter()
    report = import_lines(location, population.lines(), skip_invalid=False, workers=workers)
    seconds = time.perf_counter() - started
    if report.bad_lines or report.imported != records:
        raise RuntimeError(f"import of {records} records gave {report.imported}: {report.bad_lines[:3]}")
    result = {
        "engine": engine,
        "records": records,
        "store_format": STORE_FORMAT,
        "import": {
            "seconds": round(seconds, 1),
            "records_per_second": round(records / seconds),
            "workers": workers,
            "load_before": before,
            "load_after": load(),
        },
        "store_bytes": store_bytes(location),
        "server_settings": settings or {},
    }
    return _measure(result, location, population, work, queries, changes)


def _measure(
    result: dict[str, Any], location: Location, population: Population, work: Path, queries: int, changes: int
) -> dict[str, Any]:
    engine = result["engine"]
    print(f"{engine}: searching", file=sys.stderr)
    store = Store(location, workers=1)
    try:
        result["search"] = measure_searches(store, population.sampled, queries)
        print(f"{engine}: {result['search']}; searching during an import of {changes:,} changes", file=sys.stderr)
        round_ = result.get("searches_measured_again", {}).get("changes_round", 0)
        result["during_import"] = measure_during_import(store, location, population, work, changes, round_)
        result["after_import"] = measure_searches(store, population.sampled, queries // 2)
    finally:
        store.close()
    result["targets"] = judge(result)
    print(json.dumps(result), file=sys.stderr)
    return result


def judge(result: dict[str, Any]) -> dict[str, bool]:
    """No-hit p50 < 5 ms and hit p50 < 10 ms, alone and while the 100,000 changes are imported."""
    judged = {}
    for kind, budget in TARGETS_MS.items():
        judged[f"{kind} p50 < {budget:g} ms"] = result["search"][kind]["p50_ms"] < budget
        judged[f"{kind} p50 < {budget:g} ms during the import"] = result["during_import"][kind]["p50_ms"] < budget
    judged["no failed search during the import"] = result["during_import"]["failed_searches"] == 0
    return judged


def environment() -> dict[str, Any]:
    return {"machine": machine(), "versions": versions(), "pid": os.getpid()}


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "# A node's store at scale",
        "",
        "`python -m bench.node_search --records N --engine sqlite|postgresql` (bench/node_scale.py). Synthetic",
        "Persons (a quarter with a Passport) from real name parts, imported through `node.store.import_lines`",
        "(what `fedgate node import --workers N` runs) in one transaction. A search is the node's matcher without the OPA",
        "call (`node.search.find_matches`: blocking-key candidates, pre-filter, scoring) on one read connection,",
        "one at a time. During the import of 100,000 changes (60 % replacements, 20 % new records, 20 % deletions,",
        "in another process) two threads search, hit and no-hit alternately.",
        "",
        "**The machine is shared** (2 cores; other work may run at the same time): the load averages",
        "(1, 5, 15 min, from `uptime`) are given beside each figure. What the figures show and where the time",
        "goes: [docs/benchmarks.md](../../docs/benchmarks.md#a-nodes-store-at-national-scale-issue-19).",
        "",
        "## Import and size",
        "",
        "| engine | records | store format | checking processes | import s | records/s | load during import "
        "| store on disk |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in runs:
        imp = r["import"]
        lines.append(
            f"| {r['engine']} | {r['records']:,} | {r['store_format']} | {imp.get('workers', 1)} | {imp['seconds']} | {imp['records_per_second']:,} | "
            f"{imp['load_after']} | {r['store_bytes'] / 2**30:.2f} GiB |"
        )
    again = [r for r in runs if "searches_measured_again" in r]
    if again:
        lines.append("")
    for r in again:
        option = "--store-url" if r["engine"] == "postgresql" else "--store"
        measured = r["searches_measured_again"]
        lines.append(
            f"The {r['engine']} store of {r['records']:,} records was searched again on "
            f"{measured['on']} (`{option}`: a kept store of the same people, imported the same way; "
            f"{measured['store_bytes'] / 2**30:.2f} GiB then, its round {measured.get('changes_round', 1)} of "
            "changes below): its import figures are the first run's."
        )
    lines += [
        "",
        "## Search without the OPA call (target: no-hit p50 < 5 ms, hit p50 < 10 ms)",
        "",
        "| engine | records | query | searches | with matches | p50 ms | p99 ms | load |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        for phase, label in (("search", ""), ("after_import", " (after the changes)")):
            for kind in ("no_hit", "hit"):
                s = r[phase][kind]
                lines.append(
                    f"| {r['engine']} | {r['records']:,} | {kind.replace('_', '-')}{label} | {s['searches']} | "
                    f"{s['with_matches']} | {s['p50_ms']} | {s['p99_ms']} | {r[phase]['load_after']} |"
                )
    lines += [
        "",
        "## Searching while 100,000 changes are imported",
        "",
        "| engine | records | import s | changes | searches | searches/s | no-hit p50 / p99 ms "
        "| hit p50 / p99 ms | slowest ms | failed | load |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        d = r["during_import"]
        imp = d["import"]
        changed = f"{imp.get('imported', '?'):,} upserts, {imp.get('deleted', '?'):,} deletions"
        lines.append(
            f"| {r['engine']} | {r['records']:,} | {d['import_seconds']} | {changed} | {d['searches']} | "
            f"{d['searches_per_second']} | {d['no_hit']['p50_ms']} / {d['no_hit']['p99_ms']} | "
            f"{d['hit']['p50_ms']} / {d['hit']['p99_ms']} | {d['max_ms']} | {d['failed_searches']} | {d['load_after']} |"
        )
    lines += ["", "## Targets", "", "| engine | records | target | met |", "|---|---:|---|---|"]
    for r in runs:
        for target, met in r["targets"].items():
            lines.append(f"| {r['engine']} | {r['records']:,} | {target} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"
