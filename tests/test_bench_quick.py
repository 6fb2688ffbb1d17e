"""`python -m bench --quick` runs end to end (its figures are a benchmark's business, not a test's)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from node.pgsql import PostgresDatabase
from tests.pg import Engine

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_run_completes_and_reports_every_section(tmp_path: Path) -> None:
    log = tmp_path / "bench.log"
    with log.open("w") as stderr:
        run = subprocess.run(
            [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
            cwd=ROOT,
            timeout=400,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    assert run.returncode == 0, log.read_text()[-3000:]
    result = json.loads((tmp_path / "bench-quick.json").read_text())
    assert [row["countries"] for row in result["fan_out"]] == [1, 8]
    for row in result["fan_out"]:
        assert row["fedgate"]["c1"]["p50_ms"] > 0
        assert row["ratio"]["throughput"] > 0
    # Every node Search asks its OPA exactly once, whatever the number of candidates.
    assert {row["opa_decisions_per_search"] for row in result["node"]} == {1.0}
    assert result["tail"]["searches"] == 200
    assert result["metrics"]["scrape_rounds"] >= 1
    floor = result["floor"]
    assert {name: floor[name]["ratio"] > 0 for name in ("gateway", "node", "replicas")} == dict.fromkeys(
        ("gateway", "node", "replicas"), True
    )
    assert floor["replicas"]["rate_limit"]["exact"] is True
    # Each target the quick run has figures for is judged; N = 196 and 1M records are full-run only.
    judged = {target["target"]: target for target in result["targets"]}
    assert judged["OPA decisions per node Search (every node-alone run)"]["met"] is True
    assert "p50 at N = 8, against the floor" in judged
    assert "one investigator's rate limit over both replicas" in judged
    assert not any("196" in name or "1M" in name for name in judged)
    report = (tmp_path / "bench-quick.md").read_text()
    assert "| 8 |" in report
    assert "## Targets" in report


def test_policy_replay_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    """A small `python -m bench.policy_replay`: the audit log is written through a real node and replayed."""
    command = [sys.executable, "-m", "bench.policy_replay", "--searches", "60", "--records", "300"]
    command += ["--batches", "25", "--unbatched-searches", "5", "--out", str(tmp_path)]
    run = subprocess.run(command, cwd=ROOT, timeout=280, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "policy_replay.json").read_text())
    runs = {(row["candidate"], row["batch"]): row for row in result["runs"]}
    assert {key: row["searches_replayed"] for key, row in runs.items()} == {
        ("fr-narrower-and-trusting-us", 25): 60,
        ("fr-narrower", 25): 60,
        ("fr-narrower-and-trusting-us", 1): 5,
    }
    # The United States' refused searches would be answered; Ukraine would lose birth dates.
    assert runs["fr-narrower-and-trusting-us", 25]["changes"]["refusal lost"] > 0
    assert set(runs["fr-narrower", 25]["changes"]) == {"released -> withheld"}


def test_node_store_scale_benchmark_runs_on_both_engines(tmp_path: Path, engine: Engine) -> None:
    """A tiny `python -m bench.node_search`: import, size, searches alone and during an import of changes."""
    command = [sys.executable, "-m", "bench.node_search", "--records", "600", "--engine", engine.name]
    command += ["--queries", "20", "--changes", "200", "--out", str(tmp_path)]
    location = engine.location()
    if isinstance(location, PostgresDatabase):
        command += ["--store-url", location.url]
    run = subprocess.run(command, cwd=ROOT, timeout=280, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    [row] = json.loads((tmp_path / "node_search.json").read_text())["runs"]
    assert (row["engine"], row["records"]) == (engine.name, 600)
    assert row["import"]["records_per_second"] > 0
    assert row["store_bytes"] > 0
    # Every hit query names a stored person; no no-hit query finds anyone.
    assert row["search"]["hit"]["with_matches"] == 20
    assert row["search"]["no_hit"]["with_matches"] == 0
    during = row["during_import"]
    assert during["import"]["imported"] + during["import"]["deleted"] == 200
    assert during["failed_searches"] == 0
    assert "## Targets" in (tmp_path / "node_search.md").read_text()
