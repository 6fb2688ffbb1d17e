"""`fedgate demo`: a whole federation on this machine (OPA, a node per country, the gateway) until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import secrets
import shlex
import shutil
import signal
import ssl
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from fedcli.processes import Service, ServiceFailed, fedgate_command
from fedcli.synthetic import generate_country, sample_search
from fedcore.directory import FORMAT as DIRECTORY_FORMAT
from fedcore.directory import format_time, key_entry, sign_directory
from fedcore.keys import SigningKey, generate_signing_key, load_private_key, load_public_key, write_secret_file
from fedcore.vocabulary import PURPOSES
from fedtools.ca import init_ca, issue_certificate, issue_https_certificate
from fedtools.federation import (
    FederationDirectory,
    SharedRateLimits,
    SigningKeyFile,
    TlsFiles,
    gateway_tables,
    node_tables,
    write_config,
)
from fedtools.opa import DEFAULT_POLICIES_DIR, OpaServer, ensure_opa
from fedtools.prometheus import PrometheusServer, PrometheusUnavailable
from fedtools.redis_server import RedisServer, RedisUnavailable
from gateway.auth import generate_keypair, issue_token
from gateway.config import load_gateway_config
from node.config import load_node_config
from node.followups.web import hash_password
from node.lifecycle import import_audited

DEMO_COUNTRIES = ("FR", "DE", "GR", "UA", "AE")
TOKEN_TTL_S = 12 * 3600
DEMO_CLEARANCE = "confidential"
START_TIMEOUT_S = 180.0
# Each node's one officer account on its review page (the password is the demo's own, in the ready file).
DEMO_OFFICER = "officer"
STOP_TIMEOUT_S = 10.0


def demo_tokens(gateway_config: Path, countries: Iterable[str], label: str, ttl_s: int) -> dict[str, str]:
    """A token per country for the demo investigator `<country>-<label>-investigator` (the demo's agency,
    clearance and every purpose), from the demo gateway's issuer."""
    settings = load_gateway_config(gateway_config)
    return {
        country: issue_token(
            settings.issuers["fedgate-demo"],
            settings.audience,
            investigator_id=f"{country.lower()}-{label}-investigator",
            country=country,
            agency=f"{country} demo police",
            clearance=DEMO_CLEARANCE,
            purposes=list(PURPOSES),
            ttl_s=ttl_s,
        )
        for country in countries
    }


