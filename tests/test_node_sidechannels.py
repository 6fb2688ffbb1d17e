"""Side channels: what a requester may not match on, and records it must not hear of, never change an answer."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import random
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from followthemoney import model
from google.protobuf.json_format import MessageToDict
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from fedcore.query import EntityQuery
from fedcore.vocabulary import DISCLOSURES
from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc
from fedtools.opa import OpaServer
from node.matching import analyse_names, name_keys, prepare_query, score_record
from node.server import RunningNode
from node.store import import_lines
from tests.conftest import NodeFactory, node_client, search_request, sign
from tests.test_node_policy_property import PERSON_VALUES, logged_decision

PERSON = model.schemata["Person"]
# What a query may add to a name and what a policy may keep from matching: the record's other traits.
TRAITS = ("birthDate", "gender", "nationality")
RECORD_VALUES = {name: PERSON_VALUES[name] for name in (*TRAITS, "passportNumber", "alias")}
PROPERTY_NAMES = ["name", *sorted(RECORD_VALUES)]
FLAGS = ["minor", "victim", "witness", "sensitive"]
CLEARANCES = ["basic", "restricted", "confidential", "secret"]
NON_EU_REQUESTERS = ["UA", "AE", "US"]
NOT_MENTIONED_FLAGS = ["victim", "witness"]  # France never mentions them to countries outside the EU


@dataclass(frozen=True)
class Namesake:
    """An invented name (letters only, nobody's) that a search and its example's records share."""

    given: str
    family: str

    @property
    def text(self) -> str:
        return f"{self.given} {self.family}"


def invented_name(number: int) -> Namesake:
    """Four and five syllables: blocking keys by sound keep only a part's consonant classes (six among these
    letters), so a three-syllable given name has at most 216 of them, fewer than the examples a test runs."""
    rng = random.Random(f"sidechannels-{number}")

    def word(syllables: int) -> str:
        return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(syllables)).capitalize()

    return Namesake(word(4), word(5))


def _other_vowel(letter: str) -> str:
    return "aeiou"["aeiou".index(letter) - 1]


VOWEL_SHIFT = str.maketrans("aeiou", "eioua")
# How a record spells the name (score of the name alone): the order the hits come in depends on it.
SPELLINGS: dict[str, Callable[[Namesake], str]] = {
    "exact": lambda n: n.text,  # 1.0
    "reversed": lambda n: f"{n.family} {n.given}",  # 1.0
    "initial": lambda n: f"{n.given[0]}. {n.family}",  # 0.8
    "family_typo": lambda n: f"{n.given} {n.family[:-2]}{n.family[-1]}{n.family[-2]}",  # 0.9
    "given_typo": lambda n: f"{n.given[:-1]}{_other_vowel(n.given[-1])} {n.family}",  # 0.88 to 0.92
    "family_only": lambda n: n.family,  # 0.49: a candidate, never a hit
    # Someone else whose given or family name sounds the same (one phonetic key in common): 0.0, no candidate.
    "given_sounds_alike": lambda n: f"{n.given.translate(VOWEL_SHIFT)} {n.family[::-1].capitalize()}",
    "family_sounds_alike": lambda n: f"{n.given[::-1].capitalize()} {n.family.translate(VOWEL_SHIFT)}",
}

person = st.fixed_dictionaries(
    {
        "spelling": st.sampled_from(sorted(SPELLINGS)),
        "properties": st.fixed_dictionaries(
            {},
            optional={
                name: st.lists(strategy, min_size=1, max_size=2, unique=True)
                for name, strategy in RECORD_VALUES.items()
            },
        ),
        "flags": st.lists(st.sampled_from(FLAGS), unique=True, max_size=2),
        # A withheld alias spelled exactly as asked: it must not lift the score of what was released.
        "alias_is_the_name": st.booleans(),
    }
)
not_mentioned_person = st.fixed_dictionaries(
    {
        # Most of them spelled exactly as asked (they would outrank every namesake if they counted), or someone
        # else's name that shares a blocking key with the name asked for.
        "spelling": st.sampled_from(
            ["exact", "reversed", "initial", "family_typo", "given_sounds_alike", "family_sounds_alike"]
        ),
        "properties": person.map(lambda drawn: drawn["properties"]),
        "flags": st.tuples(st.sampled_from(NOT_MENTIONED_FLAGS), st.lists(st.sampled_from(["minor", "sensitive"]))).map(
            lambda drawn: sorted({drawn[0], *drawn[1]})
        ),
        "alias_is_the_name": st.just(False),
    }
)
profile = st.fixed_dictionaries(
    {
        "properties": st.one_of(
            st.just({"Person": ["*"]}),
            # The name and some of the rest: partial hits that carry a score.
            st.lists(st.sampled_from(PROPERTY_NAMES[1:]), unique=True).map(lambda names: {"Person": ["name", *names]}),
            st.lists(st.sampled_from(PROPERTY_NAMES), unique=True).map(lambda names: {"Person": names}),
            st.just({}),
        ),
    },
    optional={
        "generalise": st.sampled_from([{"birthDate": "year"}, {"birthDate": "year_month"}, {}]),
        "hit_only": st.booleans(),
    },
)


def policy_settings(requester_countries: list[str], min_clearances: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """France's settings with one partner (the requester's country) and a generated profile."""
    return st.fixed_dictionaries(
        {
            "min_clearance": st.sampled_from(min_clearances),
            "hit_only_score": st.sampled_from(["band", "none"]),
            "profiles": st.fixed_dictionaries({"generated": profile}),
            "partners": st.sampled_from(requester_countries).map(
                lambda country: {country: {"profile": "generated", "purposes": ["terrorism"]}}
            ),
            "property_clearance": st.dictionaries(
                st.sampled_from(PROPERTY_NAMES), st.sampled_from(CLEARANCES), max_size=3
            ),
            "hit_only_schemata": st.sampled_from([[], ["Person"]]),
        }
    )


def spelled(spelling: str, flags: list[str] | None = None) -> dict[str, Any]:
    """A person as `person` draws them, with no other property: for explicit examples."""
    return {"spelling": spelling, "properties": {}, "flags": flags or [], "alias_is_the_name": False}


def trait_values(people: list[dict[str, Any]]) -> dict[str, st.SearchStrategy[str]]:
    """A value for each trait a query may add: one of the records' own values first, or any other."""
    values: dict[str, st.SearchStrategy[str]] = {}
    for name in TRAITS:
        held = sorted({value for drawn in people for value in drawn["properties"].get(name, [])})
        values[name] = st.one_of(st.sampled_from(held), RECORD_VALUES[name]) if held else RECORD_VALUES[name]
    return values


