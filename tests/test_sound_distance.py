"""The compiled kernels (native/, the fedmatch module) against the textbook computations they replace: the weighted
edit distance over the sound costs and names' likeness part by part, the same number for every input; and a clear
error for what is no sound."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from fedmatch import SoundTable, letters_likeness, letters_likeness_many
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import token_sort_ratio

from node.matching.sounds import COSTS, SOUND_TABLE, SUBSTITUTIONS, SYMBOLS, sounds

SOUNDS = "".join(SYMBOLS)


def added_up(costs: Iterable[float]) -> float:
    """Left to right, as the kernel adds (Python's sum() compensates its rounding from 3.12 on)."""
    total = 0.0
    for cost in costs:
        total += cost
    return total


def textbook_similarity(first: str, second: str) -> float:
    """Wagner-Fischer over the whole matrix, written out plainly."""
    if not first or not second:
        return 0.0
    rows, columns = len(first) + 1, len(second) + 1
    distance = [[0.0] * columns for _ in range(rows)]
    for row in range(1, rows):
        distance[row][0] = distance[row - 1][0] + COSTS[first[row - 1]]
    for column in range(1, columns):
        distance[0][column] = distance[0][column - 1] + COSTS[second[column - 1]]
    for row in range(1, rows):
        for column in range(1, columns):
            mine, theirs = first[row - 1], second[column - 1]
            distance[row][column] = min(
                distance[row - 1][column] + COSTS[mine],
                distance[row][column - 1] + COSTS[theirs],
                distance[row - 1][column - 1] + SUBSTITUTIONS[mine, theirs],
            )
    weight = max(added_up(COSTS[sound] for sound in first), added_up(COSTS[sound] for sound in second))
    if not weight:
        return 1.0 if distance[-1][-1] == 0 else 0.0
    return max(0.0, 1.0 - distance[-1][-1] / weight)


@given(st.text(SOUNDS, max_size=16), st.text(SOUNDS, max_size=16))
def test_compiled_distance_is_the_textbook_one(first: str, second: str) -> None:
    assert SOUND_TABLE.similarity(first, second) == textbook_similarity(first, second)


def test_names_heard_alike_are_alike() -> None:
    # Dunleavy as Cyrillic writes it (Данливи): a vowel written as another costs a little.
    latin, cyrillic = sounds("dunleavy", "letters"), sounds("danlivi", "letters")
    assert 0.8 < SOUND_TABLE.similarity(latin, cyrillic) == textbook_similarity(latin, cyrillic) < 1.0
    assert SOUND_TABLE.similarity(latin, latin) == 1.0
    assert SOUND_TABLE.similarity("", latin) == 0.0


def test_a_character_that_is_no_sound_is_named() -> None:
    with pytest.raises(ValueError, match="'!' in \"Ta!\" is no sound class"):
        SOUND_TABLE.similarity("Ta!", "Ta")


@pytest.mark.parametrize(
    ("symbols", "costs", "substitutions", "problem"),
    [
        ("", [], [], "1 to 254 symbols, not 0"),
        ("ab", [1.0], [0.0] * 4, "2 symbols need 2 costs, not 1"),
        ("ab", [1.0, 1.0], [0.0] * 3, "2 symbols need 4 substitution costs, not 3"),
        ("ab", [1.0, -1.0], [0.0] * 4, "a finite number of 0 or more, not -1"),
        ("aa", [1.0, 1.0], [0.0] * 4, "the symbol 'a' is in the table twice"),
    ],
)
def test_a_bad_table_is_refused(symbols: str, costs: list[float], substitutions: list[float], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SoundTable(symbols, costs, substitutions)


def textbook_likeness(mine: list[str], theirs: list[str], alike: Callable[[str, str], float], floor: float) -> float:
    if not mine or not theirs:
        return 0.0
    total = 0.0
    for part in mine:
        best = max(alike(part, other) for other in theirs)
        total += best if best >= floor else 0.0
    return total / max(len(mine), len(theirs))


PARTS = st.lists(st.text(SOUNDS, max_size=8), max_size=4)
SPELLINGS = st.lists(st.text("abcdeh ", min_size=1, max_size=8), max_size=4)
FLOORS = st.floats(0.0, 1.0)


@given(PARTS, PARTS, FLOORS)
def test_compiled_sound_likeness_pairs_each_part_with_its_best(
    mine: list[str], theirs: list[str], floor: float
) -> None:
    expected = textbook_likeness(mine, theirs, textbook_similarity, floor)
    assert SOUND_TABLE.part_likeness(mine, theirs, floor) == expected


@given(SPELLINGS, SPELLINGS, FLOORS, FLOORS)
def test_compiled_letter_likeness_is_rapidfuzz_levenshtein(
    mine: list[str], theirs: list[str], floor: float, initial_score: float
) -> None:
    def alike(first: str, second: str) -> float:
        if len(first) == 1 or len(second) == 1:
            return initial_score if first[0] == second[0] else 0.0
        return Levenshtein.normalized_similarity(first, second)

    expected = textbook_likeness(mine, theirs, alike, floor)
    assert letters_likeness(mine, theirs, floor, initial_score) == expected


@given(PARTS, st.lists(PARTS, max_size=5), FLOORS)
def test_compiled_sound_likeness_of_many_names_is_each_ones_or_the_whole_names(
    mine: list[str], names: list[list[str]], floor: float
) -> None:
    """A shortlist's names in one call: each as part_likeness has it, and where the numbers of parts differ, the
    whole names' similarity when that is better (the whole sounds of a name are only read then)."""
    wholes = ["".join(parts) for parts in names]
    theirs = [(parts, whole if len(parts) != len(mine) else "") for parts, whole in zip(names, wholes, strict=True)]
    expected = []
    for parts, whole in zip(names, wholes, strict=True):
        likeness = SOUND_TABLE.part_likeness(mine, parts, floor)
        if mine and parts and len(parts) != len(mine):
            likeness = max(likeness, textbook_similarity("".join(mine), whole))
        expected.append(likeness if mine and parts else 0.0)
    assert SOUND_TABLE.likeness_many(mine, "".join(mine), theirs, floor) == expected


@given(SPELLINGS, st.lists(SPELLINGS, max_size=5), FLOORS, FLOORS)
def test_compiled_letter_likeness_of_many_names_is_each_ones_or_rapidfuzz_token_sort(
    mine: list[str], names: list[list[str]], floor: float, initial_score: float
) -> None:
    expected = []
    for parts in names:
        likeness = letters_likeness(mine, parts, floor, initial_score)
        if mine and parts and len(parts) != len(mine):
            likeness = max(likeness, token_sort_ratio(" ".join(mine), " ".join(parts)) / 100)
        expected.append(likeness)
    assert letters_likeness_many(mine, names, floor, initial_score) == expected


def test_an_initial_is_as_alike_as_asked() -> None:
    assert letters_likeness(["j", "smith"], ["john", "smith"], 0.5, 0.8) == (0.8 + 1.0) / 2
    assert letters_likeness(["k", "smith"], ["john", "smith"], 0.5, 0.8) == 1.0 / 2
