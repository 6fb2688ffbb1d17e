"""The architecture as import rules: the contracts in pyproject.toml hold, and a broken one fails the build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# Every root package the contracts name: a copy of the tree needs them all to build the import graph.
PACKAGES = ["fedcore", "fedtools", "fedcli", "node", "gateway", "fedeval", "bench", "tests"]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports reads root/pyproject.toml and puts root first on the path, so a copy is checked as itself.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )


def python_only(directory: str, names: list[str]) -> set[str]:
    return {name for name in names if not (name.endswith(".py") or (Path(directory) / name).is_dir())} | {
        "__pycache__",
        "data",
        "results",
    }


def test_the_tree_keeps_every_import_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("node", "import gateway.app", "node and gateway are independent of each other"),
        ("gateway", "import fedtools.opa", "node and gateway run without the CLI, the tooling, the benchmarks"),
        ("fedcore", "import node.service", "fedcore depends on none of the node, the gateway, the CLI or the tooling"),
        (
            "tests",
            "import bench.federation",
            "the benchmarks use the evaluations and the tests; nothing uses the benchmarks",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_build(tmp_path: Path, module: str, forbidden_import: str, contract: str) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=python_only)
    (tmp_path / module / "architecture_probe.py").write_text(
        f'"""Breaks a contract on purpose."""\n\n{forbidden_import}\n'
    )

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.startswith(contract)]
    assert broken, result.stdout
    assert broken[0].endswith("BROKEN"), result.stdout
    assert f"{module}.architecture_probe" in result.stdout
