"""Provisioning of the pinned OPA and Regal releases, country policy bundles, and OPA server processes."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fedtools.gobuild import GoTool, GoToolUnavailable
from fedtools.servers import LocalServer

OPA_VERSION = "1.22.3"
REGAL_VERSION = "0.42.0"
DEFAULT_POLICIES_DIR = Path(__file__).resolve().parent.parent / "policies"
# The decision log mask (package system.log) every country's OPA loads with its policy.
LOG_MASK_ROOT = "system/log"
OpaUnavailable = GoToolUnavailable  # callers that only know OPA keep their name for the error

OPA = GoTool(
    name="OPA",
    command="opa",
    version=OPA_VERSION,
    package="github.com/open-policy-agent/opa",
    version_variable="github.com/open-policy-agent/opa/v1/version.Version",
    module_dir=Path(__file__).resolve().parent / "opabuild",
)

# Regal, the Rego linter, lints policies/ in the test suite; it embeds an OPA of its own for that.
REGAL = GoTool(
    name="Regal",
    command="regal",
    version=REGAL_VERSION,
    package="github.com/open-policy-agent/regal",
    version_variable="github.com/open-policy-agent/regal/pkg/version.Version",
    module_dir=Path(__file__).resolve().parent / "regalbuild",
)


def ensure_opa(report: Callable[[str], None] = lambda _: None) -> Path:
    """The path of the pinned OPA, building it if needed; GoToolUnavailable says in one line how to get it."""
    return OPA.ensure(report)


def ensure_regal(report: Callable[[str], None] = lambda _: None) -> Path:
    """The path of the pinned Regal, building it if needed; GoToolUnavailable says in one line how to get it."""
    return REGAL.ensure(report)


def policy_sources(country: str, policies_dir: Path = DEFAULT_POLICIES_DIR) -> list[Path]:
    """The framework's, the country's and the decision log mask's policy files (tests excluded), in a stable
    order."""
    country_dir = policies_dir / "fedgate" / "countries" / country.lower()
    if not country_dir.is_dir():
        raise FileNotFoundError(f"no policy for country {country}: {country_dir} does not exist")
    files: list[Path] = []
    for directory in (policies_dir / "fedgate" / "framework", country_dir, policies_dir / LOG_MASK_ROOT):
        files.extend(
            path
            for path in sorted(directory.rglob("*"))
            if path.is_file() and path.suffix in (".rego", ".json") and not path.stem.endswith("_test")
        )
    return files


def build_bundle(country: str, out_dir: Path, policies_dir: Path = DEFAULT_POLICIES_DIR) -> str:
    """Writes the bundle one country's OPA serves; its revision is a digest of the policy sources."""
    digest = hashlib.sha256()
    for source in policy_sources(country, policies_dir):
        relative = source.relative_to(policies_dir)
        digest.update(str(relative).encode() + b"\0" + source.read_bytes() + b"\0")
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out_dir / relative)
    revision = f"{country.lower()}-{digest.hexdigest()[:16]}"
    roots = ["fedgate/framework", f"fedgate/countries/{country.lower()}", LOG_MASK_ROOT]
    manifest = {"revision": revision, "roots": roots}
    (out_dir / ".manifest").write_text(json.dumps(manifest))
    return revision


EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
# The name a country's OPA gives its policy bundle and the key that must have signed it.
BUNDLE_NAME = "fedgate"
BUNDLE_KEY_ID = "fedgate-policy"


