"""A real Prometheus server (Debian's `prometheus`) scraping a federation, with fedgate's rules loaded."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from fedcore.ports import listening_port

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"


class PrometheusUnavailable(Exception):
    """The prometheus binary is missing, or the server did not become ready."""


class PrometheusServer:
    """Runs deploy/prometheus (its scrape configuration and rules) against the given targets."""

    def __init__(
        self,
        work_dir: Path,
        gateway_targets: list[str],
        node_targets: dict[str, str],
        *,
        interval_s: float | None = None,
        deploy_dir: Path = DEPLOY_DIR,
    ) -> None:
        self.work_dir = work_dir
        self.gateway_targets = gateway_targets
        self.node_targets = node_targets  # country -> host:port of the node's metrics endpoint
        self.interval_s = interval_s
        self.deploy_dir = deploy_dir
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_configuration(self) -> Path:
        directory = self.work_dir / "prometheus"
        if directory.exists():
            shutil.rmtree(directory)
        shutil.copytree(self.deploy_dir, directory)
        targets = directory / "targets"
        targets.mkdir(exist_ok=True)
        (targets / "gateway.json").write_text(json.dumps([{"targets": self.gateway_targets}]))
        (targets / "nodes.json").write_text(
            json.dumps(
                [{"targets": [target], "labels": {"country": c}} for c, target in sorted(self.node_targets.items())]
            )
        )
        config_path = directory / "prometheus.yml"
        if self.interval_s is not None:
            config = yaml.safe_load(config_path.read_text())
            interval = f"{self.interval_s:g}s"
            config["global"].update(scrape_interval=interval, evaluation_interval=interval)
            config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        return config_path

    def start(self, timeout_s: float = 60.0) -> PrometheusServer:
        binary = shutil.which("prometheus")
        if binary is None:
            raise PrometheusUnavailable("prometheus is not installed (Debian: apt-get install prometheus)")
        config_path = self._write_configuration()
        log = (self.work_dir / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={self.work_dir / 'prometheus-data'}",
                "--web.listen-address=127.0.0.1:0",
                "--web.enable-lifecycle",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrometheusUnavailable(f"prometheus exited with code {self.process.returncode}")
            port = listening_port(self.process.pid)
            if port:
                self.port = port
                try:
                    with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:  # noqa: S310
                        if response.status == 200:
                            return self
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.05)
        self.stop()
        raise PrometheusUnavailable(f"prometheus was not ready within {timeout_s} s")

    def query(self, expression: str) -> dict[str, Any]:
        """The API's answer to an instant query (status, data or error)."""
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read())
        return answer

    def get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