class DemoError(Exception):
    """The demo federation could not be built or started; the message says which part failed."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Federation:
    """Everything the demo started, so that it can all be stopped."""

    work: Path
    opa: list[OpaServer] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    prometheus: PrometheusServer | None = None
    redis: RedisServer | None = None

    def spawn(self, name: str, *args: str) -> Service:
        service = Service.spawn(name, fedgate_command(*args), self.work / "logs" / f"{name}.log")
        self.services.append(service)
        return service

    def stop(self) -> None:
        """Gateway first, then nodes, then OPA: SIGTERM, a bounded wait, then SIGKILL."""
        if self.prometheus is not None:
            self.prometheus.stop()
        for service in reversed(self.services):
            service.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for service in reversed(self.services):
            service.wait(deadline - time.monotonic())
        for server in self.opa:
            server.stop()
        if self.redis is not None:
            self.redis.stop()


def post_json(
    url: str, body: dict[str, Any], token: str, timeout_s: float = 10.0, cafile: Path | None = None
) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (a loopback http URL this demo built)
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    context = ssl.create_default_context(cafile=cafile) if cafile is not None else None
    with urllib.request.urlopen(request, timeout=timeout_s, context=context) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
        return answer


@dataclass(frozen=True)
class Trust:
    """The demo federation's keys and certificates: a CA, TLS certificates, assertion and answer keys."""

    root: Path
    tls: bool
    https: bool = False
    gateway_key_id: str = "gw-demo-1"
    federation_key_id: str = "federation-demo-1"

    @property
    def ca_certificate(self) -> Path:
        """The federation CA: what clients of the HTTPS API trust (curl --cacert, Prometheus)."""
        return self.root / "ca" / "ca.pem"

    @property
    def public_keys(self) -> Path:
        """`<key id>.pub.pem` of every signing key, the directory and the federation key: what verifiers get."""
        return self.root / "public"

    @property
    def directory(self) -> Path:
        """The federation's signed directory of members: what `fedgate verify --directory` needs."""
        return self.public_keys / "federation.json"

    @property
    def federation_key(self) -> Path:
        """The federation's public key, which verifiers pin (`fedgate verify --federation-key`)."""
        return self.public_keys / f"{self.federation_key_id}.pub.pem"

    def create(self, countries: list[str]) -> None:
        self.root.mkdir(mode=0o700)
        self.public_keys.mkdir(mode=0o700)
        keys = [self.federation_key_id, self.gateway_key_id, *(self.node_key_id(c) for c in countries)]
        for key_id in keys:
            private_pem, public_pem = generate_signing_key()
            write_secret_file(self.root / f"{key_id}.pem", private_pem)
            (self.public_keys / f"{key_id}.pub.pem").write_bytes(public_pem)
        self._sign_directory(countries)
        if self.tls or self.https:
            init_ca(self.root / "ca")
        if self.https:
            issue_https_certificate(self.root / "ca", self.root / "https", hosts=["127.0.0.1", "localhost"])
        if self.tls:
            issue_certificate(self.root / "ca", self.root / "tls", country=None, hosts=[])
            for country in countries:
                issue_certificate(
                    self.root / "ca", self.root / "tls", country=country, hosts=["127.0.0.1", "localhost"]
                )

    def _sign_directory(self, countries: list[str]) -> None:
        # Node addresses are known only once the nodes listen: the gateway's [nodes] tables give them.
        since = datetime.now(UTC) - timedelta(minutes=1)

        def entry(key_id: str) -> dict[str, Any]:
            return key_entry(key_id, load_public_key(self.public_keys / f"{key_id}.pub.pem"), since)

        content = {
            "format": DIRECTORY_FORMAT,
            "federation": "fedgate-demo",
            "version": 1,
            "issued_at": format_time(datetime.now(UTC)),
            "members": [
                {"country": c, "node_address": "", "answer_keys": [entry(self.node_key_id(c))]} for c in countries
            ],
            "gateway_keys": [entry(self.gateway_key_id)],
        }
        key = SigningKey(self.federation_key_id, load_private_key(self.root / f"{self.federation_key_id}.pem"))
        self.directory.write_text(json.dumps(sign_directory(content, key), indent=2) + "\n")

    def federation_directory(self) -> FederationDirectory:
        return FederationDirectory(self.directory, (self.federation_key,))

    @staticmethod
    def node_key_id(country: str) -> str:
        return f"{country.lower()}-demo-1"

    def node_signing_key(self, country: str) -> SigningKeyFile:
        return SigningKeyFile(self.root / f"{self.node_key_id(country)}.pem", self.node_key_id(country))

    def tls_files(self, name: str) -> TlsFiles | None:
        if not self.tls:
            return None
        stem = self.root / "tls" / name
        return TlsFiles(stem.with_suffix(".pem"), stem.with_suffix(".key"), self.ca_certificate)

    def https_files(self) -> tuple[Path, Path] | None:
        stem = self.root / "https" / "https"
        return (stem.with_suffix(".pem"), stem.with_suffix(".key")) if self.https else None


def node_config(directory: Path, country: str, opa_url: str, trust: Trust, officer_password: str) -> Path:
    tables = node_tables(
        country,
        opa_url=opa_url,
        signing=trust.node_signing_key(country),
        contact=f"SIRENE {country} (demo), +00 0 00 00 00 00, sirene@{country.lower()}.example",
        federation=trust.federation_directory(),
        tls=trust.tls_files(f"node-{country.lower()}"),
        metrics=True,
        more={
            "node": {"shutdown_grace_s": 2},
            "opa": {"timeout_ms": 500},
            "operator": {"listen": "127.0.0.1:0", "officers": {DEMO_OFFICER: hash_password(officer_password)}},
        },
    )
    return write_config(directory / "node.toml", tables)


