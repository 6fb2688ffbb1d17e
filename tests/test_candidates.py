"""Choosing candidates in a real store (SQLite and PostgreSQL) when a names-only query's keys cannot tell records
apart."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from fedcore.query import validate_query
from node.config import DEFAULT_MATCHING
from node.matching import TUNABLES, PreparedQuery, prepare_query, query_keys, spelling_similarities
from node.pgsql import Location
from node.search import find_matches
from node.store import Store, StoredRecord, import_lines
from node.store import search as store_search
from tests.pg import Engine

STEMS = ("Hahn", "Kraus", "Vogel", "Berger", "Lorenz")
# Family names in S, as Schmitt's: a Jörg S. is no rarer than the rest.
S_STEMS = ("Sauer", "Seidel", "Simon", "Sievers", "Sommer")


def import_people(engine: Engine, people: list[str]) -> Location:
    """A store of Persons with these names, p0, p1… in their order."""
    lines = (
        json.dumps({"id": f"p{index}", "schema": "Person", "properties": {"name": [name]}})
        for index, name in enumerate(people)
    )
    path = engine.location()
    import_lines(path, lines, skip_invalid=False)
    return path


def build(engine: Engine, stems: tuple[str, ...] = STEMS) -> Location:
    """Sixty Jörgs with other family names, then Jörg Schmitt: every Jörg shares the query's given name."""
    surnames = [f"{stem}{suffix}" for stem in stems for suffix in "abcdefghijkl"]
    return import_people(engine, [f"Jörg {surname}" for surname in surnames] + ["Jörg Schmitt"] * 3)


def names(records: list[StoredRecord]) -> list[str]:
    return [record.properties["name"][0] for record in records]


def test_a_misspelt_family_name_beside_a_common_given_name_is_still_a_candidate(engine: Engine) -> None:
    store = Store(build(engine, S_STEMS), workers=1)
    try:
        query = validate_query("Person", {"name": ["Jörg Schdmittz"]})
        prepared = prepare_query(query)
        keys = query_keys(query)
        settings = DEFAULT_MATCHING
        # By their keys alone all 63 Jörgs tie, and the store cannot choose: the target falls past the cut.
        plain = store.candidates(
            keys, max_candidates=settings.max_candidates, max_postings=settings.max_postings
        ).by_name
        assert len(plain) == settings.max_candidates
        assert "Jörg Schmitt" not in names(plain)
        chosen = store.candidates(
            keys,
            max_candidates=settings.max_candidates,
            max_postings=settings.max_postings,
            tie_breaker=lambda records: spelling_similarities(prepared, records),
        ).by_name
        assert names(chosen)[:3] == ["Jörg Schmitt"] * 3
        # And the node's matching path finds them, scored as the fuzzy matches they are.
        _, matches = find_matches(store, query, 10, settings)
        assert [record.properties["name"] for record, _ in matches] == [["Jörg Schmitt"]] * 3
        assert {match.matched["name"].kind for _, match in matches} == {"fuzzy"}
    finally:
        store.close()


def test_the_shortlist_reads_a_replaced_record_by_its_new_names(engine: Engine) -> None:
    """The shortlist compares the names stored beside each record (store format 8): a record replaced by an
    import is chosen by its new names, never by the ones it had."""
    path = build(engine, S_STEMS)
    renamed = [
        {"id": f"p{index}", "schema": "Person", "properties": {"name": [name]}}
        for index, name in ((0, "Jörg Schmitt"), (61, "Jörg Sommerfeld"))  # p0 a Jörg Sauer, p61 a Schmitt
    ]
    import_lines(path, (json.dumps(entity) for entity in renamed), skip_invalid=False)
    store = Store(path, workers=1)
    try:
        query = validate_query("Person", {"name": ["Jörg Schdmittz"]})
        prepared = prepare_query(query)
        chosen = store.candidates(
            query_keys(query),
            max_candidates=DEFAULT_MATCHING.max_candidates,
            max_postings=DEFAULT_MATCHING.max_postings,
            tie_breaker=lambda records: spelling_similarities(prepared, records),
        ).by_name
        # p61 would rank among them by the names it had.
        assert names(chosen)[:3] == ["Jörg Schmitt"] * 3
    finally:
        store.close()


