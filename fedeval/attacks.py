"""What a hostile investigator can still learn through the gateway, and at what cost, against a demo it starts.

    python -m fedeval.attacks                        # a demo of 2,000 records per country; writes bench/results/attacks.md
    python -m fedeval.attacks --records 300 --out /tmp/attacks

Each attack is a set of hypotheses about something a country's policy withholds or allows (a birth date,
whether a victim exists, how a record spells a name) and the searches that would tell them apart, made
through the real HTTP API. Answers are compared on what an investigator sees, leaving out what differs from
one search to the next by design (query id, latency, audit entry, signature). Bits learnt =
log2(hypotheses / hypotheses answered like the true one): 0 when every answer is identical.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from followthemoney import model
from rapidfuzz.fuzz import token_sort_ratio
from rigour.text.translit import ascii_text

from fedcli.processes import Service, fedgate_command
from fedcli.synthetic import PERSONS_OF_INTEREST, PersonOfInterest, generate_country
from fedcore.query import validate_query
from fedeval.harness import machine, versions
from gateway.auth import issue_token
from gateway.config import load_gateway_config
from node.config import DEFAULT_MATCHING
from node.matching import prepare_query, score_record

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PERSON = model.schemata["Person"]
PETROV = PERSONS_OF_INTEREST[0]
NOBODY = "Zorvak Quinnelbry"  # a name no synthetic record is close to
# What leaves a search's answer without telling anything about the records.
PER_SEARCH = ("latency_ms", "audit_entry_id", "audit_seq", "audit_hash", "signature", "key_id", "signed_at")
DEMO_START_S = 300.0
SEARCH_TIMEOUT_S = 30.0
# A looser look at the letters before a name is scored: records below it are not named alike.
ALIKE_RATIO = 50


def seen(answer: dict[str, Any], country: str) -> str:
    """What one country's part of an answer tells an investigator, as canonical JSON: status, refusal, hit
    count and each hit (reference, disclosure, score or band, released and withheld properties, evidence)."""
    entry = {key: value for key, value in answer["countries"][country].items() if key not in PER_SEARCH}
    results = [result for result in answer["results"] if result["country"] == country]
    return json.dumps({"country": entry, "results": results}, sort_keys=True, ensure_ascii=False)


def bits_learnt(answers: list[str], truth: int) -> float:
    """log2 of hypotheses over those answered like the true one (`answers[truth]`): 0 when all are alike."""
    alike = sum(1 for answer in answers if answer == answers[truth])
    return math.log2(len(answers) / alike)


def candidate_dates(true_date: str) -> list[str]:
    """Eighteen birth dates an investigator would try, the true one first: neighbours, the day and month
    swapped, other months and years, and dates far off. With the name alone, nineteen searches: the budget."""
    born = datetime.date.fromisoformat(true_date)
    days = [born + datetime.timedelta(days=shift) for shift in (-3, -2, -1, 1, 2, 3)]
    others = [
        *days,
        born.replace(month=born.day, day=born.month) if born.day <= 12 else born.replace(day=born.day - 10),
        born.replace(month=born.month % 12 + 1),
        born.replace(month=(born.month - 2) % 12 + 1),
        born.replace(year=born.year - 1),
        born.replace(year=born.year + 1),
        born.replace(year=born.year - 10),
        born.replace(year=born.year + 10),
        datetime.date(1980, 1, 1),
        datetime.date(1962, 7, 15),
        datetime.date(1999, 12, 31),
        datetime.date(1948, 3, 9),
    ]
    return [true_date, *dict.fromkeys(day.isoformat() for day in others if day != born)]


def latin_spelling(person: PersonOfInterest, country: str) -> str:
    """How a country records a planted person's name in Latin letters (the alias beside another script)."""
    return person.latin.get(country) or ascii_text(person.names[country])


def name_spellings(truth: str) -> list[str]:
    """Spellings an investigator would try for a person they know as Ivan Petrov, the record's own first."""
    tried = [
        "Ivan Petrov",
        "Iwan Petrow",
        "Ivan Petrof",
        "Ivan Petrow",
        "Iwan Petrov",
        "I. Petrov",
        "Petrov Ivan",
        "Ivan Pertov",
        "Ivan Petrovsky",
        "Ivo Petrov",
        "Evan Petrov",
        "Ivan Petrenko",
        "Ivana Petrova",
        "Petrov",
    ]
    return [truth, *(spelling for spelling in tried if spelling != truth)]