def gateway_config(
    directory: Path,
    nodes: dict[str, str],
    gateway_port: int,
    trust: Trust,
    replica: int = 1,
    shared_limits: SharedRateLimits | None = None,
) -> Path:
    """One gateway replica's configuration; replicas share the token issuer and, with Redis, the rate limits."""
    if not (directory / "issuer.pem").exists():
        private, public = generate_keypair("EdDSA")
        write_secret_file(directory / "issuer.pem", private)
        (directory / "issuer.pub.pem").write_bytes(public)
    issuer = {"algorithm": "EdDSA", "public_key": "issuer.pub.pem", "private_key": "issuer.pem"}
    suffix = "" if replica == 1 else f"-{replica}"
    tables = gateway_tables(
        nodes=nodes,
        assertion=SigningKeyFile(trust.root / f"{trust.gateway_key_id}.pem", trust.gateway_key_id),
        issuers={"fedgate-demo": issuer},
        listen=f"127.0.0.1:{gateway_port if replica == 1 else 0}",
        federation=trust.federation_directory(),
        tls=trust.tls_files("gateway"),
        https=trust.https_files(),
        metrics=True,
        shared_limits=shared_limits,
        # The demo's tokens last a working day; the gateway is told to accept that lifetime.
        more={"gateway": {"search_log": f"searches{suffix}.jsonl", "max_token_lifetime_s": TOKEN_TTL_S}},
    )
    return write_config(directory / f"gateway{suffix}.toml", tables)