@st.composite
def namesakes_beside_hidden(draw: st.DrawFn) -> dict[str, Any]:
    """Namesakes the requester may hear of, records it may not, and the traits a query adds to the name."""
    people = draw(st.lists(person, min_size=1, max_size=6))
    hidden = draw(st.lists(not_mentioned_person, max_size=8))
    traits = draw(st.fixed_dictionaries({}, optional=trait_values(people + hidden)))
    return {"people": people, "hidden": hidden, "traits": traits}


@st.composite
def namesakes_and_traits(draw: st.DrawFn) -> dict[str, Any]:
    """Namesakes, and the traits a query adds to the name (maybe none)."""
    people = draw(st.lists(person, min_size=1, max_size=6))
    traits = draw(st.fixed_dictionaries({}, optional=trait_values(people)))
    return {"people": people, "traits": traits}


serial = itertools.count()
SEED_NAME = "Seed Record"  # the one record a France node starts with


def sound_key(word: str) -> str:
    """The phonetic blocking key of one name part."""
    return min(
        key
        for key in name_keys(analyse_names(PERSON, {"name": [word]}, side="query"), side="query")
        if key.startswith("m:")
    )


def index_keys(names: list[str]) -> set[str]:
    return name_keys(analyse_names(PERSON, {"name": names}, side="index"), side="index")


class Namesakes:
    """Names for one node's examples, each sharing no blocking key with a record the node holds (its seed, and
    every name handed out before, however a record spells it): an example's search finds no other's records.

    One book per node: another node's records are never candidates, so their names use up no keys here.
    """

    def __init__(self) -> None:
        self.used_keys = index_keys([SEED_NAME])

    def fresh(self, given_sounds_first: bool = True) -> tuple[int, Namesake]:
        """A number for the example (never given twice, whatever the node), and its name.

        `given_sounds_first`: whether the given name's phonetic key sorts before the family name's. The store
        reads keys in that order where their counts tie, so an example fails or passes alike with any name.
        """
        while True:
            number = next(serial)
            namesake = invented_name(number)
            if (sound_key(namesake.given) < sound_key(namesake.family)) != given_sounds_first:
                continue
            keys = index_keys([spell(namesake) for spell in SPELLINGS.values()])
            if keys.isdisjoint(self.used_keys):
                self.used_keys.update(keys)
                return number, namesake