def misspelt(name: str) -> str:
    """The name with the last two letters of its last word swapped: a typo that still matches (about 0.87)."""
    head, _, last = name.rpartition(" ")
    return f"{head} {last[:-2]}{last[-1]}{last[-2]}".strip()


@dataclass(frozen=True)
class HiddenWithDecoy:
    """A person a policy must not mention to some requesters, and a decoy for the `limit` attack on them."""

    hidden_id: str
    hidden: str  # the flagged person's name in Latin letters: nobody else in the country is named alike
    decoy_id: str
    decoy_name: str  # the decoy's name as its record holds it
    decoy_query: str  # the decoy's name misspelt: only the decoy matches it, below an exact name


def _names(record: dict[str, Any]) -> list[str]:
    properties = record["properties"]
    return [*properties.get("name", []), *properties.get("alias", [])]


def _latin(record: dict[str, Any]) -> str:
    return str(record["properties"].get("alias", record["properties"]["name"])[0])


def named_alike(persons: list[dict[str, Any]], text: str, min_score: float) -> dict[str, float]:
    """The persons (id: score) a names-only query for `text` would match at or above `min_score`, scored as the
    node scores them."""
    prepared = prepare_query(validate_query("Person", {"name": [text]}))
    spelling = ascii_text(text).lower()
    found: dict[str, float] = {}
    for record in persons:
        if max(token_sort_ratio(spelling, ascii_text(name).lower()) for name in _names(record)) < ALIKE_RATIO:
            continue
        result = score_record(prepared, PERSON, record["properties"])
        if result is not None and result.score >= min_score:
            found[record["id"]] = result.score
    return found


def hidden_with_decoys(country: str, flag: str, records: int, seed: int, count: int) -> list[HiddenWithDecoy]:
    """Up to `count` persons flagged `flag` in the demo's data for `country`, each with a decoy of its own.

    The flagged name matches nobody else and the misspelt decoy matches the decoy alone, below an exact
    name: so before the fix the flagged record outranked the decoy for the one slot of `limit` 1."""
    persons = [
        record
        for record in generate_country(country, records, seed)
        if record["schema"] == "Person" and "-person-" in record["id"]
    ]
    min_score = DEFAULT_MATCHING.min_score
    spelled = Counter(_latin(record) for record in persons)
    decoys = [record for record in persons if not record.get("flags") and spelled[_latin(record)] == 1]
    chosen: list[HiddenWithDecoy] = []
    used: set[str] = set()
    for record in persons:
        if len(chosen) == count:
            break
        hidden = _latin(record)
        if flag not in record.get("flags", []) or named_alike(persons, hidden, min_score).keys() != {record["id"]}:
            continue
        words = {word for word in hidden.lower().split() if len(word) > 2}
        for decoy in decoys:
            name = _latin(decoy)
            query = misspelt(name)
            if decoy["id"] in used or query == name or words & {word for word in name.lower().split()}:
                continue
            scores = named_alike(persons, query, min_score)
            if scores.keys() == {decoy["id"]} and scores[decoy["id"]] < 1.0:
                used.add(decoy["id"])
                chosen.append(HiddenWithDecoy(record["id"], hidden, decoy["id"], decoy["properties"]["name"][0], query))
                break
    return chosen


@dataclass
class Finding:
    """One attack in one setting: its cost in searches and what it taught."""

    attack: str
    setting: str  # who asks whom, for what
    released: str  # what the node releases to that requester
    searches: int
    hypotheses: int
    bits: float
    allowed: bool  # whether the policy lets the requester learn this
    note: str = ""


@dataclass
class ProbeRun:
    setting: str
    answered: int
    refused_at: int | None
    reason: str
    repeat_answered: bool
    other_investigator_answered: bool


