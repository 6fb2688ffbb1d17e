"""The canonical JSON every signature and audit hash is made over: its exact bytes are pinned, since any change
would stop every answer, directory, checkpoint and audit entry ever signed or chained from verifying."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from fedcore.canonical import canonical_bytes, canonical_json

EXAMPLE = {"é": "x", "b": [1, "Ж"], "a": {"z": None, "y": 1.5}}


def test_keys_are_sorted_without_whitespace_and_text_stays_utf8() -> None:
    assert canonical_json(EXAMPLE) == '{"a":{"y":1.5,"z":null},"b":[1,"Ж"],"é":"x"}'
    assert hashlib.sha256(canonical_bytes(EXAMPLE)).hexdigest() == (
        "b580dd196aea684b327dbaa97cbe97186dfb1ae262d3c5cce717a69c307578f1"
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_the_form_does_not_depend_on_key_order(value: object) -> None:
    if isinstance(value, dict):
        assert canonical_bytes(dict(reversed(list(value.items())))) == canonical_bytes(value)
    assert canonical_bytes(value) == canonical_json(value).encode("utf-8")
