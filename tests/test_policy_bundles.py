"""Signed policy bundles: a country builds its bundle with its key, its OPA activates only correctly signed ones,
and a new bundle reaches the node's answers (and its audit chain) without restarting the node."""

from __future__ import annotations

import functools
import http.server
import io
import json
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fedgate.v1 import node_pb2 as pb
from fedtools.bundles import make_bundle
from fedtools.opa import OpaServer
from fedtools.servers import ServerStartError
from node.server import RunningNode
from tests.conftest import node_client, search_request

WAIT_S = 20.0


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """France's bundle-signing key pair (RSA, as OPA signs with RS256 by default)."""
    directory = tmp_path_factory.mktemp("policy-keys")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key, public = directory / "fr-policy.pem", directory / "fr-policy.pub.pem"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return key, public


def altered(bundle: Path, out: Path) -> Path:
    """The signed bundle with France's settings changed (one more partner), its signature left as it was."""
    with tarfile.open(bundle, "r:gz") as archive:
        members = [(member, archive.extractfile(member)) for member in archive.getmembers()]
        contents = {member.name: handle.read() if handle else b"" for member, handle in members}
    with tarfile.open(out, "w:gz") as archive:
        for member, _ in members:
            content = contents[member.name]
            if member.name.lstrip("/") == "data.json":  # `opa build` merges every data.json into one
                data = json.loads(content)
                partners = data["fedgate"]["countries"]["fr"]["settings"]["partners"]
                partners["RU"] = {"profile": "eu", "purposes": ["fugitive"]}
                content = json.dumps(data).encode()
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    return out


class BundleServer:
    """Serves a directory over HTTP on loopback, as a country's bundle server would."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(QuietHandler, directory=str(directory))
        self.directory = directory
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/fr.tar.gz"

    def publish(self, bundle: Path) -> None:
        """Replaces the served bundle whole (written aside, then renamed over it)."""
        staged = self.directory / ".fr.tar.gz.part"
        staged.write_bytes(bundle.read_bytes())
        staged.replace(self.directory / "fr.tar.gz")

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged: the test reads OPA's log, not this one."""


@pytest.fixture
def bundle_server(tmp_path: Path) -> Iterator[BundleServer]:
    directory = tmp_path / "served"
    directory.mkdir()
    server = BundleServer(directory)
    yield server
    server.stop()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_S} s: {what}")
        time.sleep(0.05)  # polling the condition, bounded by the deadline


def refusals(opa: OpaServer) -> int:
    """How many bundle downloads OPA refused so far (its log says why)."""
    return opa.log_path.read_text(errors="replace").count("Bundle load failed")


def audit_rows(node: RunningNode) -> list[dict[str, Any]]:
    connection = sqlite3.connect(node.config.audit_path)
    try:
        return [json.loads(body) for (body,) in connection.execute("SELECT body FROM entries ORDER BY seq")]
    finally:
        connection.close()