class Attacker:
    """Investigators of any country (each with budgets of their own), searching through the gateway's API."""

    def __init__(self, session: aiohttp.ClientSession, ready: dict[str, Any]) -> None:
        self.session = session
        self.url = ready["gateway_url"] + "/v1/search"
        config = load_gateway_config(Path(ready["work_dir"]) / "gateway" / "gateway.toml")
        self.issuer = config.issuers["fedgate-demo"]
        self.audience = config.audience
        self.searches = 0

    def investigator(self, country: str, name: str | None = None) -> str:
        """A token for a new investigator of `country` (so a new probe budget), or the named one's."""
        return issue_token(
            self.issuer,
            self.audience,
            investigator_id=name or f"attacker-{country.lower()}-{uuid.uuid4().hex[:8]}",
            country=country,
            agency=f"{country} hostile unit",
            clearance="confidential",
            purposes=["terrorism", "drug_trafficking", "organised_crime", "fugitive"],
            ttl_s=3600,
        )

    async def search(
        self, token: str, country: str, purpose: str, properties: dict[str, list[str]], limit: int = 10
    ) -> dict[str, Any]:
        body = {
            "schema": "Person",
            "properties": properties,
            "purpose": purpose,
            "countries": [country],
            "limit": limit,
        }
        headers = {"Authorization": f"Bearer {token}"}
        self.searches += 1
        async with self.session.post(
            self.url, json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=SEARCH_TIMEOUT_S)
        ) as response:
            answer: dict[str, Any] = await response.json()
            if response.status != 200:
                raise RuntimeError(f"search {body} answered {response.status}: {answer}")
        return answer


def released_summary(answer: dict[str, Any], country: str) -> str:
    """What the node released in its first hit, in a few words: disclosure, birth date, score or band."""
    entry = answer["countries"][country]
    hits = [result for result in answer["results"] if result["country"] == country]
    if not hits:
        reason = f" ({entry['refusal_reason']})" if "refusal_reason" in entry else ""
        return f"{entry['status']}{reason}"
    hit = hits[0]
    parts: list[str] = [hit["disclosure"]]
    if "birthDate" in hit["properties"]:
        parts.append(f"birth date {hit['generalised'].get('birthDate', 'as it is')}")
    elif "birthDate" in hit["withheld"]:
        parts.append("birth date withheld")
    parts.append("score" if "score" in hit else f"band ({hit['score_band']})" if "score_band" in hit else "no score")
    return ", ".join(parts)


def birth_date_released(answer: dict[str, Any], country: str) -> bool:
    hits = [result for result in answer["results"] if result["country"] == country]
    return bool(hits) and "birthDate" in hits[0]["properties"] and "birthDate" not in hits[0]["generalised"]


BIRTH_DATE_CASES = [
    ("FR", "GR", "organised_crime"),
    ("UA", "GR", "fugitive"),
    ("AE", "FR", "terrorism"),
    ("UA", "DE", "drug_trafficking"),
    ("UA", "FR", "fugitive"),
    ("FR", "AE", "fugitive"),
    ("DE", "UA", "fugitive"),
    ("FR", "GR", "fugitive"),  # Greece releases the birth date as it is here: the control, bits expected
]


async def birth_date_oracle(attacker: Attacker, requester: str, country: str, purpose: str) -> Finding:
    """The name alone, then the name with each candidate birth date: does any answer single out the true one?"""
    token = attacker.investigator(requester)
    before = attacker.searches
    name = {"name": [PETROV.names["FR"]]}
    by_name = await attacker.search(token, country, purpose, name)
    dates = candidate_dates(PETROV.birth_date)
    answers = [
        seen(await attacker.search(token, country, purpose, {**name, "birthDate": [day]}), country) for day in dates
    ]
    bits = bits_learnt(answers, 0)
    distinct = Counter(answers)
    released = birth_date_released(by_name, country)
    control = "the control: the birth date is released as it is, so it decides the hit; " if released else ""
    return Finding(
        "birth date: score and hit/no-hit oracle",
        f"{requester} → {country}, {purpose}",
        released_summary(by_name, country),
        attacker.searches - before,
        len(dates),
        bits,
        released,
        f"{control}{len(distinct)} distinct answer(s); the name alone answered like every date: "
        f"{all(answer == seen(by_name, country) for answer in answers)}",
    )


SEVERAL_DATES_CASES = [("AE", "FR", "terrorism"), ("FR", "GR", "organised_crime")]