# Without the explain phase: it prints the falsifying example's arguments empty when examples run on a thread.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]


@dataclass(frozen=True)
class Requester:
    country: str
    clearance: str
    investigator: str


def import_people(node: RunningNode, prefix: str, namesake: Namesake, people: list[dict[str, Any]]) -> list[str]:
    """Adds the people to the node's store; their record refs (opaque, chosen by the store), in order."""
    ids, lines = [], []
    for n, drawn in enumerate(people):
        properties = {**drawn["properties"], "name": [SPELLINGS[drawn["spelling"]](namesake)]}
        if drawn["alias_is_the_name"]:
            properties["alias"] = [*properties.get("alias", []), namesake.text]
        ids.append(f"{prefix}-{n}")
        lines.append(json.dumps({"id": ids[-1], "schema": "Person", "properties": properties, "flags": drawn["flags"]}))
    report = import_lines(node.config.store_path, lines, skip_invalid=False)
    assert not report.bad_lines, report.bad_lines
    with contextlib.closing(sqlite3.connect(f"file:{node.config.store_path}?mode=ro", uri=True)) as store:
        marks = ",".join("?" * len(ids))
        refs = dict(store.execute(f"SELECT entity_id, ref FROM records WHERE entity_id IN ({marks})", ids))
    return [refs[entity_id] for entity_id in ids]


class Searcher:
    """Searches one node as a requester, and reads the one decision OPA logged for each search."""

    def __init__(self, client: pb_grpc.NodeAsyncStub, opa: OpaServer, session: aiohttp.ClientSession) -> None:
        self.client = client
        self.opa = opa
        self.session = session

    async def set_policy(self, policy: dict[str, Any]) -> None:
        async with self.session.put(f"{self.opa.url}/v1/data/fedgate/countries/fr/settings", json=policy) as response:
            assert response.status == 204

    async def search(
        self, requester: Requester, properties: dict[str, list[str]], *, limit: int, query_id: str
    ) -> pb.SearchResponse:
        request = search_request(
            properties,
            country=requester.country,
            purpose="terrorism",
            clearance=requester.clearance,
            query_id=query_id,
            limit=limit,
            to_country=None,
        )
        # One investigator per example, so that each example has its own rate limit and probe budget.
        request.requester.investigator_id = requester.investigator
        answer: pb.SearchResponse = await self.client.Search(sign(request), timeout=10)
        return answer

    async def decision(self, query_id: str) -> dict[str, Any]:
        return await logged_decision(self.opa, query_id)


@asynccontextmanager
async def france_node(
    node_factory: NodeFactory, opa_factory: Callable[..., OpaServer]
) -> AsyncIterator[tuple[RunningNode, Searcher, Namesakes]]:
    """A France node on a real OPA that serves writable settings and logs its decisions, and the names its
    examples may invent."""
    opa = opa_factory("FR", as_bundle=False, decision_logs=True)
    node = await node_factory(
        "FR", opa.url, records=[{"id": "seed", "schema": "Person", "properties": {"name": [SEED_NAME]}}]
    )
    async with aiohttp.ClientSession() as session, node_client(node.address) as client:
        yield node, Searcher(client, opa, session), Namesakes()


def shown(answer: pb.SearchResponse) -> dict[str, Any]:
    """What an answer tells, without what differs from one search to the next by design (its id, audit entry
    with its seq and hash, and signature): outcome, refusal, policy revision, and the hits in order with their
    scores (present or not), bands, released and withheld properties and match evidence."""
    copy = pb.SearchResponse()
    copy.CopyFrom(answer)
    for field in ("query_id", "audit_entry_id", "audit_seq", "audit_hash", "signature", "signed_at"):
        copy.ClearField(field)
    return MessageToDict(copy)


def matchable(decision: dict[str, Any]) -> set[str]:
    """The query properties some record of the decision may be matched on."""
    return {name for record in decision["records"].values() for name in record.get("match_on", [])}


def disclosures(answer: pb.SearchResponse) -> collections.Counter[str]:
    return collections.Counter(pb.Disclosure.Name(hit.disclosure) for hit in answer.hits)


