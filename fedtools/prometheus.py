"""A real Prometheus server (Debian's `prometheus`) scraping a federation, with fedgate's rules loaded."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from fedtools.servers import LocalServer, ServerStartError

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"


class PrometheusUnavailable(Exception):
    """The prometheus binary is missing, or the server did not become ready."""


class PrometheusServer(LocalServer):
    """Runs deploy/prometheus (its scrape configuration and rules) against the given targets."""

    name = "prometheus"
    ready_path = "/-/ready"

    def __init__(
        self,
        work_dir: Path,
        gateway_targets: list[str],
        node_targets: dict[str, str],
        *,
        interval_s: float | None = None,
        deploy_dir: Path = DEPLOY_DIR,
        gateway_ca: Path | None = None,
    ) -> None:
        super().__init__()
        self.work_dir = work_dir
        self.gateway_targets = gateway_targets
        self.node_targets = node_targets  # country -> host:port of the node's metrics endpoint
        self.interval_s = interval_s
        self.deploy_dir = deploy_dir
        # The gateway serves HTTPS with a certificate from this CA: scraped over https, trusting it.
        self.gateway_ca = gateway_ca

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
        if self.interval_s is not None or self.gateway_ca is not None:
            config = yaml.safe_load(config_path.read_text())
            if self.interval_s is not None:
                interval = f"{self.interval_s:g}s"
                config["global"].update(scrape_interval=interval, evaluation_interval=interval)
            if self.gateway_ca is not None:
                for job in config["scrape_configs"]:
                    if job["job_name"] == "fedgate-gateway":
                        job.update(scheme="https", tls_config={"ca_file": str(self.gateway_ca)})
            config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        return config_path

    def start(self, timeout_s: float = 60.0) -> PrometheusServer:
        binary = shutil.which("prometheus")
        if binary is None:
            raise PrometheusUnavailable("prometheus is not installed (Debian: apt-get install prometheus)")
        config_path = self._write_configuration()
        command = [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={self.work_dir / 'prometheus-data'}",
            "--web.listen-address=127.0.0.1:0",
            "--log.level=warn",
        ]
        try:
            self.launch(command, self.work_dir / "prometheus.log", timeout_s)
        except ServerStartError as error:
            raise PrometheusUnavailable(str(error)) from error
        return self

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

    def __enter__(self) -> PrometheusServer:
        return self.start()