async def several_dates_at_once(attacker: Attacker, requester: str, country: str, purpose: str) -> Finding:
    """Four candidate dates in one query, the true one among them, against four others: which four hold it?"""
    token = attacker.investigator(requester)
    before = attacker.searches
    name = {"name": [PETROV.names["FR"]]}
    dates = candidate_dates(PETROV.birth_date)[:8]
    halves = [dates[:4], dates[4:]]  # the true date is the first
    answers = [await attacker.search(token, country, purpose, {**name, "birthDate": half}) for half in halves]
    entry = answers[0]["countries"][country]
    outcome = "refused: nothing is searched" if entry["status"] == "refused" else "answered"
    return Finding(
        "birth date: several in one query",
        f"{requester} → {country}, {purpose}",
        released_summary(answers[0], country),
        attacker.searches - before,
        2,
        bits_learnt([seen(answer, country) for answer in answers], 0),
        False,
        f"four dates a query; {outcome}",
    )


LIMIT_CASES = [("UA", "FR", "fugitive", "victim"), ("FR", "AE", "fugitive", "minor")]


async def limit_oracle(
    attacker: Attacker, requester: str, country: str, purpose: str, flag: str, targets: list[HiddenWithDecoy]
) -> Finding:
    """For each flagged person: their name with a misspelt decoy at limits 1 and 2, against the decoy alone."""
    token = attacker.investigator(requester)
    before = attacker.searches
    bits = 0.0
    leaked = 0
    for target in targets:
        alone = seen(await attacker.search(token, country, purpose, {"name": [target.hidden]}), country)
        nobody = seen(await attacker.search(token, country, purpose, {"name": [NOBODY]}), country)
        with_hidden, decoy_only = [], []
        for limit in (1, 2):
            both = {"name": [target.hidden, target.decoy_query]}
            with_hidden.append(seen(await attacker.search(token, country, purpose, both, limit), country))
            decoy = {"name": [target.decoy_query]}
            decoy_only.append(seen(await attacker.search(token, country, purpose, decoy, limit), country))
        # Two worlds: the flagged person exists, or does not (then they answer like the decoy alone, or nobody).
        learnt = bits_learnt([json.dumps([alone, *with_hidden]), json.dumps([nobody, *decoy_only])], 0)
        bits += learnt
        leaked += learnt > 0
    return Finding(
        f"`limit` oracle on records not to be mentioned ({flag})",
        f"{requester} → {country}, {purpose}",
        f"{flag}s: not mentioned",
        attacker.searches - before,
        2 * len(targets),
        bits,
        False,
        f"{len(targets)} {flag}(s), each: name alone, name + misspelt decoy at limit 1 and 2 "
        f"(against an invented name and the decoy alone); {leaked} told apart",
    )


NAME_CASES = [
    ("FR", "GR", "organised_crime"),
    ("AE", "FR", "terrorism"),
    ("UA", "DE", "drug_trafficking"),
    ("UA", "FR", "fugitive"),
]


async def name_existence(attacker: Attacker, requester: str, country: str, purpose: str) -> Finding:
    """Whether someone of a given name is on record: the name, against a name nobody has."""
    token = attacker.investigator(requester)
    before = attacker.searches
    known = await attacker.search(token, country, purpose, {"name": [PETROV.names["FR"]]})
    searches = attacker.searches - before
    unknown = await attacker.search(token, country, purpose, {"name": [NOBODY]})
    return Finding(
        "name: hit/no-hit oracle",
        f"{requester} → {country}, {purpose}",
        released_summary(known, country),
        searches,
        2,
        bits_learnt([seen(known, country), seen(unknown, country)], 0),
        True,
        "a person of that name exists: what a hit says",
    )


async def hidden_name_existence(attacker: Attacker, requester: str, country: str, purpose: str, name: str) -> Finding:
    token = attacker.investigator(requester)
    before = attacker.searches
    flagged = await attacker.search(token, country, purpose, {"name": [name]})
    searches = attacker.searches - before
    unknown = await attacker.search(token, country, purpose, {"name": [NOBODY]})
    return Finding(
        "name: hit/no-hit oracle on a record not to be mentioned",
        f"{requester} → {country}, {purpose}",
        released_summary(flagged, country),
        searches,
        2,
        bits_learnt([seen(flagged, country), seen(unknown, country)], 0),
        False,
        "answered like a name nobody has",
    )


