"""Name parts compared by sound across scripts (node.matching.sounds), on its own and inside a record's score."""

from __future__ import annotations

from dataclasses import replace

import pytest
from followthemoney import model
from hypothesis import given
from hypothesis import strategies as st
from rigour.text.translit import ascii_text

from fedcore.query import validate_query
from node.config import DEFAULT_MATCHING
from node.matching import names, prepare_query, score_record
from node.matching.settings import TUNABLES
from node.matching.sounds import Reading, readings, sound_similarity, sounds

PERSON = model["Person"]
THRESHOLD = DEFAULT_MATCHING.min_score
SOUND_SYMBOLS = "aeiouBKGSJTLRMNHWY"


def alike(latin: str, other: str, reading: Reading) -> float:
    latin_reading: Reading = {"pinyin": "heard_in_pinyin", "abjad": "consonants"}.get(reading, reading)  # type: ignore[assignment]
    return sound_similarity(sounds(latin.lower(), latin_reading), sounds(ascii_text(other).lower(), reading))


@pytest.mark.parametrize(
    ("latin", "other", "reading"),
    [
        ("Howard", "Говард", "letters"),  # Г for H
        ("Whitney", "Уитни", "letters"),
        ("Margaret", "Μάργκαρετ", "letters"),
        ("Thatcher", "Тэтчер", "letters"),
        ("Gordon", "غوردون", "abjad"),
        ("Oliver", "أوليفر", "abjad"),
        ("George", "ג'ורג'", "abjad"),  # geresh: ג' is j
        ("Charlotte", "שרלוט", "abjad"),
        ("Lincoln", "林肯", "pinyin"),
        ("Parker", "帕克", "pinyin"),  # the r that ends a syllable is not written
        ("Newton", "牛頓", "pinyin"),
        ("Dickens", "狄更斯", "pinyin"),
    ],
)
def test_a_name_sounds_like_its_transcription(latin: str, other: str, reading: Reading) -> None:
    assert alike(latin, other, reading) >= TUNABLES.sound_min_similarity


@pytest.mark.parametrize(
    ("latin", "other", "reading"),
    [
        ("Peter", "Пол", "letters"),
        ("Harris", "Морис", "letters"),
        ("Gordon", "كارتر", "abjad"),
        ("Lincoln", "华盛顿", "pinyin"),
        ("Newton", "狄更斯", "pinyin"),
    ],
)
def test_another_name_does_not(latin: str, other: str, reading: Reading) -> None:
    assert alike(latin, other, reading) < TUNABLES.sound_min_similarity


def test_readings_follow_the_scripts() -> None:
    latin, cyrillic, arabic, han = (frozenset({s}) for s in ("Latin", "Cyrillic", "Arabic", "Han"))
    assert readings(latin, latin) is None
    assert readings(latin, cyrillic) == ("letters", "letters")
    assert readings(arabic, latin) == ("abjad", "consonants")
    assert readings(latin, han) == ("heard_in_pinyin", "pinyin")
    assert readings(han, latin) == ("pinyin", "heard_in_pinyin")
    assert readings(latin, frozenset({"Thai"})) is None


@given(st.text(SOUND_SYMBOLS, max_size=12), st.text(SOUND_SYMBOLS, max_size=12))
def test_similarity_is_symmetric_and_bounded(first: str, second: str) -> None:
    similarity = sound_similarity(first, second)
    assert similarity == pytest.approx(sound_similarity(second, first))
    assert 0.0 <= similarity <= 1.0
    if first:
        assert sound_similarity(first, first) == 1.0


def by_sound(query: dict[str, list[str]], record: dict[str, list[str]]) -> float:
    result = score_record(prepare_query(validate_query("Person", query)), PERSON, record)
    return 0.0 if result is None else result.score


def test_parts_paired_by_sound_and_the_birth_date_make_a_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    query = {"name": ["Hackett Dunmore"], "birthDate": ["1925-10-13"]}
    record = {"name": ["哈克特·頓莫爾"], "birthDate": ["1925-10-13"]}
    assert by_sound(query, record) >= THRESHOLD
    # Without the comparison by sound the record is no hit: hā kè tè and dùn mò ěr are syllables, not letters.
    monkeypatch.setattr(names, "TUNABLES", replace(TUNABLES, sound_min_similarity=1.01))
    assert by_sound(query, record) < THRESHOLD


def test_a_sibling_by_sound_is_no_hit() -> None:
    """The same family name and birth date with another given name stays below the threshold."""
    record = {"name": ["Маргарет Тэтчер"], "birthDate": ["1925-10-13"]}
    assert by_sound({"name": ["Denis Thatcher"], "birthDate": ["1925-10-13"]}, record) < THRESHOLD
