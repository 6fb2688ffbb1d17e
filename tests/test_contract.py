"""The wire contract: generated code matches the .proto files; the policies speak the contract's vocabulary."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fedcore import vocabulary
from tests.conftest import REPO


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "genproto.py"), "--out", str(tmp_path)], check=True, timeout=120
    )
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert generated, "the generator produced nothing"
    stale = [str(p) for p in generated if not filecmp.cmp(tmp_path / p, REPO / "protos" / p, shallow=False)]
    assert stale == [], f"regenerate with `python tools/genproto.py`: {stale}"
    committed = sorted(
        p.relative_to(REPO / "protos") for p in (REPO / "protos").rglob("*") if p.suffix in (".py", ".pyi")
    )
    assert committed == generated, "protos/ holds generated files the .proto files no longer produce"


def framework_value(opa_binary: Path, rule: str) -> Any:  # a JSON value: a list or an object of the rule's names
    result = subprocess.run(
        [
            str(opa_binary),
            "eval",
            "--format",
            "json",
            "--data",
            str(REPO / "policies"),
            f"data.fedgate.framework.{rule}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)["result"][0]["expressions"][0]["value"]


def test_policy_framework_uses_the_contract_vocabulary(opa_binary: Path) -> None:
    assert set(framework_value(opa_binary, "purpose_character")) == set(vocabulary.PURPOSES)
    assert set(framework_value(opa_binary, "withhold_reasons")) == set(vocabulary.WITHHOLD_REASONS)
    assert set(framework_value(opa_binary, "refusal_reasons")) == vocabulary.POLICY_REFUSAL_REASONS
    assert set(framework_value(opa_binary, "clearance_rank")) == set(vocabulary.CLEARANCES)
    assert set(framework_value(opa_binary, "disclosure_levels")) == set(vocabulary.DISCLOSURES) | {"none"}