SPELLING_CASES = [
    ("FR", "GR", "organised_crime"),
    ("AE", "FR", "terrorism"),
    ("UA", "DE", "drug_trafficking"),
    ("UA", "FR", "fugitive"),
]


async def spelling_oracle(attacker: Attacker, requester: str, country: str, purpose: str) -> Finding:
    """How the record spells the name: each spelling searched once; hit/no-hit, band or score tell them apart."""
    token = attacker.investigator(requester)
    before = attacker.searches
    spellings = name_spellings(latin_spelling(PETROV, country))
    answers = [await attacker.search(token, country, purpose, {"name": [spelling]}) for spelling in spellings]
    shown = [seen(answer, country) for answer in answers]
    kinds: Counter[str] = Counter()
    for answer in answers:
        hits = [result for result in answer["results"] if result["country"] == country]
        if not hits:
            kinds[answer["countries"][country]["status"]] += 1
        elif "score" in hits[0]:
            kinds["score"] += 1
        else:
            kinds[hits[0].get("score_band", "hit")] += 1
    return Finding(
        "name spelling: hit/no-hit, band or score oracle",
        f"{requester} → {country}, {purpose}",
        released_summary(answers[0], country),
        attacker.searches - before,
        len(spellings),
        bits_learnt(shown, 0),
        True,
        f"{len(set(shown))} distinct answers ({', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))}); "
        "scored on the query's names only",
    )


PROBE_CASES = [("AE", "FR", "terrorism"), ("FR", "GR", "organised_crime")]


async def probe_budget(attacker: Attacker, requester: str, country: str, purpose: str, tries: int = 40) -> ProbeRun:
    """Distinct birth dates against one record until the node refuses (or `tries` run out)."""
    name = f"prober-{uuid.uuid4().hex[:8]}"
    token = attacker.investigator(requester, name)
    first = datetime.date(1960, 1, 1)
    dates = [(first + datetime.timedelta(days=n)).isoformat() for n in range(tries)]
    query = {"name": [PETROV.names["FR"]]}
    refused_at: int | None = None
    reason = ""
    for number, day in enumerate(dates, start=1):
        entry = (await attacker.search(token, country, purpose, {**query, "birthDate": [day]}))["countries"][country]
        if entry["status"] == "refused":
            refused_at, reason = number, entry.get("refusal_reason", "")
            break
    repeat = await attacker.search(token, country, purpose, {**query, "birthDate": [dates[0]]})
    # Another investigator of the same country asks what this one was refused.
    last = dates[(refused_at or tries) - 1]
    other = await attacker.search(attacker.investigator(requester), country, purpose, {**query, "birthDate": [last]})
    return ProbeRun(
        f"{requester} → {country}, {purpose}",
        (refused_at - 1) if refused_at else tries,
        refused_at,
        reason,
        repeat["countries"][country]["status"] != "refused",
        other["countries"][country]["status"] != "refused",
    )


async def run_attacks(ready: dict[str, Any], records: int, seed: int) -> tuple[list[Finding], list[ProbeRun], int]:
    findings: list[Finding] = []
    async with aiohttp.ClientSession() as session:
        attacker = Attacker(session, ready)
        for case in BIRTH_DATE_CASES:
            findings.append(await birth_date_oracle(attacker, *case))
        for case in SEVERAL_DATES_CASES:
            findings.append(await several_dates_at_once(attacker, *case))
        for requester, country, purpose, flag in LIMIT_CASES:
            targets = await asyncio.to_thread(hidden_with_decoys, country, flag, records, seed, 3)
            findings.append(await limit_oracle(attacker, requester, country, purpose, flag, targets))
            if targets:
                findings.append(await hidden_name_existence(attacker, requester, country, purpose, targets[0].hidden))
        for case in NAME_CASES:
            findings.append(await name_existence(attacker, *case))
        for case in SPELLING_CASES:
            findings.append(await spelling_oracle(attacker, *case))
        probes = [await probe_budget(attacker, *case) for case in PROBE_CASES]
    return findings, probes, attacker.searches


