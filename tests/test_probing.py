"""A requester who varies one property against one record is refused once the variants exceed the budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fedcore.config import ConfigError
from node.config import load_node_config
from node.probing import ProbeBudget, query_variant
from tests.federation import write_node_config

HOSTILE = ("AE", "Ministry of Interior", "ae-0666")
COLLEAGUE = ("AE", "Ministry of Interior", "ae-0777")
RECORD = "fr-person-petrov"
OTHER_RECORD = "fr-person-petrova"
HOUR_S = 3600.0


def birth_date_probe(day: int) -> str:
    """The same person asked for with a different birth date each time: the oracle attack."""
    return query_variant("Person", {"name": ["Ivan Petrov"], "birthDate": [f"1975-04-{day:02d}"]})


def test_the_twentieth_distinct_birth_date_against_one_record_is_refused() -> None:
    budget = ProbeBudget(variants_per_record=19, window_s=HOUR_S)
    for day in range(1, 20):
        assert budget.admit(HOSTILE, birth_date_probe(day), [RECORD], now=float(day)) == []
    assert budget.admit(HOSTILE, birth_date_probe(20), [RECORD], now=20.0) == [RECORD]
    assert budget.admit(HOSTILE, birth_date_probe(21), [RECORD], now=21.0) == [RECORD]


def test_repeating_a_search_already_made_is_never_refused() -> None:
    budget = ProbeBudget(variants_per_record=2, window_s=HOUR_S)
    assert budget.admit(HOSTILE, birth_date_probe(1), [RECORD], now=0.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(2), [RECORD], now=1.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(3), [RECORD], now=2.0) == [RECORD]
    for second in range(3, 100):
        assert budget.admit(HOSTILE, birth_date_probe(1 + second % 2), [RECORD], now=float(second)) == []


def test_the_budget_comes_back_once_the_window_has_slid_past() -> None:
    budget = ProbeBudget(variants_per_record=2, window_s=HOUR_S)
    assert budget.admit(HOSTILE, birth_date_probe(1), [RECORD], now=0.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(2), [RECORD], now=600.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(3), [RECORD], now=HOUR_S - 1) == [RECORD]
    # The first date has left the window; the second is still in it.
    assert budget.admit(HOSTILE, birth_date_probe(3), [RECORD], now=HOUR_S) == []
    assert budget.admit(HOSTILE, birth_date_probe(4), [RECORD], now=HOUR_S + 1) == [RECORD]
    assert budget.admit(HOSTILE, birth_date_probe(4), [RECORD], now=HOUR_S + 600) == []


def test_another_investigator_and_another_record_have_budgets_of_their_own() -> None:
    budget = ProbeBudget(variants_per_record=3, window_s=HOUR_S)
    for day in range(1, 4):
        assert budget.admit(HOSTILE, birth_date_probe(day), [RECORD], now=float(day)) == []
    assert budget.admit(HOSTILE, birth_date_probe(4), [RECORD], now=4.0) == [RECORD]

    assert budget.admit(COLLEAGUE, birth_date_probe(4), [RECORD], now=5.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(4), [OTHER_RECORD], now=6.0) == []
    # A search that also reports the exhausted record is refused for that record only.
    assert budget.admit(HOSTILE, birth_date_probe(5), [OTHER_RECORD, RECORD], now=7.0) == [RECORD]


def test_a_refused_search_records_nothing() -> None:
    budget = ProbeBudget(variants_per_record=1, window_s=HOUR_S)
    assert budget.admit(HOSTILE, birth_date_probe(1), [RECORD], now=0.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(2), [OTHER_RECORD, RECORD], now=1.0) == [RECORD]
    # Had the refused search been recorded against OTHER_RECORD, its one variant would be used up.
    assert budget.admit(HOSTILE, birth_date_probe(3), [OTHER_RECORD], now=2.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(2), [OTHER_RECORD], now=3.0) == [OTHER_RECORD]


def test_a_search_without_hits_spends_no_budget() -> None:
    budget = ProbeBudget(variants_per_record=1, window_s=HOUR_S)
    for day in range(1, 10):
        assert budget.admit(HOSTILE, birth_date_probe(day), [], now=float(day)) == []
    assert budget.admit(HOSTILE, birth_date_probe(1), [RECORD], now=10.0) == []


def test_beyond_max_tracked_the_pair_used_least_recently_is_forgotten() -> None:
    budget = ProbeBudget(variants_per_record=1, window_s=HOUR_S, max_tracked=2)
    assert budget.admit(HOSTILE, birth_date_probe(1), ["a"], now=0.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(1), ["b"], now=1.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(1), ["a"], now=2.0) == []  # "a" is now the more recent
    assert budget.admit(HOSTILE, birth_date_probe(1), ["c"], now=3.0) == []  # "b" is forgotten
    assert budget.admit(HOSTILE, birth_date_probe(2), ["a"], now=4.0) == ["a"]
    assert budget.admit(HOSTILE, birth_date_probe(2), ["c"], now=5.0) == ["c"]
    # The consequence of forgetting: the requester's budget against "b" starts afresh.
    assert budget.admit(HOSTILE, birth_date_probe(2), ["b"], now=6.0) == []


def test_pairs_whose_variants_have_all_expired_make_room_before_live_ones_are_evicted() -> None:
    budget = ProbeBudget(variants_per_record=1, window_s=10.0, max_tracked=2)
    assert budget.admit(HOSTILE, birth_date_probe(1), ["old"], now=0.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(1), ["live"], now=5.0) == []
    assert budget.admit(HOSTILE, birth_date_probe(1), ["new"], now=11.0) == []  # "old" expired at 10
    assert budget.admit(HOSTILE, birth_date_probe(2), ["live"], now=12.0) == ["live"]


def test_trivially_equal_queries_are_one_variant() -> None:
    reference = query_variant("Person", {"name": ["Ivan Petrov", "Iwan Petrow"], "birthDate": ["1975-04-02"]})
    assert query_variant("Person", {"birthDate": ["1975-04-02"], "name": ["Iwan Petrow", "Ivan Petrov"]}) == reference
    assert query_variant("Person", {"name": ["  IVAN   petrov ", "iwan PETROW"], "birthDate": [" 1975-04-02"]}) == (
        reference
    )
    assert query_variant(
        "Person", {"name": ["Ivan Petrov", "ivan petrov", "Iwan Petrow"], "birthDate": ["1975-04-02"]}
    ) == (reference)
    assert len(reference) == 64
    assert int(reference, 16) >= 0


def test_a_different_birth_date_or_schema_is_another_variant() -> None:
    reference = query_variant("Person", {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]})
    assert query_variant("Person", {"name": ["Ivan Petrov"], "birthDate": ["1975-04-03"]}) != reference
    assert query_variant("Person", {"name": ["Ivan Petrov"]}) != reference
    assert query_variant("LegalEntity", {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"]}) != reference
    # Values cannot run into one another across properties.
    assert query_variant("Person", {"name": ["a", "b"]}) != query_variant("Person", {"name": ["a"], "notes": ["b"]})


@given(
    budget_size=st.integers(min_value=1, max_value=4),
    steps=st.lists(
        st.tuples(
            st.sampled_from([HOSTILE, COLLEAGUE]),
            st.integers(min_value=0, max_value=6),  # which variant
            st.lists(st.sampled_from(["r1", "r2", "r3"]), max_size=3),  # which records the search would report
            st.floats(min_value=0.0, max_value=6.0),  # seconds since the previous search
        ),
        max_size=60,
    ),
)
def test_refused_exactly_when_distinct_variants_in_the_window_would_exceed_the_budget(
    budget_size: int, steps: list[tuple[tuple[str, str, str], int, list[str], float]]
) -> None:
    window_s = 10.0
    budget = ProbeBudget(variants_per_record=budget_size, window_s=window_s)
    admitted: list[tuple[tuple[str, str, str], str, str, float]] = []  # (requester, ref, variant, when)
    now = 0.0
    for requester, variant_number, refs, pause_s in steps:
        now += pause_s
        variant = f"v{variant_number}"
        expected = []
        for ref in dict.fromkeys(refs):
            in_window = {v for who, r, v, when in admitted if (who, r) == (requester, ref) and now - when < window_s}
            if variant not in in_window and len(in_window) + 1 > budget_size:
                expected.append(ref)
        assert budget.admit(requester, variant, refs, now) == expected
        if not expected:
            admitted.extend((requester, ref, variant, now) for ref in refs)


def config_with_limits(tmp_path: Path, **limits: Any) -> Path:
    return write_node_config(tmp_path, "FR", "http://127.0.0.1:8181", {"limits": limits})


def test_probe_limits_default_to_nineteen_variants_an_hour(tmp_path: Path) -> None:
    config = load_node_config(write_node_config(tmp_path, "FR", "http://127.0.0.1:8181"))
    assert config.probe_variants_per_record == 19
    assert config.probe_window_s == 3600.0


def test_probe_limits_are_read_from_the_limits_table(tmp_path: Path) -> None:
    config = load_node_config(config_with_limits(tmp_path, probe_variants_per_record=5, probe_window_s=0.5))
    assert config.probe_variants_per_record == 5
    assert config.probe_window_s == 0.5


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"probe_variants_per_record": 0}, "limits.probe_variants_per_record must be at least 1"),
        ({"probe_variants_per_record": "19"}, "limits.probe_variants_per_record must be an integer"),
        ({"probe_variants_per_record": 2.5}, "limits.probe_variants_per_record must be an integer"),
        ({"probe_window_s": 0}, "limits.probe_window_s must be greater than 0"),
        ({"probe_window_s": -60}, "limits.probe_window_s must be greater than 0"),
        ({"probe_window_s": "1h"}, "limits.probe_window_s must be a number"),
    ],
)
def test_a_bad_probe_limit_stops_start_up_naming_the_key(tmp_path: Path, limits: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=r"node\.toml: ") as failure:
        load_node_config(config_with_limits(tmp_path, **limits))
    assert message in str(failure.value)
