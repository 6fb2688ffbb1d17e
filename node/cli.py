"""`fedgate node …`: serve, import records, verify the audit log."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from fedcore.config import ConfigError
from fedcore.logs import configure_logging
from node.audit import AuditError, export_entries, verify_chain, walk_chain
from node.config import load_node_config
from node.server import serve
from node.store import StoreError, import_lines

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
    import_parser.set_defaults(handler=run_import)

    audit_parser = commands.add_parser("audit", help="check the node's audit log")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
    verify_parser = audit_commands.add_parser("verify", help="verify the hash chain, name the first broken entry")
    source = verify_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", type=Path, help="node.toml: verify the node's audit log")
    source.add_argument("--export", type=Path, help="verify an exported JSON lines file offline")
    verify_parser.set_defaults(handler=run_audit_verify)

    export_parser = audit_commands.add_parser("export", help="write entries as JSON lines for offline review")
    export_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    export_parser.add_argument("--since", required=True, help="ISO 8601 UTC, e.g. 2026-11-01 or 2026-11-01T00:00:00")
    export_parser.add_argument("--until", required=True, help="ISO 8601 UTC (exclusive)")
    export_parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export_parser.set_defaults(handler=run_audit_export)


def run_serve(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    configure_logging(config.log_level)
    asyncio.run(serve(config, args.ready_file))
    return 0


def run_import(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    config.store_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if str(args.file) == "-":
            report = import_lines(config.store_path, sys.stdin, skip_invalid=args.skip_invalid)
        else:
            with args.file.open(encoding="utf-8", errors="strict") as handle:
                report = import_lines(config.store_path, handle, skip_invalid=args.skip_invalid)
    except UnicodeDecodeError as error:
        print(f"{args.file}: not UTF-8 text ({error.reason} at byte {error.start}); nothing imported", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.file}: {error.strerror}; nothing imported", file=sys.stderr)
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
    print(f"imported {report.imported} record(s) into {config.store_path}{skipped}")
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
        for entry in export_entries(config.audit_path, since, until):
            output.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if args.out:
            output.close()
    print(f"exported {count} entries recorded in [{since}, {until})", file=sys.stderr)
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    if args.export is not None:
        try:
            with args.export.open(encoding="utf-8") as handle:
                report = walk_chain((json.loads(line) for line in handle if line.strip()), anchored=False)
        except (OSError, ValueError) as error:
            raise AuditError(f"{args.export} cannot be read as exported entries: {error}") from error
        source = str(args.export)
    else:
        config = load_node_config(args.config)
        report = verify_chain(config.audit_path)
        source = str(config.audit_path)
    if report.intact:
        print(f"audit log intact: {report.entries} entries ({source})")
        return 0
    print(
        f"audit log BROKEN at entry {report.broken_seq} (id {report.broken_entry_id}): {report.problem}",
        file=sys.stderr,
    )
    return 2


HANDLED_ERRORS = (ConfigError, StoreError, AuditError)