@contextlib.contextmanager
def demo_federation(work: Path, records: int, seed: int) -> Iterator[dict[str, Any]]:
    """`fedgate demo` (real policies, mutual TLS), until the block ends; then Ctrl-C and wait for it."""
    ready_file = work / "ready.json"
    command = fedgate_command(
        "demo", "--records", str(records), "--seed", str(seed), "--ready-file", str(ready_file), "--work-dir",
        str(work / "federation"),
    )  # fmt: skip
    service = Service.spawn("demo", command, work / "demo.log")
    try:
        yield service.wait_ready(ready_file, DEMO_START_S)
    finally:
        service.process.send_signal(signal.SIGINT)
        service.wait(60)


def commit() -> str:
    """The checkout's commit, and whether it had changes beyond it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO, capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} with uncommitted changes" if dirty else head


def markdown(findings: list[Finding], probes: list[ProbeRun], context: dict[str, Any]) -> str:
    host = context["machine"]
    lines = [
        "# What a hostile investigator can still learn",
        "",
        f"Measured by `python -m fedeval.attacks` on {context['date']} at commit {context['commit']}, against "
        f"`fedgate demo --records {context['records']} --seed {context['seed']}` (the countries' real policies). "
        f"Machine: {host['cpus']} CPUs, {host['memory_gib']} GiB, {host['platform']}, Python {host['python']}; "
        f"fedgate {context['versions']['fedgate']}, OPA {context['versions']['opa']}. "
        f"{context['searches']} searches in {context['seconds']:.0f} s.",
        "",
        "Bits learnt = log2(hypotheses / hypotheses answered like the true one): 0 when every answer is the same. "
        "Answers are compared on what an investigator sees (status, refusal, hits with their reference, "
        "disclosure, score or band, properties, withheld properties, evidence). Each attack uses a new "
        "investigator, so a probe budget of its own.",
        "",
        "| attack | requester → node, purpose | what the node releases | searches | hypotheses | bits learnt "
        "| allowed | note |",
        "|---|---|---|---:|---:|---:|---|---|",
    ]
    for finding in findings:
        leak = finding.bits > 0 and not finding.allowed
        lines.append(
            f"| {finding.attack} | {finding.setting} | {finding.released} | {finding.searches} | "
            f"{finding.hypotheses} | {finding.bits:.2f}{' **leak**' if leak else ''} | "
            f"{'yes' if finding.allowed else 'no'} | {finding.note} |"
        )
    lines += [
        "",
        "Searches count every search made, the comparisons included (a name nobody has, the decoy alone), "
        "which an attacker did not need before the fix: then the answers contradicted each other on their own.",
        "",
        "## Probe budget",
        "",
        "One investigator tries distinct birth dates with the same name against one record "
        "(`[limits] probe_variants_per_record`, 19 by default, per `probe_window_s`).",
        "",
        "| requester → node, purpose | distinct variants answered | refused at | refusal reason "
        "| an earlier variant, again | another investigator |",
        "|---|---:|---:|---|---|---|",
    ]
    for probe in probes:
        lines.append(
            f"| {probe.setting} | {probe.answered} | {probe.refused_at or 'never'} | {probe.reason or '—'} | "
            f"{'answered' if probe.repeat_answered else 'refused'} | "
            f"{'answered' if probe.other_investigator_answered else 'refused'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2000, help="synthetic records per country (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic data (default 1)")
    parser.add_argument(
        "--ready-file",
        type=Path,
        help="attack a running `fedgate demo` (started with the same --records and --seed) instead of starting one",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where attacks.md is written (default {RESULTS})")
    args = parser.parse_args()
    if args.ready_file is not None:
        ready = json.loads(args.ready_file.read_text())
        started = time.monotonic()
        findings, probes, searches = asyncio.run(run_attacks(ready, args.records, args.seed))
        seconds = time.monotonic() - started
    else:
        with tempfile.TemporaryDirectory(prefix="fedgate-attacks-") as work:
            print("starting a demo federation…", file=sys.stderr, flush=True)
            with demo_federation(Path(work), args.records, args.seed) as ready:
                started = time.monotonic()
                findings, probes, searches = asyncio.run(run_attacks(ready, args.records, args.seed))
                seconds = time.monotonic() - started
    context = {
        "machine": machine(),
        "versions": versions(),
        "date": datetime.date.today().isoformat(),
        "commit": commit(),
        "records": args.records,
        "seed": args.seed,
        "searches": searches,
        "seconds": seconds,
    }
    text = markdown(findings, probes, context)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "attacks.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
