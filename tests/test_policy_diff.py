"""Bundle differences in words, change kinds as people type them, and what is not a bundle."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from fedtools.bundles import BundleContent, BundleError, diff_bundles, read_bundle, rego_rules
from fedtools.replay import ReplayError, ReplayOpa
from fedtools.replay_compare import change_kind

SETTINGS = {
    "min_clearance": "basic",
    "profiles": {
        "eu": {"properties": {"Person": ["*"]}},
        "partner": {"properties": {"Person": ["name", "birthDate"]}, "generalise": {"birthDate": "year"}},
    },
    "partners": {
        "DE": {"profile": "eu", "purposes": ["terrorism", "fugitive"]},
        "UA": {"profile": "partner", "purposes": ["fugitive"]},
    },
    "property_clearance": {"idNumber": "confidential"},
}
RULES = """package fedgate.countries.xx

# Victims are never mentioned.
overrides[record.ref] := {"disclosure": "none"} if {
\tsome record in input.records
\t"victim" in record.flags
}

decision := framework.decide(settings, input, overrides)
"""


def bundle(settings: Mapping[str, object], rules: str = RULES, revision: str = "r1") -> BundleContent:
    return BundleContent(revision, {"fedgate": {"countries": {"xx": {"settings": settings}}}}, {"p.rego": rules})


def test_identical_bundles_differ_in_nothing() -> None:
    assert diff_bundles(bundle(SETTINGS), bundle(SETTINGS)) == []


def test_partners_purposes_generalisations_and_clearances_are_said_in_words() -> None:
    changed = {
        **SETTINGS,
        "min_clearance": "restricted",
        "profiles": {
            **SETTINGS["profiles"],  # type: ignore[dict-item]
            "partner": {"properties": {"Person": ["name", "birthDate"]}, "generalise": {"birthDate": "year_month"}},
        },
        "partners": {"DE": {"profile": "eu", "purposes": ["terrorism", "cybercrime"]}},
        "property_clearance": {"idNumber": "secret"},
    }
    assert diff_bundles(bundle(SETTINGS), bundle(changed, revision="r2")) == [
        "revision: r1 -> r2",
        "XX: DE: purposes: now also cybercrime",
        "XX: DE: purposes: no longer fugitive",
        "XX: UA is no longer trusted (was: profile partner)",
        "XX: profile partner: birthDate generalised to year -> generalised to year_month",
        "XX: idNumber needs clearance confidential -> secret",
        'XX: min_clearance: "basic" -> "restricted"',
    ]


def test_a_changed_override_rule_is_named() -> None:
    stricter = RULES.replace('"victim" in record.flags', 'some flag in record.flags\n\tflag in {"victim", "witness"}')
    assert diff_bundles(bundle(SETTINGS), bundle(SETTINGS, stricter)) == [
        "rule overrides: 1 definition(s) added, 1 removed"
    ]
    assert {name for name, _ in rego_rules(RULES)} == {"overrides", "decision"}


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("withheld → released", "withheld -> released"),
        ("Hit_only->partial", "hit_only -> partial"),
        ("  refusal   lost ", "refusal lost"),
    ],
)
def test_change_kinds_are_read_as_people_type_them(typed: str, kind: str) -> None:
    assert change_kind(typed) == kind


def test_an_unknown_change_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not a change kind"):
        change_kind("released -> sideways")


def test_a_file_that_is_not_a_bundle_is_refused_with_opas_words(tmp_path: Path, opa_binary: Path) -> None:
    broken = tmp_path / "candidate.tar.gz"
    broken.write_text("not a bundle")
    with pytest.raises(ReplayError, match="gzip: invalid header"):
        ReplayOpa(broken, tmp_path, opa_binary).start()
    with pytest.raises(BundleError, match="is not a bundle"):
        read_bundle(broken)