async def test_a_trait_the_requester_may_not_match_on_never_changes_the_answer(
    node_factory: NodeFactory, opa_factory: Callable[..., OpaServer]
) -> None:
    tally: collections.Counter[str] = collections.Counter()
    async with france_node(node_factory, opa_factory) as (node, searcher, namesakes):
        loop = asyncio.get_running_loop()

        @settings(
            max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES
        )
        @given(
            people=st.lists(person, min_size=1, max_size=6),
            policy=policy_settings(["DE", "UA"], ["basic"]),
            requester_clearance=st.sampled_from(CLEARANCES),
            limit=st.integers(1, 5),
            data=st.data(),
        )
        def check(
            people: list[dict[str, Any]],
            policy: dict[str, Any],
            requester_clearance: str,
            limit: int,
            data: st.DataObject,
        ) -> None:
            traits = data.draw(st.fixed_dictionaries(trait_values(people)), label="query traits")
            note(f"{people=}\n{policy=}\n{requester_clearance=}, {limit=}")
            asyncio.run_coroutine_threadsafe(
                one_example(people, policy, requester_clearance, limit, traits), loop
            ).result(timeout=60)

        async def one_example(
            people: list[dict[str, Any]],
            policy: dict[str, Any],
            requester_clearance: str,
            limit: int,
            traits: dict[str, str],
        ) -> None:
            number, namesake = namesakes.fresh()
            import_people(node, f"a{number}", namesake, people)
            await searcher.set_policy(policy)
            requester = Requester(next(iter(policy["partners"])), requester_clearance, f"inv-a{number}")
            by_name = await searcher.search(
                requester, {"name": [namesake.text]}, limit=limit, query_id=f"a{number}-name"
            )
            name_decision = await searcher.decision(f"a{number}-name")
            # Only traits no record may be matched on: the others may rightly change the answer.
            added = {name: [value] for name, value in traits.items() if name not in matchable(name_decision)}
            if not added:
                tally["no trait to add"] += 1
                return
            with_traits = await searcher.search(
                requester, {"name": [namesake.text], **added}, limit=limit, query_id=f"a{number}-traits"
            )
            traits_decision = await searcher.decision(f"a{number}-traits")
            if matchable(traits_decision) & added.keys():
                # A record found by the added birth date may be matched on it: the rule does not apply.
                tally["a trait became matchable"] += 1
                return
            assert shown(with_traits) == shown(by_name), (added, name_decision["records"])
            tally["compared"] += 1
            tally.update(f"added {name}" for name in added)
            tally.update(
                f"added true {name}"
                for name, value in traits.items()
                if name in added and any(value in drawn["properties"].get(name, []) for drawn in people)
            )
            tally.update(disclosures(by_name))

        # Hypothesis drives examples from a worker thread; each search runs on the test's own loop.
        await asyncio.to_thread(check)
    print(dict(tally))
    assert tally["compared"] > 0
    assert tally["DISCLOSURE_HIT_ONLY"] > 0
    assert tally["DISCLOSURE_FULL"] + tally["DISCLOSURE_PARTIAL"] > 0