def test_a_query_spelt_as_a_record_is_chosen_by_its_keys_unless_they_tie_closely(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most searches are for a name as stored: when one of the first records is spelt as asked, the shortlist is
    read only where the record past the cut weighs close_weight_share_spelt of the best or more."""
    store = Store(build(engine), workers=1)
    try:
        query = validate_query("Person", {"name": ["Jörg Schmitt"]})
        prepared = prepare_query(query)
        for spelt_share, read_on in ((1.01, False), (0.0, True)):
            tunables = replace(TUNABLES, close_weight_share=0.0, close_weight_share_spelt=spelt_share)
            monkeypatch.setattr(store_search, "TUNABLES", tunables)
            seen: list[str] = []

            def similarity(records: list[list[str]], seen: list[str] = seen) -> list[float]:
                seen.extend(text for texts in records for text in texts)
                return spelling_similarities(prepared, records)

            found = store.candidates(query_keys(query), max_candidates=5, max_postings=1000, tie_breaker=similarity)
            assert names(found.by_name)[:3] == ["Jörg Schmitt"] * 3
            # The first six records' names are always read: three Schmitts beside other Jörgs.
            assert (len(seen) > 6) == read_on, spelt_share
    finally:
        store.close()


def test_queries_spelt_like_every_tied_record_read_no_more_and_a_birth_date_changes_no_name_candidate(
    engine: Engine,
) -> None:
    store = Store(build(engine), workers=1)
    try:
        exact = validate_query("Person", {"name": ["Jörg Schmitt"]})
        prepared = prepare_query(exact)
        seen: list[str] = []

        def similarity(records: list[list[str]]) -> list[float]:
            seen.extend(name for names in records for name in names)
            return spelling_similarities(prepared, records)

        found = store.candidates(query_keys(exact), max_candidates=2, max_postings=1000, tie_breaker=similarity)
        # Three namesakes share the best weight beyond a cut of two; all spelt as asked, so nothing else is read.
        assert names(found.by_name) == ["Jörg Schmitt", "Jörg Schmitt"]
        assert found.by_date == []
        # Namesakes store the same names: those are compared once for the three.
        assert seen == ["Jörg Schmitt"]
        # A birth date never changes which records the names find (a policy may not let it count); the
        # records born that day come apart, to be kept only where the policy lets the date be matched on.
        undated = validate_query("Person", {"name": ["Jörg Schdmittz"]})
        plain = store.candidates(query_keys(undated), max_candidates=20, max_postings=1000, tie_breaker=similarity)
        for day in ("1970-01-01", "1971-02-03"):
            dated = validate_query("Person", {"name": ["Jörg Schdmittz"], "birthDate": [day]})
            with_date = store.candidates(
                query_keys(dated), max_candidates=20, max_postings=1000, tie_breaker=similarity
            )
            assert [r.ref for r in with_date.by_name] == [r.ref for r in plain.by_name]
            assert not {r.ref for r in with_date.by_date} & {r.ref for r in plain.by_name}
    finally:
        store.close()


def test_a_shortlist_with_no_record_past_the_first_read_is_read_on_both_engines(engine: Engine) -> None:
    """63 tied Jörgs and a cut of 62: the shortlist holds exactly one record past the cut, read with the first;
    the rest to read is empty (which PostgreSQL once refused as `IN ()`, failing the search)."""
    store = Store(build(engine, S_STEMS), workers=1)
    try:
        query = validate_query("Person", {"name": ["Jörg Schdmittz"]})
        prepared = prepare_query(query)
        found = store.candidates(
            query_keys(query),
            max_candidates=62,
            max_postings=1000,
            tie_breaker=lambda records: spelling_similarities(prepared, records),
        )
        assert len(found.by_name) == 62
        assert names(found.by_name)[:3] == ["Jörg Schmitt"] * 3
    finally:
        store.close()


def test_a_made_up_name_sharing_one_part_sound_reads_no_shortlist_and_no_arbitrary_records(engine: Engine) -> None:
    """A query that shares only single parts' coarse sounds with the store (Smitt, heard as Schmitt's SNT,
    beside a made-up part) has no record with a second part to pair: the records those keys rank alike are
    not read to choose among. Where more of them tie than the candidates, which would be read is arbitrary, and
    none is; the records born on the query's date still are. A query sharing a spelling (Jörg Schdmittz) still
    has its tied records read to choose among."""
    givens = [f"{stem}{suffix}" for stem in ("Anna", "Bruno", "Clara") for suffix in "abcdefghij"]
    lines = [
        json.dumps({"id": f"s{index}", "schema": "Person", "properties": {"name": [f"{given} Schmitt"]}})
        for index, given in enumerate(givens)
    ]
    lines.append(
        json.dumps(
            {"id": "born", "schema": "Person", "properties": {"name": ["Otto Brandt"], "birthDate": ["1961-04-09"]}}
        )
    )
    path = build(engine)
    import_lines(path, iter(lines), skip_invalid=False)
    schmitts = 33  # the 30 above and build's three Jörg Schmitts
    store = Store(path, workers=1)
    try:
        cases = (
            # name, birth date, max_candidates, shortlist read, records found by name
            ("Smitt Zuvuzu", None, 20, False, 0),
            ("Smitt Zuvuzu", "1961-04-09", 20, False, 0),
            ("Smitt Zuvuzu", None, schmitts, False, schmitts),
            ("Jörg Schdmittz", None, 20, True, 20),
        )
        for name, born, max_candidates, shortlisted, by_name in cases:
            properties = {"name": [name], **({"birthDate": [born]} if born else {})}
            query = validate_query("Person", properties)
            prepared = prepare_query(query)
            seen: list[str] = []

            def similarity(
                records: list[list[str]], prepared: PreparedQuery = prepared, seen: list[str] = seen
            ) -> list[float]:
                seen.extend(name for names in records for name in names)
                return spelling_similarities(prepared, records)

            found = store.candidates(
                query_keys(query), max_candidates=max_candidates, max_postings=1000, tie_breaker=similarity
            )
            assert len(found.by_name) == by_name, (name, max_candidates)
            assert bool(seen) == shortlisted, name
            if not shortlisted:  # every record found shares the sound of Schmitt, and nothing else
                assert all(record.properties["name"][0].endswith(" Schmitt") for record in found.by_name)
            assert names(found.by_date) == (["Otto Brandt"] if born else [])
    finally:
        store.close()


def test_an_initial_beside_a_common_family_name_finds_the_records_with_that_initial(engine: Engine) -> None:
    """250 Brandts with given names in A, B, D, E and F, then Konrad and Karl Brandt: K. Brandt shares its family
    name with all of them, and only its initial (the ti: key, K beside Brandt) singles out the two, however
    many Brandts come first."""
    givens = [f"{stem}{first}{second}" for stem in ("Anton", "Bernd", "Dieter", "Ernst", "Felix") for first in "aeiou"
              for second in "lmnrstvxyz"]  # fmt: skip
    store = Store(
        import_people(engine, [*(f"{given} Brandt" for given in givens), "Konrad Brandt", "Karl Brandt"]), workers=1
    )
    try:
        query = validate_query("Person", {"name": ["K. Brandt"]})
        assert "Person|ti:k|brandt" in query_keys(query).name_keys
        _, matches = find_matches(store, query, 10, DEFAULT_MATCHING)
        assert sorted(record.properties["name"][0] for record, _ in matches) == ["Karl Brandt", "Konrad Brandt"]
    finally:
        store.close()


def test_counts_are_read_from_their_narrow_index_and_a_store_made_before_it_is_searched_alike(tmp_path: Path) -> None:
    """SQLite: a search looks its keys' counts up in key_counts_n, not in the posting lists' own deep b-tree; a
    store made before that index is searched the same, and the next import adds it."""
    path = tmp_path / "records.sqlite"
    import_lines(path, (json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Jörg Schmitt"]}}),),
                 skip_invalid=False)  # fmt: skip
    query = validate_query("Person", {"name": ["Jörg Schmitt"]})

    def found() -> tuple[str, list[str]]:
        store = Store(path, workers=1)
        try:
            _, matches = find_matches(store, query, 10, DEFAULT_MATCHING)
            return store._counts_from, [record.ref for record, _ in matches]
        finally:
            store.close()

    source, refs = found()
    assert source == "key_counts INDEXED BY key_counts_n"
    assert len(refs) == 1
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP INDEX key_counts_n")
    assert found() == ("key_counts", refs)
    import_lines(path, (), skip_invalid=False)
    assert found() == (source, refs)


def test_a_record_sharing_only_a_rare_key_is_shortlisted_beside_records_sharing_many_common_ones(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yorick Smitt shares two keys with Jörg Szmitt: the sound of Smitt (as common here as Jörg) and the pair of
    both parts' sounds (his alone). Sixty Jörg S…s share six of Jörg's keys each and outweigh him, so a shortlist
    of twenty by weight leaves him out; as the record of the query's rarest key his names are read beside it."""
    surnames = [f"{stem}{suffix}" for stem in S_STEMS for suffix in "abcdefghijkl"]
    people = [f"Jörg {surname}" for surname in surnames] + [f"Anna Smitt{suffix}" for suffix in "ab"] * 25
    store = Store(import_people(engine, [*people, "Yorick Smitt"]), workers=1)
    try:
        query = validate_query("Person", {"name": ["Jörg Szmitt"]})
        prepared = prepare_query(query)
        read: dict[int, list[str]] = {}
        for rare in (0, 400):
            tunables = replace(TUNABLES, shortlist=20, rare_key_records=rare, shortlist_more=0)
            monkeypatch.setattr(store_search, "TUNABLES", tunables)
            seen = read.setdefault(rare, [])

            def similarity(records: list[list[str]], seen: list[str] = seen) -> list[float]:
                seen.extend(text for texts in records for text in texts)
                return spelling_similarities(prepared, records)

            store.candidates(query_keys(query), max_candidates=5, max_postings=1000, tie_breaker=similarity)
        assert "Yorick Smitt" not in read[0]
        assert "Yorick Smitt" in read[400]
    finally:
        store.close()


