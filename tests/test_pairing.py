"""Name parts pair as the candidate pairs most alike together (node.matching.pairing), for every set of candidates."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from node.matching.pairing import MAX_PAIRING_CANDIDATES, best_pairing

Candidate = tuple[float, str, str]
CANDIDATES = st.lists(
    st.tuples(st.floats(0.0, 1.0), st.sampled_from("abcd"), st.sampled_from("wxyz")),
    max_size=MAX_PAIRING_CANDIDATES,
    unique_by=lambda candidate: candidate[1:],
)


def is_pairing(pairs: list[Candidate]) -> bool:
    return len({mine for _, mine, _ in pairs}) == len(pairs) == len({theirs for _, _, theirs in pairs})


def total(pairs: list[Candidate]) -> float:
    return sum(similarity for similarity, _, _ in pairs)


def greedy(candidates: list[Candidate]) -> list[Candidate]:
    chosen: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda item: -item[0]):
        if is_pairing([*chosen, candidate]):
            chosen.append(candidate)
    return chosen


@given(CANDIDATES)
def test_the_pairing_is_the_most_alike_of_all(candidates: list[Candidate]) -> None:
    chosen = best_pairing(candidates)
    assert is_pairing(chosen)
    assert set(chosen) <= set(candidates)
    best = max(
        (
            total(list(subset))
            for size in range(len(candidates) + 1)
            for subset in itertools.combinations(candidates, size)
            if is_pairing(list(subset))
        ),
        default=0.0,
    )
    assert abs(total(chosen) - best) < 1e-9
    assert total(chosen) >= total(greedy(candidates)) - 1e-9


def test_the_most_alike_pair_gives_way_to_two_that_are_alike_together() -> None:
    # One query part sounds most like a record part the other query part is; the two right pairs win.
    candidates = [(1.0, "family", "given"), (0.8, "given", "given"), (0.75, "family", "family")]
    assert sorted(best_pairing(candidates)) == [(0.75, "family", "family"), (0.8, "given", "given")]
    assert greedy(candidates) == [(1.0, "family", "given")]


def test_too_many_candidates_are_left_as_given() -> None:
    candidates = [(0.5, f"q{index}", f"r{index}") for index in range(MAX_PAIRING_CANDIDATES + 1)]
    assert best_pairing(candidates) == candidates