def build(
    federation: Federation,
    countries: list[str],
    records: int,
    seed: int,
    gateway_port: int,
    tls: bool,
    prometheus: bool,
    https: bool = False,
    replicas: int = 1,
) -> dict[str, Any]:
    """Starts everything and returns what the ready file says."""
    work = federation.work
    deadline = time.monotonic() + START_TIMEOUT_S
    trust = Trust(work / "trust", tls, https)
    trust.create(countries)
    say("trust: a federation CA and mutual TLS certificates" if tls else "trust: plaintext gRPC (--no-tls)")
    if https:
        say(f"  the gateway serves HTTPS with a certificate from the federation CA ({trust.ca_certificate})")
    say(f"  signing keys for requester assertions and signed answers in {trust.root}")
    opa_binary = ensure_opa(lambda message: say(f"  {message}"))
    say(f"policy engines: OPA at {opa_binary}")
    for country in countries:
        # Decision logs on, as production OPAs ship them: the mask in the bundle removes the record values.
        server = OpaServer(country, work / "opa", opa_binary=opa_binary, decision_logs=True)
        federation.opa.append(server)
        server.start()
        say(f"  {country}: OPA with {country}'s policy (revision {server.revision}) at {server.url}")
        say(f"    its decisions logged, record values masked, in {server.log_path}")

    say(f"records: {records} synthetic FollowTheMoney entities per country (seed {seed})")
    node_ready: dict[str, tuple[Service, Path]] = {}
    officer_password = secrets.token_urlsafe(12)
    for country, server in zip(countries, federation.opa, strict=True):
        directory = work / "nodes" / country.lower()
        directory.mkdir(mode=0o700, parents=True)
        config = node_config(directory, country, server.url, trust, officer_password)
        lines = (json.dumps(entity, ensure_ascii=False) for entity in generate_country(country, records, seed))
        # As a country loads its records: one transaction, its audit entry first in the node's chain.
        source = f"synthetic-{country.lower()}-seed{seed}.jsonl"
        report = import_audited(load_node_config(config), lines, source=source, skip_invalid=False)
        if report.bad_lines:
            raise DemoError(f"synthetic data for {country} did not import: {report.bad_lines[:3]}")
        say(f"  {country}: {report.imported} records imported")
        ready = directory / "ready.json"
        service = federation.spawn(
            f"node-{country.lower()}", "node", "serve", "--config", str(config), "--ready-file", str(ready)
        )
        node_ready[country] = (service, ready)

    say("nodes: starting one per country")
    nodes: dict[str, dict[str, str]] = {}
    for country, (service, ready) in node_ready.items():
        info = service.wait_ready(ready, deadline - time.monotonic())
        nodes[country] = {
            "grpc": info["grpc"],
            "metrics_url": info["metrics_url"],
            "operator_url": info["operator_url"],
        }
        say(f"  {country}: node at {info['grpc']} (metrics {info['metrics_url']}, officers {info['operator_url']})")

    shared_limits = None
    if replicas > 1:
        federation.redis = RedisServer(work / "redis").start()
        shared_limits = SharedRateLimits(federation.redis.url, replicas)
        say(f"redis: {federation.redis.url} (the {replicas} gateway replicas share their rate limits there)")
    directory = work / "gateway"
    directory.mkdir(mode=0o700)
    gateway_urls: list[str] = []
    metrics_urls: list[str] = []
    for replica in range(1, replicas + 1):
        name = "gateway" if replica == 1 else f"gateway-{replica}"
        node_addresses = {c: n["grpc"] for c, n in nodes.items()}
        config_path = gateway_config(directory, node_addresses, gateway_port, trust, replica, shared_limits)
        ready = directory / ("ready.json" if replica == 1 else f"ready-{replica}.json")
        gateway = federation.spawn(name, "gateway", "serve", "--config", str(config_path), "--ready-file", str(ready))
        gateway_ready = gateway.wait_ready(ready, deadline - time.monotonic())
        gateway_urls.append(gateway_ready["gateway_url"])
        metrics_urls.append(gateway_ready["metrics_url"])
        say(f"{name}: {gateway_urls[-1]} (metrics {metrics_urls[-1]})")
    gateway_url, gateway_metrics_url = gateway_urls[0], metrics_urls[0]
    config_path = directory / "gateway.toml"

    tokens = demo_tokens(config_path, countries, "demo", TOKEN_TTL_S)
    sample = sample_search()
    try:
        answer = post_json(
            f"{gateway_url}/v1/search", sample, tokens[countries[0]], cafile=trust.ca_certificate if https else None
        )
    except (urllib.error.URLError, OSError) as error:
        raise DemoError(f"the gateway did not answer the sample search: {error}") from error
    hit_countries = sorted(c for c, entry in answer["countries"].items() if entry["status"] == "hit")
    if len(hit_countries) < min(2, len(countries)):
        raise DemoError(f"the sample search found hits in {hit_countries} only: {answer['countries']}")
    say(f"sample search: hits from {', '.join(hit_countries)}")
    description: dict[str, Any] = {
        "gateway_url": gateway_url,
        "countries": countries,
        "tokens": tokens,
        "nodes": nodes,
        "opa_decision_logs": {server.country: str(server.log_path) for server in federation.opa},
        "gateway_metrics_url": gateway_metrics_url,
        "gateway_urls": gateway_urls,
        "gateway_metrics_urls": metrics_urls,
        "sample_search": sample,
        "officer": {"name": DEMO_OFFICER, "password": officer_password},
        "work_dir": str(work),
        "tls": tls,
        "directory": str(trust.directory),
        "federation_key": str(trust.federation_key),
    }
    if https:
        description["ca_certificate"] = str(trust.ca_certificate)
    if federation.redis is not None:
        description["redis_url"] = federation.redis.url
    if prometheus:

        def target(url: str) -> str:
            return url.removeprefix("https://").removeprefix("http://").removesuffix("/metrics")

        federation.prometheus = PrometheusServer(
            work,
            [target(url) for url in metrics_urls],
            {country: target(node["metrics_url"]) for country, node in nodes.items()},
            gateway_ca=trust.ca_certificate if https else None,
        )
        federation.prometheus.start()
        description["prometheus_url"] = federation.prometheus.url
        say(f"prometheus: {federation.prometheus.url} (rules and alerts from deploy/prometheus)")
    return description


def announce(ready: dict[str, Any]) -> None:
    first = ready["countries"][0]
    body = json.dumps(ready["sample_search"], ensure_ascii=False)
    cacert = f" --cacert {shlex.quote(ready['ca_certificate'])}" if "ca_certificate" in ready else ""
    print(
        "\nfedgate demo federation is running — Ctrl-C stops it.\n\n"
        + "".join(
            f"  gateway   {url}   (API: /openapi.json; metrics {metrics}, operators only)\n"
            for url, metrics in zip(ready["gateway_urls"], ready["gateway_metrics_urls"], strict=True)
        )
        + (f"  redis     {ready['redis_url']}   (the gateways' shared rate limits)\n" if "redis_url" in ready else "")
        + (f"  prometheus {ready['prometheus_url']}\n" if "prometheus_url" in ready else "")
        + f"  countries {' '.join(ready['countries'])}\n\n"
        f"Investigator tokens (every purpose, clearance {DEMO_CLEARANCE}, valid {TOKEN_TTL_S // 3600} h):\n"
        + "".join(f"  {country}  {token}\n" for country, token in ready["tokens"].items())
        + f"\nFollow-up review pages, each node's own (officer {ready['officer']['name']!r}, password "
        f"{ready['officer']['password']!r}):\n"
        + "".join(f"  {country}  {node['operator_url']}\n" for country, node in ready["nodes"].items())
        + f"\nTry a search as {first}'s investigator:\n\n"
        f"  curl -s{cacert} -X POST {ready['gateway_url']}/v1/search \\\n"
        f"    -H 'Authorization: Bearer {ready['tokens'][first]}' \\\n"
        f"    -H 'Content-Type: application/json' \\\n"
        f"    -d {shlex.quote(body)}\n",
        flush=True,
    )