async def test_b_records_the_policy_must_not_mention_never_change_the_answer(
    node_factory: NodeFactory, opa_factory: Callable[..., OpaServer]
) -> None:
    tally: collections.Counter[str] = collections.Counter()
    async with france_node(node_factory, opa_factory) as (node, searcher, namesakes):
        loop = asyncio.get_running_loop()

        # At most 6 namesakes and 8 records not to be mentioned: 14, below the candidate budget
        # (max_candidates, 20). A known residual, not tested here: a flood of more namesakes than the budget
        # can push the records that would be hits out of the candidates, which changes the answer.
        @settings(
            max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES
        )
        @given(
            scenario=namesakes_beside_hidden(),
            policy=policy_settings(NON_EU_REQUESTERS, ["basic"]),
            requester_clearance=st.sampled_from(CLEARANCES),
            given_sounds_first=st.booleans(),
        )
        # Found by this test: one victim "G. Zoselule" brought the visible "G. Zoselule" into the answer (limit 5),
        # because the store reads only one of several single-token keys with the same number of postings, and
        # records the policy must not mention count towards those numbers.
        @example(
            scenario={
                "people": [*[spelled("exact")] * 4, spelled("given_sounds_alike"), spelled("initial")],
                "hidden": [spelled("initial", flags=["victim"])],
                "traits": {},
            },
            policy={
                "min_clearance": "basic",
                "hit_only_score": "band",
                "profiles": {"generated": {"properties": {"Person": ["*"]}}},
                "partners": {"UA": {"profile": "generated", "purposes": ["terrorism"]}},
                "property_clearance": {},
                "hit_only_schemata": [],
            },
            requester_clearance="basic",
            given_sounds_first=True,
        )
        def check(
            scenario: dict[str, Any], policy: dict[str, Any], requester_clearance: str, given_sounds_first: bool
        ) -> None:
            note(f"{scenario=}\n{policy=}\n{requester_clearance=}, {given_sounds_first=}")
            asyncio.run_coroutine_threadsafe(
                one_example(
                    scenario["people"],
                    scenario["hidden"],
                    policy,
                    requester_clearance,
                    given_sounds_first,
                    scenario["traits"],
                ),
                loop,
            ).result(timeout=60)

        async def one_example(
            people: list[dict[str, Any]],
            hidden: list[dict[str, Any]],
            policy: dict[str, Any],
            requester_clearance: str,
            given_sounds_first: bool,
            traits: dict[str, str],
        ) -> None:
            number, namesake = namesakes.fresh(given_sounds_first)
            import_people(node, f"b{number}", namesake, people)
            await searcher.set_policy(policy)
            requester = Requester(next(iter(policy["partners"])), requester_clearance, f"inv-b{number}")
            query = {"name": [namesake.text], **{name: [value] for name, value in traits.items()}}
            limits = range(1, 6)
            before = {
                limit: await searcher.search(requester, query, limit=limit, query_id=f"b{number}-before-{limit}")
                for limit in limits
            }
            hidden_refs = import_people(node, f"b{number}-hidden", namesake, hidden)
            after = {
                limit: await searcher.search(requester, query, limit=limit, query_id=f"b{number}-after-{limit}")
                for limit in limits
            }
            decision = await searcher.decision(f"b{number}-after-5")
            for limit in limits:
                assert shown(after[limit]) == shown(before[limit]), (limit, namesake, query, decision["records"])
            # Those that were candidates, the policy said not to mention: the test is about them.
            assert not decision["refused"]
            candidates = [ref for ref in hidden_refs if ref in decision["records"]]
            assert {decision["records"][ref]["disclosure"] for ref in candidates} <= {"none"}
            tally["hidden candidates"] += len(candidates)
            tally["compared"] += 1
            tally["hidden records"] += len(hidden)
            if hidden and before[5].hits:
                tally["hidden beside hits"] += 1
            if any(drawn["spelling"] in ("exact", "reversed") for drawn in hidden):
                tally["hidden spelled exactly"] += 1
            if before[1].hits and len(before[5].hits) > 1:
                tally["limit cut hits"] += 1
            tally.update(disclosures(before[5]))

        # Hypothesis drives examples from a worker thread; each search runs on the test's own loop.
        await asyncio.to_thread(check)
    print(dict(tally))
    assert tally["hidden candidates"] > 0
    assert tally["hidden beside hits"] > 0
    assert tally["limit cut hits"] > 0
    assert tally["DISCLOSURE_HIT_ONLY"] > 0
    assert tally["DISCLOSURE_FULL"] + tally["DISCLOSURE_PARTIAL"] > 0


def score_from_answer(query: dict[str, list[str]], hit: pb.Hit) -> float | None:
    """The score a requester can work out from the answer alone: its query's properties released as they are,
    against the values the hit shows as they are. None when no name or identifier of the query is among them."""
    generalised = {item.property for item in hit.generalised}
    as_is = {name: list(values.values) for name, values in hit.properties.items() if name not in generalised}
    prepared = prepare_query(EntityQuery(PERSON, {name: values for name, values in query.items() if name in as_is}))
    if not prepared.names and not prepared.identifiers:
        return None
    result = score_record(prepared, PERSON, as_is)
    return None if result is None else result.score


