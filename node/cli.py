"""`fedgate node …`: serve, import records, verify the audit log."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from fedcore.config import ConfigError
from fedcore.directory import DirectoryProblem, load_directory, load_federation_keys
from fedcore.keys import KeyFileProblem, load_public_keys
from fedcore.logs import configure_logging
from node.audit import AuditError, export_entries
from node.audit_chain import walk_chain
from node.audit_verify import AnchoredReport, verify_anchored
from node.checkpoints import CheckpointProblem, parse_checkpoint, read_checkpoint_lines
from node.config import load_node_config
from node.followups.cli import add_follow_up_commands
from node.lifecycle import delete_audited, import_audited, purge_audited
from node.pgsql import Location
from node.server import serve
from node.store import StoreError
from node.store.checking import WorkersUnavailable

MAX_REPORTED_LINES = 50


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    node = subparsers.add_parser("node", help="run and manage a country node")
    commands = node.add_subparsers(dest="node_command", required=True)

    serve_parser = commands.add_parser("serve", help="answer federated searches over gRPC")
    serve_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    serve_parser.add_argument("--ready-file", type=Path, help="write {country, grpc} here once listening")
    serve_parser.set_defaults(handler=run_serve)

    import_parser = commands.add_parser("import", help="load FollowTheMoney JSON lines into the node's store")
    import_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    import_parser.add_argument("file", type=Path, help="FtM JSON lines ('-' for standard input)")
    import_parser.add_argument("--skip-invalid", action="store_true", help="load the valid lines, list the others")
    import_parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="processes checking lines and computing their keys while one writes (a large file: the cores)",
    )
    import_parser.set_defaults(handler=run_import)

    records_parser = commands.add_parser("records", help="remove records while the node serves (audited)")
    records_commands = records_parser.add_subparsers(dest="records_command", required=True)
    delete_parser = records_commands.add_parser("delete", help="delete records by entity id, in one transaction")
    delete_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    delete_parser.add_argument("ids", nargs="+", metavar="ID", help="entity ids as imported")
    delete_parser.set_defaults(handler=run_records_delete)
    purge_parser = records_commands.add_parser("purge", help="delete the records past their expiry day")
    purge_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    purge_parser.set_defaults(handler=run_records_purge)

    add_follow_up_commands(commands)

    audit_parser = commands.add_parser("audit", help="check the node's audit log")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
    verify_parser = audit_commands.add_parser("verify", help="verify the hash chain, name the first broken entry")
    source = verify_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", type=Path, help="node.toml: verify the node's audit log")
    source.add_argument("--export", type=Path, help="verify an exported JSON lines file offline")
    source.add_argument(
        "--audit-file", type=Path, help="a copy of the audit file, off the node (with --country, --keys, --checkpoints)"
    )
    verify_parser.add_argument("--country", help="with --audit-file: the node's country (ISO 3166-1 alpha-2)")
    verify_parser.add_argument(
        "--checkpoints",
        type=Path,
        help="signed checkpoints to hold the chain against (default: audit.checkpoints_path)",
    )
    verify_parser.add_argument(
        "--anchors",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="the gateway's search log (JSON lines) or saved /v1/search answers (JSON)",
    )
    signer = verify_parser.add_mutually_exclusive_group()
    signer.add_argument(
        "--directory",
        type=Path,
        help="the federation's signed directory: checkpoints count only under this country's keys listed there"
        " (with --federation-key)",
    )
    signer.add_argument(
        "--keys",
        type=Path,
        help="directory holding only this node's <key id>.pub.pem (default: the public half of the node's key)",
    )
    verify_parser.add_argument(
        "--federation-key", type=Path, action="append", default=[], help="the federation's public key (repeatable)"
    )
    verify_parser.set_defaults(handler=run_audit_verify)

    checkpoints_parser = audit_commands.add_parser(
        "checkpoints", help="print the signed checkpoints (JSON lines) for a custodian off the node"
    )
    checkpoints_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    checkpoints_parser.add_argument("--after-seq", type=int, default=0, help="only checkpoints of later entries")
    checkpoints_parser.set_defaults(handler=run_audit_checkpoints)

    export_parser = audit_commands.add_parser("export", help="write entries as JSON lines for offline review")
    export_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    export_parser.add_argument("--since", required=True, help="ISO 8601 UTC, e.g. 2026-11-01 or 2026-11-01T00:00:00")
    export_parser.add_argument("--until", required=True, help="ISO 8601 UTC (exclusive)")
    export_parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export_parser.set_defaults(handler=run_audit_export)


def positive_int(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def run_serve(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    configure_logging(config.log_level)
    asyncio.run(serve(config, args.ready_file))
    return 0


def run_import(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    try:
        if str(args.file) == "-":
            report = import_audited(config, sys.stdin, source="-", skip_invalid=args.skip_invalid, workers=args.workers)
        else:
            with args.file.open(encoding="utf-8", errors="strict") as handle:
                report = import_audited(
                    config, handle, source=args.file.name, skip_invalid=args.skip_invalid, workers=args.workers
                )
    except WorkersUnavailable as error:
        print(f"{error}; nothing imported", file=sys.stderr)
        return 1
    except UnicodeDecodeError as error:
        print(f"{args.file}: not UTF-8 text ({error.reason} at byte {error.start}); nothing imported", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.file}: {error.strerror}; nothing imported", file=sys.stderr)
        return 1
    except (AuditError, StoreError) as error:
        print(f"{error}; nothing imported", file=sys.stderr)
        return 1
    except BrokenProcessPool:
        print("a process checking lines stopped unexpectedly (out of memory?); nothing imported", file=sys.stderr)
        return 1
    for number, problem in report.bad_lines[:MAX_REPORTED_LINES]:
        print(f"{args.file}:{number}: {problem}", file=sys.stderr)
    if len(report.bad_lines) > MAX_REPORTED_LINES:
        print(f"… and {len(report.bad_lines) - MAX_REPORTED_LINES} more bad lines", file=sys.stderr)
    if report.bad_lines and not args.skip_invalid:
        print(
            f"{len(report.bad_lines)} bad line(s); nothing imported (use --skip-invalid to load the rest)",
            file=sys.stderr,
        )
        return 1
    skipped = f", skipped {len(report.bad_lines)} bad line(s)" if report.bad_lines else ""
    deleted = f", deleted {len(report.deleted)}" if report.deleted else ""
    not_held = f" ({report.not_held} deletion(s) of records not held)" if report.not_held else ""
    print(f"imported {report.imported} record(s) into {config.store}{deleted}{not_held}{skipped}")
    return 0


def run_records_delete(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    try:
        report = delete_audited(config, args.ids)
    except (AuditError, StoreError) as error:
        print(f"{error}; nothing deleted", file=sys.stderr)
        return 1
    if report.bad_lines:
        for _, problem in report.bad_lines:
            print(problem, file=sys.stderr)
        print("nothing deleted", file=sys.stderr)
        return 1
    not_held = f"; {report.not_held} id(s) not held" if report.not_held else ""
    print(f"deleted {len(report.deleted)} record(s) from {config.store}{not_held}")
    return 0


def run_records_purge(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    try:
        purged = purge_audited(config)
    except (AuditError, StoreError) as error:
        print(f"{error}; nothing purged", file=sys.stderr)
        return 1
    print(f"purged {len(purged)} expired record(s) from {config.store}")
    return 0


def _utc(text: str, flag: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise AuditError(f"{flag} {text!r} is not an ISO 8601 date or time") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def run_audit_export(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    since, until = _utc(args.since, "--since"), _utc(args.until, "--until")
    output = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    count = 0
    try:
        for entry in export_entries(config.audit_log, since, until):
            output.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if args.out:
            output.close()
    print(f"exported {count} entries recorded in [{since}, {until})", file=sys.stderr)
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    if args.export is not None:
        if args.checkpoints or args.anchors or args.keys or args.directory or args.country:
            raise AuditError("--checkpoints, --anchors, --keys, --directory and --country do not go with --export")
        try:
            with args.export.open(encoding="utf-8") as handle:
                report = walk_chain((json.loads(line) for line in handle if line.strip()), anchored=False)
        except (OSError, ValueError) as error:
            raise AuditError(f"{args.export} cannot be read as exported entries: {error}") from error
        source = str(args.export)
    else:
        return _verify_node_audit(args)
    if report.intact:
        print(f"audit log intact: {report.entries} entries ({source})")
        return 0
    print(
        f"audit log BROKEN at entry {report.broken_seq} (id {report.broken_entry_id}): {report.problem}",
        file=sys.stderr,
    )
    return 2


def _verify_node_audit(args: argparse.Namespace) -> int:
    """On the node (--config) or on a custodian's machine with copies of its files (--audit-file)."""
    if args.audit_file is not None:
        if not (args.country and (args.keys or args.directory) and args.checkpoints):
            raise AuditError(
                "--audit-file needs --country, --directory (or --keys) and --checkpoints (no node.toml to read)"
            )
        audit_path: Location = args.audit_file
        checkpoints_path, country, every = args.checkpoints, args.country, None
        own_key: dict[str, ed25519.Ed25519PublicKey] = {}
    else:
        if args.country:
            raise AuditError("--country goes with --audit-file (node.toml names the node's country)")
        config = load_node_config(args.config)
        audit_path, country = config.audit_log, config.country
        checkpoints_path = args.checkpoints or config.audit.checkpoints_path
        every = config.audit.checkpoint_every_entries
        own_key = {config.signing_key.key_id: config.signing_key.private_key.public_key()}
    if args.directory is not None:
        keys = _country_keys(args.directory, args.federation_key, country)
    elif args.keys is not None:
        try:
            keys = load_public_keys(args.keys)
        except KeyFileProblem as error:
            raise AuditError(f"--keys {args.keys}: {error}") from error
    else:
        keys = own_key
    report = verify_anchored(
        audit_path,
        checkpoints_path,
        args.anchors,
        keys,
        country,
        checkpoints_required=args.checkpoints is not None,
        checkpoint_every_entries=every,
    )
    return _print_anchored(report, str(audit_path))