def run_demo(args: argparse.Namespace) -> int:
    countries = [c.strip().upper() for c in args.countries.split(",") if c.strip()]
    missing = [c for c in countries if not (DEFAULT_POLICIES_DIR / "fedgate" / "countries" / c.lower()).is_dir()]
    if len(countries) < 2 or missing:
        say(f"fedgate demo: --countries needs at least two of {', '.join(DEMO_COUNTRIES)} (no policy for {missing})")
        return 2
    if not 1 <= args.replicas <= 8:
        say("fedgate demo: --replicas must be between 1 and 8")
        return 2
    if not 10 <= args.records <= 1_000_000:
        say("fedgate demo: --records must be between 10 and 1000000")
        return 2
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="fedgate-demo-"))
    if args.work_dir is not None:
        if work.exists() and any(work.iterdir()):
            say(f"fedgate demo: --work-dir {work} is not empty")
            return 2
        work.mkdir(mode=0o700, parents=True, exist_ok=True)
        work.chmod(0o700)  # it will hold private keys: the owner's only (an empty directory, so nothing leaks first)
    federation = Federation(work)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        ready = build(
            federation,
            countries,
            args.records,
            args.seed,
            args.gateway_port,
            not args.no_tls,
            args.prometheus,
            https=args.https,
            replicas=args.replicas,
        )
        if args.ready_file is not None:
            partial = args.ready_file.with_suffix(args.ready_file.suffix + ".partial")
            write_secret_file(partial, json.dumps(ready, ensure_ascii=False, indent=2).encode())  # it holds tokens
            partial.replace(args.ready_file)
        announce(ready)
        while not stop.wait(0.5):
            crashed = [service.name for service in federation.services if service.process.poll() is not None]
            if crashed:
                raise DemoError(f"{', '.join(crashed)} stopped unexpectedly (logs in {work / 'logs'})")
        say("stopping the demo federation…")
        return 0
    except (DemoError, ServiceFailed, PrometheusUnavailable, RedisUnavailable) as error:
        say(f"fedgate demo: {error}")
        return 1
    finally:
        federation.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
        if args.ready_file is not None:
            args.ready_file.unlink(missing_ok=True)
        say("demo stopped: every process it started has exited")


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="run a demo federation on this machine until Ctrl-C")
    demo.add_argument("--countries", default=",".join(DEMO_COUNTRIES), help="comma-separated country codes")
    demo.add_argument("--records", type=int, default=2000, help="synthetic records per country (default 2000)")
    demo.add_argument("--seed", type=int, default=1, help="seed of the synthetic data (default 1)")
    demo.add_argument("--ready-file", type=Path, help="write where everything is here once it all answers")
    demo.add_argument("--work-dir", type=Path, help="keep stores, audit logs and logs here (default: a temp dir)")
    demo.add_argument("--gateway-port", type=int, default=0, help="gateway port on 127.0.0.1 (default: a free one)")
    demo.add_argument("--no-tls", action="store_true", help="plaintext gRPC between gateway and nodes")
    demo.add_argument(
        "--https", action="store_true", help="the gateway serves investigators HTTPS (certificate from the demo's CA)"
    )
    demo.add_argument("--prometheus", action="store_true", help="also run Prometheus with fedgate's rules")
    demo.add_argument(
        "--replicas", type=int, default=1, help="gateway replicas sharing their rate limits through a Redis it starts"
    )
    demo.set_defaults(handler=run_demo)