def build_cli(key: Path, out: Path, revision: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fedcli.main", "policy", "build", "--country", "FR", "--key", str(key)]
    command += ["--out", str(out), "--revision", revision]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_policy_build_signs_the_bundle_with_the_countrys_key(keys: tuple[Path, Path], tmp_path: Path) -> None:
    key, _ = keys
    done = build_cli(key, tmp_path / "fr.tar.gz", "fr-2026-12-04.1")
    assert done.returncode == 0, done.stderr
    assert "revision fr-2026-12-04.1" in done.stdout
    with tarfile.open(tmp_path / "fr.tar.gz", "r:gz") as archive:
        names = {member.name.lstrip("/") for member in archive.getmembers()}
        manifest = json.loads((archive.extractfile("/.manifest") or io.BytesIO(b"{}")).read())
    assert ".signatures.json" in names
    assert manifest["revision"] == "fr-2026-12-04.1"
    assert "system/log" in manifest["roots"]


def test_policy_build_refuses_a_key_opa_cannot_sign_with(tmp_path: Path) -> None:
    odd = ec.generate_private_key(ec.SECP256K1())
    key = tmp_path / "odd.pem"
    key.write_bytes(
        odd.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    done = build_cli(key, tmp_path / "fr.tar.gz", "r1")
    assert done.returncode == 2
    assert "RSA or EC" in done.stderr
    assert not (tmp_path / "fr.tar.gz").exists()


def test_opa_given_the_verification_key_refuses_an_unsigned_or_altered_bundle(
    keys: tuple[Path, Path], tmp_path: Path, opa_binary: Path
) -> None:
    key, public = keys
    signed = tmp_path / "fr.tar.gz"
    revision = make_bundle("FR", signed, revision="fr-signed-1", signing_key=key)
    unsigned = tmp_path / "fr-unsigned.tar.gz"
    make_bundle("FR", unsigned, revision="fr-unsigned-1")
    tampered = altered(signed, tmp_path / "fr-altered.tar.gz")
    for number, bundle in enumerate((unsigned, tampered)):
        opa = OpaServer(
            "FR", tmp_path / f"refused-{number}", opa_binary=opa_binary, signed_bundle=bundle, verification_key=public
        )
        try:
            with pytest.raises(ServerStartError):
                opa.start()
        finally:
            opa.stop()
        said = opa.log_path.read_text()
        assert "signature" in said or "digest" in said, said
    with OpaServer(
        "FR", tmp_path / "valid", opa_binary=opa_binary, signed_bundle=signed, verification_key=public
    ) as opa:
        assert opa.revision == revision == "fr-signed-1"


async def test_a_new_signed_bundle_reaches_the_answers_and_the_audit_without_restarting_the_node(  # type: ignore[no-untyped-def]
    keys: tuple[Path, Path], tmp_path: Path, opa_binary: Path, bundle_server: BundleServer, node_factory
) -> None:
    key, public = keys
    first, second = tmp_path / "fr-1.tar.gz", tmp_path / "fr-2.tar.gz"
    make_bundle("FR", first, revision="fr-2026-12-01", signing_key=key)
    make_bundle("FR", second, revision="fr-2026-12-04", signing_key=key)
    bundle_server.publish(altered(first, tmp_path / "fr-1-altered.tar.gz"))
    opa = OpaServer(
        "FR", tmp_path / "opa", opa_binary=opa_binary, signed_bundle=bundle_server.url, verification_key=public
    ).start()
    try:
        node: RunningNode = await node_factory("FR", opa.url)
        number = iter(range(100))

        async def search() -> pb.SearchResponse:
            request = search_request(
                {"name": ["Ivan Petrov"]}, country="DE", purpose="terrorism", query_id=f"q-bundle-{next(number)}"
            )
            async with node_client(node.address) as client:
                answer: pb.SearchResponse = await client.Search(request, timeout=10)
            return answer

        # Only an altered bundle so far: OPA refuses it and decides nothing, so nothing leaves.
        wait_until(lambda: refusals(opa) >= 1, "OPA refuses the altered bundle")
        for _ in range(2):
            answer = await search()
            assert answer.outcome == pb.SEARCH_OUTCOME_POLICY_UNAVAILABLE
            assert (list(answer.hits), answer.policy_revision) == ([], "")

        bundle_server.publish(first)
        wait_until(lambda: opa.bundle_revisions() == ["fr-2026-12-01"], "OPA activates the signed bundle")
        answer = await search()
        assert answer.outcome == pb.SEARCH_OUTCOME_HIT
        assert answer.policy_revision == "fr-2026-12-01"

        # An altered new bundle is refused: OPA keeps deciding under the bundle it has.
        refused = refusals(opa)
        bundle_server.publish(altered(second, tmp_path / "fr-2-altered.tar.gz"))
        wait_until(lambda: refusals(opa) > refused, "OPA refuses the altered new bundle")
        assert opa.bundle_revisions() == ["fr-2026-12-01"]
        assert (await search()).policy_revision == "fr-2026-12-01"

        bundle_server.publish(second)
        wait_until(lambda: opa.bundle_revisions() == ["fr-2026-12-04"], "OPA activates the new signed bundle")
        answer = await search()
        assert answer.outcome == pb.SEARCH_OUTCOME_HIT
        assert answer.policy_revision == "fr-2026-12-04"
    finally:
        opa.stop()

    rows = audit_rows(node)
    changes = [row for row in rows if row["kind"] == "policy_revision"]
    assert [(row["previous"], row["revision"]) for row in changes] == [("fr-2026-12-01", "fr-2026-12-04")]
    kinds = [(row["kind"], row.get("policy_revision", "")) for row in rows if row["kind"] != "records_import"]
    # The change is in the chain before the first answer under the new revision.
    assert kinds[-2:] == [("policy_revision", ""), ("search", "fr-2026-12-04")]
    assert [row["policy_problem"] for row in rows if row["kind"] == "search"][:2] == ["malformed", "malformed"]


def test_opa_config_polls_the_bundle_and_trusts_only_the_countrys_key(keys: tuple[Path, Path], tmp_path: Path) -> None:
    _, public = keys
    out = tmp_path / "opa.json"
    command = [sys.executable, "-m", "fedcli.main", "policy", "opa-config", "--bundle-url"]
    command += ["https://bundles.fr.example/v1/fr.tar.gz", "--verification-key", str(public), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    config = json.loads(out.read_text())
    assert config["services"]["policy"]["url"] == "https://bundles.fr.example/v1"
    (bundle,) = config["bundles"].values()
    assert (bundle["resource"], bundle["polling"]["min_delay_seconds"]) == ("fr.tar.gz", 30)
    (key,) = config["keys"].values()
    assert key == {"key": public.read_text(), "algorithm": "RS256"}
    assert bundle["signing"]["keyid"] in config["keys"]


def test_a_bundle_signed_with_an_ec_key_is_verified_with_its_public_key(tmp_path: Path, opa_binary: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    key, public = tmp_path / "fr-policy.pem", tmp_path / "fr-policy.pub.pem"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    bundle = tmp_path / "fr.tar.gz"
    make_bundle("FR", bundle, revision="fr-ec-1", signing_key=key)
    with OpaServer("FR", tmp_path / "opa", opa_binary=opa_binary, signed_bundle=bundle, verification_key=public) as opa:
        assert opa.revision == "fr-ec-1"
