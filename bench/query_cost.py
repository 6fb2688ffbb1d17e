"""Worst-case node CPU per allowed search: the matcher's thread work for ordinary and hostile queries.

    python -m bench.query_cost --records 20000

Builds a synthetic Person store, then times (thread CPU) what a node's store thread does for one search
(find the candidates, score them) for an ordinary name query and for the most expensive queries the
query limits let through: many long name values made of many distinct name parts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from fedcli.synthetic import generate_country
from fedcore.query import QueryError, QueryLimits, validate_query
from node.config import DEFAULT_MATCHING
from node.search import find_matches
from node.server import warm_up
from node.store import Store, import_lines

RESULTS = Path(__file__).resolve().parent / "results"
SYLLABLES = ["mar", "tin", "ale", "xan", "dro", "vik", "tor", "ser", "gei", "pet", "rov", "ana", "lui", "sa", "bel"]


def words(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        yield "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def long_name(rng: random.Random, length: int) -> str:
    text = ""
    for word in words(rng, 1000):
        if len(text) + len(word) + 1 > length:
            break
        text = f"{text} {word}".strip()
    return text


def hostile_queries(limits: QueryLimits, stored: list[str], seed: int) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """The costliest shapes we know, each with real names inside so that the store finds candidates and
    every one of them is compared with every query name."""
    rng = random.Random(seed)
    name_props = ["name", "alias", "previousName", "weakAlias", "abbreviation"]
    real = itertools.cycle(rng.sample(stored, len(stored)))
    per_property = limits.max_values_per_property
    # What the attack sent: every name property full of values as long as one value may be.
    longest = {
        prop: [
            f"{next(real)} {long_name(rng, limits.max_value_length)}"[: limits.max_value_length]
            for _ in range(per_property)
        ]
        for prop in name_props
    }
    # As many names as the totals allow, each with as many parts as a name may have.
    # (getattr: the same shapes can be measured against a version without these bounds.)
    parts = getattr(limits, "max_name_parts", 12)
    count = min(getattr(limits, "max_total_values", 20), getattr(limits, "max_total_name_parts", 240) // parts)
    width = getattr(limits, "max_total_characters", 1000) // count

    def many_parts() -> str:
        name = next(real).split()
        while len(name) < parts:
            name.append(next(words(rng, 1))[:4])
        return " ".join(name[:parts])[:width]

    spread = [many_parts() for _ in range(count)]
    han = ["".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(parts)) for _ in range(count)]
    # As many names as the totals allow, each of three parts.
    short_count = min(getattr(limits, "max_total_values", 20), getattr(limits, "max_total_name_parts", 240) // 3)
    short = [" ".join([*next(real).split()[:2], next(words(rng, 1))]) for _ in range(short_count)]
    short_han = ["".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(3)) for _ in range(short_count)]

    def over_properties(values: list[str]) -> dict[str, list[str]]:
        return {prop: values[i :: len(name_props)] for i, prop in enumerate(name_props) if values[i :: len(name_props)]}

    return {
        "attack: 5 name properties x 10 values x 200 characters": ("Person", longest),
        "longest names (max_name_parts parts), as many as the totals allow": ("Person", over_properties(spread)),
        "the same as a LegalEntity query (every descendant schema)": ("LegalEntity", over_properties(spread)),
        "longest Han names (max_name_parts characters), as many as allowed": ("Person", over_properties(han)),
        "three-part names, as many as the totals allow": ("Person", over_properties(short)),
        "three-character Han names, as many as allowed": ("Person", over_properties(short_han)),
    }


def thread_cpu_ms(store: Store, schema: str, properties: dict[str, list[str]], limits: QueryLimits) -> float | str:
    """The store thread's CPU time for one search never seen before (no cached name analysis)."""
    try:
        query = validate_query(schema, properties, limits)
    except QueryError as error:
        return f"rejected: {error}"
    started = time.thread_time()
    find_matches(store, query, 20, DEFAULT_MATCHING)
    return round((time.thread_time() - started) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="current")
    args = parser.parse_args()
    warm_up()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "records.sqlite"
        persons = [e for e in generate_country("FR", args.records * 2, 7, vehicle_share=0.0) if e["schema"] == "Person"]
        persons = persons[: args.records]
        import_lines(path, (json.dumps(e) for e in persons), skip_invalid=True)
        stored = [e["properties"]["name"][0] for e in persons[:200] if e["properties"].get("name")]
        store = Store(path)
        limits = QueryLimits()
        rows: dict[str, list[float | str]] = {}
        # Seed -1 warms up what a long-running node has loaded already (transliteration tables and such).
        for seed in range(-1, args.repeat):
            shapes = {
                "ordinary name query": ("Person", {"name": [stored[seed + 1]]}),
                "ordinary name and birth date": ("Person", {"name": [stored[seed + 51]], "birthDate": ["1980-01-01"]}),
                **hostile_queries(limits, stored, seed),
            }
            for label, (schema, properties) in shapes.items():
                if seed < 0:
                    thread_cpu_ms(store, schema, properties, limits)
                    continue
                rows.setdefault(label, []).append(thread_cpu_ms(store, schema, properties, limits))
        store.close()
    worst = {
        label: max(v for v in values if isinstance(v, float))
        if all(isinstance(v, float) for v in values)
        else values[0]
        for label, values in rows.items()
    }
    result = {"label": args.label, "records": args.records, "limits": vars(limits), "worst_thread_cpu_ms": worst}
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "query_cost.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
