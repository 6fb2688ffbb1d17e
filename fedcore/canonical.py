"""Canonical JSON: the one byte form that is signed and hashed (answers, assertions, envelopes, the directory,
checkpoints, audit entries).

Keys sorted, no whitespace, text kept as UTF-8 rather than escaped. Changing any of this changes every signature
and every audit hash ever made, so it is pinned by a test (tests/test_canonical.py).
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """`value` as canonical JSON text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(value: Any) -> bytes:
    """`value` as canonical JSON, UTF-8 encoded: what is signed or hashed."""
    return canonical_json(value).encode()