async def test_c_a_hit_shows_exactly_what_its_decision_releases_and_scores_only_that(
    node_factory: NodeFactory, opa_factory: Callable[..., OpaServer]
) -> None:
    tally: collections.Counter[str] = collections.Counter()
    async with france_node(node_factory, opa_factory) as (node, searcher, namesakes):
        loop = asyncio.get_running_loop()

        @settings(
            max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES
        )
        @given(
            scenario=namesakes_and_traits(),
            policy=policy_settings(["DE", "UA"], CLEARANCES),
            requester_clearance=st.sampled_from(CLEARANCES),
        )
        # The custody case itself, whatever the draws: records with a withheld alias spelled as asked (names find
        # records, whichever of them may leave) and a name spelled otherwise, so their scores are 0.8 and 0.49
        # on what they show, 1.0 if the alias counted. Drawn, the case comes only when a profile releases the
        # name and keeps the alias: a few times a run, and some runs not at all.
        @example(
            scenario={
                "people": [{**spelled(spelling), "alias_is_the_name": True} for spelling in ("initial", "family_only")],
                "traits": {},
            },
            policy={
                "min_clearance": "basic",
                "hit_only_score": "band",
                "profiles": {"generated": {"properties": {"Person": ["name"]}}},
                "partners": {"DE": {"profile": "generated", "purposes": ["terrorism"]}},
                "property_clearance": {},
                "hit_only_schemata": [],
            },
            requester_clearance="basic",
        )
        def check(scenario: dict[str, Any], policy: dict[str, Any], requester_clearance: str) -> None:
            note(f"{scenario=}\n{policy=}\n{requester_clearance=}")
            asyncio.run_coroutine_threadsafe(
                one_example(scenario["people"], policy, requester_clearance, scenario["traits"]), loop
            ).result(timeout=60)

        async def one_example(
            people: list[dict[str, Any]], policy: dict[str, Any], requester_clearance: str, traits: dict[str, str]
        ) -> None:
            number, namesake = namesakes.fresh()
            drawn_by_ref = dict(zip(import_people(node, f"c{number}", namesake, people), people, strict=True))
            await searcher.set_policy(policy)
            requester = Requester(next(iter(policy["partners"])), requester_clearance, f"inv-c{number}")
            query = {"name": [namesake.text], **{name: [value] for name, value in traits.items()}}
            answer = await searcher.search(requester, query, limit=10, query_id=f"c{number}")
            decision = await searcher.decision(f"c{number}")
            tally[pb.SearchOutcome.Name(answer.outcome)] += 1
            if decision["refused"]:
                assert answer.outcome == pb.SEARCH_OUTCOME_REFUSED
                assert list(answer.hits) == []
                return
            for hit in answer.hits:
                allowed = decision["records"][hit.record_ref]
                where = (hit.record_ref, allowed, MessageToDict(hit))
                assert allowed["disclosure"] != "none", where
                assert hit.disclosure == DISCLOSURES[allowed["disclosure"]], where
                assert set(hit.properties) == set(allowed["release"]), where
                assert {w.property for w in hit.withheld} == set(allowed["withheld"]), where
                assert {g.property: g.method for g in hit.generalised} == allowed["generalise"], where
                released_as_is = set(allowed["release"]) - set(allowed["generalise"])
                assert {m.property for m in hit.matched} <= released_as_is, where
                if allowed["disclosure"] == "hit_only":
                    assert not hit.HasField("score"), where
                    assert list(hit.matched) == [], where
                if hit.HasField("score"):
                    assert allowed["disclosure"] in ("full", "partial"), where
                    assert allowed["score"] == "released", where
                    # The score says nothing the hit does not show: a withheld alias or birth date never lifts it.
                    assert hit.score == score_from_answer(query, hit), where
                elif allowed["score"] == "released":
                    assert score_from_answer(query, hit) is None, where
                assert (hit.score_band != pb.SCORE_BAND_UNSPECIFIED) == (allowed["score"] == "band"), where
                tally[pb.Disclosure.Name(hit.disclosure)] += 1
                tally["with score"] += hit.HasField("score")
                tally["with band"] += hit.score_band != pb.SCORE_BAND_UNSPECIFIED
                tally["with matched"] += bool(hit.matched)
                if hit.HasField("score") and "alias" not in released_as_is:
                    tally["scored beside a withheld alias spelled as asked"] += drawn_by_ref[hit.record_ref][
                        "alias_is_the_name"
                    ]
            mentioned = {ref for ref, d in decision["records"].items() if d["disclosure"] != "none"}
            assert {hit.record_ref for hit in answer.hits} <= mentioned

        # Hypothesis drives examples from a worker thread; each search runs on the test's own loop.
        await asyncio.to_thread(check)
    print(dict(tally))
    assert tally["SEARCH_OUTCOME_REFUSED"] > 0
    assert tally["DISCLOSURE_HIT_ONLY"] > 0
    assert tally["DISCLOSURE_FULL"] + tally["DISCLOSURE_PARTIAL"] > 0
    assert tally["with score"] > 0
    assert tally["with band"] > 0
    assert tally["scored beside a withheld alias spelled as asked"] > 0