def test_when_the_shortlist_holds_no_record_like_the_query_the_next_heaviest_are_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above, but without the rarest keys' records: sixty Jörg S…s outweigh Yorick Smitt and fill a shortlist of
    twenty, none of them like Jörg Szmitt. The next heaviest records are read too (up to shortlist_more), and he is
    among them; not when a record of the shortlist is surely the name asked."""
    surnames = [f"{stem}{suffix}" for stem in S_STEMS for suffix in "abcdefghijkl"]
    people = [f"Jörg {surname}" for surname in surnames] + [f"Anna Smitt{suffix}" for suffix in "ab"] * 25
    for sure in (False, True):
        store = Store(import_people(engine, [*people, "Yorick Smitt", *(["Jörg Szmitt"] if sure else [])]), workers=1)
        try:
            query = validate_query("Person", {"name": ["Jörg Szmitt"]})
            prepared = prepare_query(query)
            read: dict[int, list[str]] = {}
            chosen: dict[int, list[str]] = {}
            for more in (0, 400):
                tunables = replace(TUNABLES, shortlist=20, rare_key_records=0, shortlist_more=more)
                monkeypatch.setattr(store_search, "TUNABLES", tunables)
                seen = read.setdefault(more, [])

                def similarity(
                    records: list[list[str]], seen: list[str] = seen, prepared: PreparedQuery = prepared
                ) -> list[float]:
                    seen.extend(text for texts in records for text in texts)
                    # As if Yorick Smitt were as like Jörg Szmitt as a name in another script can be.
                    alike = spelling_similarities(prepared, records)
                    return [
                        0.8 if texts == ["Yorick Smitt"] else value for texts, value in zip(records, alike, strict=True)
                    ]

                keys = query_keys(query)
                found = store.candidates(keys, max_candidates=5, max_postings=1000, tie_breaker=similarity)
                chosen[more] = names(found.by_name)
            assert "Yorick Smitt" not in read[0]
            assert ("Yorick Smitt" in read[400]) is not sure
            # Sure: the shortlist alone is read, as without the next heaviest.
            assert (sorted(read[400]) == sorted(read[0])) is sure
            # Kept beside the records the shortlist chose, not instead of one.
            assert chosen[400] == chosen[0] + ([] if sure else ["Yorick Smitt"])
        finally:
            store.close()
