"""Every country policy and the framework are formatted, strictly valid, linted, tested, and covered to 90 %."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fedtools.opa import ensure_regal
from tests.conftest import REPO

POLICIES = REPO / "policies"
REGAL_CONFIG = REPO / ".regal" / "config.yaml"
COUNTRIES = ("fr", "de", "gr", "ua", "ae")


def opa(opa_binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(opa_binary), *args], capture_output=True, text=True, timeout=300)


def test_policies_are_formatted(opa_binary: Path) -> None:
    result = opa(opa_binary, "fmt", "--fail", "--list", str(POLICIES))
    assert result.returncode == 0, f"run `opa fmt -w policies`: {result.stdout}{result.stderr}"


def test_policies_pass_strict_checks(opa_binary: Path) -> None:
    result = opa(opa_binary, "check", "--strict", str(POLICIES))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def regal_binary() -> Path:
    return ensure_regal()


def test_policies_pass_regal_lint(regal_binary: Path) -> None:
    command = [str(regal_binary), "lint", "--config-file", str(REGAL_CONFIG), "--fail-level", "warning"]
    result = subprocess.run(
        [*command, "--format", "compact", "--no-color", str(POLICIES)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, f"regal lint (config in .regal/config.yaml) found:\n{result.stdout}{result.stderr}"


def test_policy_tests_pass_with_coverage(opa_binary: Path) -> None:
    result = opa(opa_binary, "test", "--coverage", str(POLICIES))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    coverage = json.loads(result.stdout)["coverage"]
    assert coverage >= 90, f"policy coverage {coverage:.1f} % is below 90 %"


def test_at_least_five_countries_ship_a_tested_policy() -> None:
    for country in COUNTRIES:
        directory = POLICIES / "fedgate" / "countries" / country
        assert (directory / "policy.rego").is_file()
        assert (directory / "policy_test.rego").is_file()
        assert (directory / "data.json").is_file()