def jws_algorithm(key: Path) -> str:
    """The JWS algorithm of a bundle-signing key pair, from either key (PEM): RS256 for RSA, ES256/384/512 for
    EC; ValueError for anything OPA cannot sign or verify bundles with."""
    try:
        pem = key.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {key}: {error}") from error
    loaded: object
    try:
        loaded = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        try:
            loaded = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{key} is neither an unencrypted PEM private key nor a PEM public key") from error
    if isinstance(loaded, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    if (
        isinstance(loaded, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey)
        and loaded.curve.name in EC_ALGORITHMS
    ):
        return EC_ALGORITHMS[loaded.curve.name]
    raise ValueError(f"{key}: OPA signs bundles with RSA or EC (P-256, P-384, P-521) keys, not this one")


def signed_bundle_config(bundle_url: str, verification_key: Path, polling_s: int = 30) -> dict[str, Any]:
    """OPA's configuration (`opa run --server --config-file`) for a country's signed bundle: downloaded from
    `bundle_url` and polled every `polling_s` seconds, activated only if signed by `verification_key`'s pair
    (an unsigned or altered bundle is refused: OPA keeps the bundle it has, or has none and decides nothing)."""
    base, _, resource = bundle_url.rstrip("/").rpartition("/")
    if not base.startswith(("http://", "https://")) or not resource:
        raise ValueError(f"bundle URL {bundle_url!r} is not http(s)://host/…/bundle.tar.gz")
    return {
        "services": {"policy": {"url": base}},
        "bundles": {
            BUNDLE_NAME: {
                "service": "policy",
                "resource": resource,
                "polling": {"min_delay_seconds": polling_s, "max_delay_seconds": polling_s},
                "signing": {"keyid": BUNDLE_KEY_ID},
            }
        },
        "keys": {BUNDLE_KEY_ID: {"key": verification_key.read_text(), "algorithm": jws_algorithm(verification_key)}},
    }


class OpaServer(LocalServer):
    """A real OPA server process on loopback serving one country's policy bundle."""

    ready_path = "/health?bundles"

    def __init__(
        self,
        country: str,
        work_dir: Path,
        *,
        policies_dir: Path = DEFAULT_POLICIES_DIR,
        opa_binary: Path | None = None,
        as_bundle: bool = True,
        decision_logs: bool = False,
        signed_bundle: Path | str | None = None,
        verification_key: Path | None = None,
        polling_s: int = 1,
    ) -> None:
        """as_bundle=False serves the policy files as plain, writable data (for tests that change settings).
        `signed_bundle` with `verification_key`: a bundle built by `fedgate policy build`, as a file (loaded once
        with --verification-key: OPA will not start on an unsigned or altered one) or an http(s) URL (polled every
        `polling_s` s: OPA starts without a bundle and activates only correctly signed ones)."""
        super().__init__()
        self.name = f"OPA for {country}"
        self.country = country
        self.work_dir = work_dir
        self.policies_dir = policies_dir
        self.opa_binary = opa_binary
        self.as_bundle = as_bundle
        self.decision_logs = decision_logs
        self.revision = ""
        self.signed_bundle = signed_bundle
        self.verification_key = verification_key
        self.polling_s = polling_s

    @property
    def log_path(self) -> Path:
        return self.work_dir / f"opa-{self.country.lower()}.log"

    def start(self, timeout_s: float = 30.0) -> OpaServer:
        binary = self.opa_binary or ensure_opa()
        command = [str(binary), "run", "--server", "--addr", "127.0.0.1:0", "--disable-telemetry"]
        command += ["--shutdown-grace-period", "1", "--log-level", "info" if self.decision_logs else "error"]
        if self.decision_logs:
            command += ["--set", "decision_logs.console=true"]
        if self.signed_bundle is not None:
            command += self._signed_bundle_options()
        elif self.as_bundle:
            bundle = self.work_dir / f"bundle-{self.country.lower()}"
            if bundle.exists():
                shutil.rmtree(bundle)
            bundle.mkdir(parents=True)
            self.revision = build_bundle(self.country, bundle, self.policies_dir)
            command += ["--bundle", str(bundle)]
        else:
            policy_sources(self.country, self.policies_dir)  # fails early for an unknown country
            self.revision = "unversioned"
            command += [str(self.policies_dir)]
        self.launch(command, self.log_path, timeout_s)
        if isinstance(self.signed_bundle, Path):
            self.revision = ",".join(self.bundle_revisions())
        return self

    def _signed_bundle_options(self) -> list[str]:
        if self.verification_key is None:
            raise ValueError("a signed bundle needs its verification key")
        if isinstance(self.signed_bundle, Path):
            key = [
                "--verification-key",
                str(self.verification_key),
                "--signing-alg",
                jws_algorithm(self.verification_key),
            ]
            return ["--bundle", str(self.signed_bundle), *key]
        self.ready_path = "/health"  # up before any bundle is activated: a refused bundle leaves it without one
        config = signed_bundle_config(str(self.signed_bundle), self.verification_key, self.polling_s)
        path = self.work_dir / f"opa-{self.country.lower()}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config, indent=2))
        return ["--config-file", str(path)]

    def bundle_revisions(self) -> list[str]:
        """The revisions of the bundles this server has activated, as OPA reports them."""
        with urllib.request.urlopen(f"{self.url}/v1/data/system/bundles", timeout=5) as response:  # noqa: S310
            bundles = json.loads(response.read()).get("result", {})
        return sorted(str(bundle.get("manifest", {}).get("revision", "")) for bundle in bundles.values())

    def __enter__(self) -> OpaServer:
        return self.start()

    def decisions_served(self) -> int:
        """Decisions this server has made so far: its own count of POSTs to /v1/data, from its /metrics."""
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:  # noqa: S310 (loopback)
            text = response.read().decode()
        for line in text.splitlines():
            if (
                line.startswith("http_request_duration_seconds_count")
                and 'handler="v1/data"' in line
                and 'method="post"' in line
            ):
                return int(float(line.rsplit(" ", 1)[1]))
        return 0


def main() -> None:
    """`python -m fedtools.opa [opa] [regal]`: makes sure the pinned tools are present and prints their paths."""
    import sys

    tools = {"opa": ensure_opa, "regal": ensure_regal}
    names = sys.argv[1:] or ["opa"]
    unknown = [name for name in names if name not in tools]
    if unknown:
        raise SystemExit(f"usage: python -m fedtools.opa [opa] [regal] (not {', '.join(unknown)})")
    try:
        for name in names:
            print(tools[name](lambda message: print(message, file=sys.stderr)))
    except GoToolUnavailable as error:
        raise SystemExit(str(error)) from error


if __name__ == "__main__":
    main()