def _country_keys(
    directory_path: Path, federation_keys: list[Path], country: str
) -> dict[str, ed25519.Ed25519PublicKey]:
    """The answer keys the federation's directory lists for this country, and no other party's: a checkpoint
    re-signed with the gateway's or another country's key is not this country's word."""
    if not federation_keys:
        raise AuditError("--directory needs --federation-key (the federation's public key, obtained out of band)")
    try:
        directory = load_directory(directory_path, load_federation_keys(federation_keys))
    except DirectoryProblem as error:
        raise AuditError(f"--directory {directory_path}: {error}") from error
    member = directory.members.get(country)
    if member is None:
        raise AuditError(f"--directory {directory_path} lists no member {country}")
    return {key.key_id: key.public_key for key in member.answer_keys}


def _print_anchored(report: AnchoredReport, source: str) -> int:
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    latest = report.latest_checkpoint.seq if report.latest_checkpoint else "none"
    summary = f"{report.entries} entries, latest checkpoint seq {latest}, {report.anchors_checked} anchors checked"
    if report.intact:
        print(f"audit log intact ({summary}): {source}")
        return 0
    first, *others = report.ordered_findings()
    where = f" at entry {first.seq}" if first.seq is not None else ""
    print(f"audit log BROKEN{where}: {first.problem}", file=sys.stderr)
    for finding in others:
        print(
            f"  also{f' at entry {finding.seq}' if finding.seq is not None else ''}: {finding.problem}", file=sys.stderr
        )
    print(f"({summary}): {source}", file=sys.stderr)
    return 2


def run_audit_checkpoints(args: argparse.Namespace) -> int:
    """The checkpoints file as it is, line for line (what a custodian's copy must match), after a seq."""
    config = load_node_config(args.config)
    path = config.audit.checkpoints_path
    try:
        lines = read_checkpoint_lines(path)
    except FileNotFoundError:
        print(f"no checkpoints yet ({path} does not exist)", file=sys.stderr)
        return 0
    except (OSError, UnicodeDecodeError) as error:
        raise AuditError(f"checkpoints {path} cannot be read: {error}") from error
    printed = 0
    for number, line in lines:
        try:
            seq = parse_checkpoint(line).seq
        except CheckpointProblem as error:
            raise AuditError(f"{path}:{number}: not a checkpoint: {error}") from error
        if seq > args.after_seq:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
            printed += 1
    print(f"{printed} checkpoint(s) from {path}", file=sys.stderr)
    return 0


HANDLED_ERRORS = (ConfigError, StoreError, AuditError)
