"""`fedgate policy …`: build a candidate bundle, replay past searches against it, say what changed between two."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from fedcore.config import ConfigError
from fedtools.bundles import BundleError, diff_bundles, make_bundle, read_bundle
from fedtools.opa import DEFAULT_POLICIES_DIR, OpaUnavailable, signed_bundle_config
from fedtools.replay import DEFAULT_BATCH, BatchEvaluator, ReplayError, ReplayOpa, replay
from fedtools.replay_compare import change_kind
from fedtools.replay_report import kinds_present, summarise, to_html, to_json, to_text
from fedtools.servers import ServerStartError
from node.config import load_node_config
from node.store import StoreError

# Exit codes: 0 nothing to object to, 1 a --fail-on change appeared, 2 the command could not run (fedcli.main).
EXIT_CHANGE_FOUND = 1


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy = subparsers.add_parser("policy", help="see what a policy change would do before it goes live")
    commands = policy.add_subparsers(dest="policy_command", required=True)

    bundle = commands.add_parser("bundle", help="build a country's policy bundle (.tar.gz) with `opa build`")
    bundle.add_argument("--country", required=True, help="the country whose policy to bundle, e.g. DE")
    bundle.add_argument(
        "--policies", type=Path, default=DEFAULT_POLICIES_DIR, help="policies directory (holding fedgate/...)"
    )
    bundle.add_argument("--out", type=Path, required=True, help="bundle file to write (.tar.gz)")
    bundle.add_argument("--revision", default="", help="revision to record (default: a digest of the sources)")
    bundle.set_defaults(handler=run_bundle)

    build = commands.add_parser(
        "build", help="build a country's signed policy bundle (.tar.gz) for its OPA (`opa build --signing-key`)"
    )
    build.add_argument("--country", required=True, help="the country whose policy to bundle, e.g. DE")
    build.add_argument(
        "--key", type=Path, required=True, help="the country's bundle-signing private key (RSA or EC PEM)"
    )
    build.add_argument(
        "--policies", type=Path, default=DEFAULT_POLICIES_DIR, help="policies directory (holding fedgate/...)"
    )
    build.add_argument("--out", type=Path, help="bundle file to write (default: <cc>-<revision>.tar.gz here)")
    build.add_argument("--revision", default="", help="the bundle's revision (default: a digest of the sources)")
    build.set_defaults(handler=run_build)

    opa_config = commands.add_parser(
        "opa-config", help="the configuration of a country's OPA that polls its signed bundle and verifies it"
    )
    opa_config.add_argument("--bundle-url", required=True, help="http(s) URL of the signed bundle (.tar.gz)")
    opa_config.add_argument("--verification-key", type=Path, required=True, help="the signing key's public key (PEM)")
    opa_config.add_argument("--polling-s", type=int, default=30, help="seconds between downloads of the bundle")
    opa_config.add_argument(
        "--out", type=Path, required=True, help="configuration file to write (JSON, for --config-file)"
    )
    opa_config.set_defaults(handler=run_opa_config)

    replay_parser = commands.add_parser(
        "replay", help="replay the node's past searches against a candidate bundle and report what would change"
    )
    replay_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    replay_parser.add_argument("--bundle", type=Path, required=True, help="candidate bundle (.tar.gz or directory)")
    replay_parser.add_argument("--since", required=True, help="ISO 8601 UTC, e.g. 2026-11-01")
    replay_parser.add_argument("--until", help="ISO 8601 UTC, exclusive (default: now)")
    replay_parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    replay_parser.add_argument("--html", type=Path, help="also write the report as a self-contained page here")
    replay_parser.add_argument(
        "--show-values", action="store_true", help="show record and query values in the report (off by default)"
    )
    replay_parser.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="CHANGE",
        help='exit 1 when this change appears, e.g. "withheld -> released" or "refusal lost" (repeatable)',
    )
    replay_parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="searches per OPA evaluation")
    replay_parser.set_defaults(handler=run_replay)

    diff = commands.add_parser("diff", help="the settings and rules that differ between two bundles, in words")
    diff.add_argument("old", type=Path, help="the bundle in force (.tar.gz or directory)")
    diff.add_argument("new", type=Path, help="the candidate bundle")
    diff.set_defaults(handler=run_diff)


def utc_moment(text: str, flag: str) -> str:
    """An ISO 8601 date or time as the audit log writes it (UTC, microseconds)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ReplayError(f"{flag} {text!r} is not an ISO 8601 date or time") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def run_bundle(args: argparse.Namespace) -> int:
    revision = make_bundle(args.country.upper(), args.out, args.policies, args.revision)
    print(f"wrote {args.out} (revision {revision})")
    return 0


def run_build(args: argparse.Namespace) -> int:
    country = args.country.upper()
    with tempfile.TemporaryDirectory(prefix="fedgate-build-") as scratch:
        built = Path(scratch) / "bundle.tar.gz"
        revision = make_bundle(country, built, args.policies, args.revision, signing_key=args.key)
        out: Path = args.out or Path(f"{country.lower()}-{revision}.tar.gz")
        out.parent.mkdir(parents=True, exist_ok=True)
        # Replaced whole, never written in place: an OPA polling it never downloads half a bundle.
        staged = out.with_name(f".{out.name}.part")
        shutil.copyfile(built, staged)
        staged.replace(out)
    print(f"wrote {out} (revision {revision}, signed with {args.key})")
    return 0


def run_opa_config(args: argparse.Namespace) -> int:
    if args.polling_s < 1:
        raise BundleError("--polling-s must be at least 1")
    try:
        config = signed_bundle_config(args.bundle_url, args.verification_key, args.polling_s)
    except (OSError, ValueError) as error:
        raise BundleError(str(error)) from error
    args.out.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: run `opa run --server --config-file {args.out}`")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    try:
        fail_on = {change_kind(text) for text in args.fail_on}
    except ValueError as error:
        raise ReplayError(f"--fail-on: {error}") from error
    if args.batch < 1:
        raise ReplayError("--batch must be at least 1")
    config = load_node_config(args.config)
    since = utc_moment(args.since, "--since")
    until = utc_moment(args.until, "--until") if args.until else datetime.now(UTC).isoformat(timespec="microseconds")
    with tempfile.TemporaryDirectory(prefix="fedgate-replay-") as work, ReplayOpa(args.bundle, Path(work)) as opa:
        evaluator = BatchEvaluator(opa.url, config.opa.decision_path)
        evaluator.check()
        result = replay(config, evaluator, since, until, bundle=args.bundle.name, batch=args.batch)
    summary = summarise(result, show_values=args.show_values)
    if args.json:
        args.json.write_text(to_json(summary), encoding="utf-8")
    if args.html:
        args.html.write_text(to_html(summary), encoding="utf-8")
    sys.stdout.write(to_text(summary))
    found = kinds_present(summary, fail_on)
    if found:
        listed = ", ".join(f'"{kind}" ({count})' for kind, count in found.items())
        print(f"fedgate policy replay: the candidate policy makes changes it must not: {listed}", file=sys.stderr)
        return EXIT_CHANGE_FOUND
    return 0


def run_diff(args: argparse.Namespace) -> int:
    lines = diff_bundles(read_bundle(args.old), read_bundle(args.new))
    if not lines:
        print("no difference in settings or rules")
    for line in lines:
        print(line)
    return 0


HANDLED_ERRORS = (BundleError, ReplayError, ConfigError, StoreError, OpaUnavailable, ServerStartError)
