"""`fedgate pki` (a local federation CA, certificates, keys), `fedgate federation` (the signed directory of
members) and `fedgate verify` (saved answers against that directory)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fedcore.directory import (
    DirectoryProblem,
    content_from_members_file,
    format_time,
    load_directory,
    load_federation_keys,
    sign_directory,
)
from fedcore.evidence import answer_from_stream, answers_from_screen, verify_answer, verify_follow_up
from fedcore.keys import KeyFileProblem, SigningKey, generate_signing_key, load_private_key, write_secret_file
from fedcore.vocabulary import is_country_code
from fedtools.ca import init_ca, issue_certificate, issue_https_certificate


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pki = subparsers.add_parser("pki", help="a federation CA, certificates and signing keys for local use")
    commands = pki.add_subparsers(dest="pki_command", required=True)
    init = commands.add_parser("init", help="create the federation CA (ca.pem, ca.key)")
    init.add_argument("--dir", type=Path, required=True, help="where the CA lives")
    init.add_argument("--days", type=int, default=3650)
    init.set_defaults(handler=run_init)

    issue = commands.add_parser("issue", help="issue a node's or the gateway's TLS certificate")
    who = issue.add_mutually_exclusive_group(required=True)
    who.add_argument("--node", metavar="COUNTRY", help="a node certificate naming this country")
    who.add_argument("--gateway", action="store_true", help="the gateway's client certificate")
    who.add_argument(
        "--https", action="store_true", help="the server certificate of the gateway's HTTPS API (for --host names)"
    )
    issue.add_argument("--dir", type=Path, required=True, help="the CA's directory")
    issue.add_argument("--out", type=Path, help="where to write the certificate and key (default: --dir)")
    issue.add_argument("--host", action="append", default=[], help="extra DNS name or IP address (repeatable)")
    issue.add_argument("--days", type=int, default=365)
    issue.set_defaults(handler=run_issue)

    keygen = commands.add_parser("signing-key", help="an Ed25519 key for signing answers or assertions")
    keygen.add_argument("--key-id", required=True, help="the key's id, e.g. fr-2026-11")
    keygen.add_argument("--out", type=Path, required=True, help="writes <key id>.pem and <key id>.pub.pem here")
    keygen.set_defaults(handler=run_signing_key)

    verify = subparsers.add_parser(
        "verify",
        help="check a saved /v1/search answer (a saved stream, a follow-up) against the federation's signed directory",
    )
    verify.add_argument("answer", type=Path, help="the saved JSON answer, or the NDJSON lines of a streamed one")
    verify.add_argument("--directory", type=Path, required=True, help="the federation's signed directory")
    verify.add_argument(
        "--federation-key",
        type=Path,
        action="append",
        required=True,
        help="the federation's public key, <key id>.pub.pem, obtained out of band (repeatable during a rotation)",
    )
    verify.set_defaults(handler=run_verify)

    federation = subparsers.add_parser("federation", help="the federation's signed directory of members")
    federation_commands = federation.add_subparsers(dest="federation_command", required=True)
    sign = federation_commands.add_parser(
        "sign-directory", help="sign a directory from a members file (TOML): countries, node addresses, keys"
    )
    sign.add_argument("--members", type=Path, required=True, help="the members file (see docs in README)")
    sign.add_argument("--key", type=Path, required=True, help="the federation's private signing key (PEM)")
    sign.add_argument("--key-id", required=True, help="the federation key's id")
    sign.add_argument("--out", type=Path, required=True, help="where to write the signed directory (JSON)")
    sign.set_defaults(handler=run_sign_directory)
    show = federation_commands.add_parser("show", help="check a directory's signature and list its members and keys")
    show.add_argument("directory", type=Path)
    show.add_argument("--federation-key", type=Path, action="append", required=True)
    show.set_defaults(handler=run_show_directory)


def run_init(args: argparse.Namespace) -> int:
    files = init_ca(args.dir, days=args.days)
    print(f"wrote {files.certificate} and {files.key}")
    return 0


def run_issue(args: argparse.Namespace) -> int:
    country = args.node.upper() if args.node else None
    if country is not None and not is_country_code(country):
        print(f"fedgate: --node {args.node!r} is not an ISO 3166-1 alpha-2 code", file=sys.stderr)
        return 2
    hosts = args.host or ["127.0.0.1", "localhost"]
    if args.https:
        files = issue_https_certificate(args.dir, args.out or args.dir, hosts=hosts, days=args.days)
    else:
        files = issue_certificate(args.dir, args.out or args.dir, country=country, hosts=hosts, days=args.days)
    print(f"wrote {files.certificate} and {files.key}")
    return 0


def run_signing_key(args: argparse.Namespace) -> int:
    private_pem, public_pem = generate_signing_key()
    args.out.mkdir(parents=True, exist_ok=True)
    private_path, public_path = args.out / f"{args.key_id}.pem", args.out / f"{args.key_id}.pub.pem"
    write_secret_file(private_path, private_pem)
    public_path.write_bytes(public_pem)
    print(f"wrote {private_path} and {public_path}")
    return 0


def _read_answers(path: Path) -> list[dict[str, Any]]:
    """The saved answer; a saved screening batch (/v1/screen) is one answer per query."""
    text = path.read_text(encoding="utf-8")
    try:
        answer = json.loads(text)
    except json.JSONDecodeError:
        # A streamed answer: one JSON object per line.
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        if any(line.get("type") == "summary" and "queries" in line for line in lines):
            return answers_from_screen(lines)
        return [answer_from_stream(lines)]
    if not isinstance(answer, dict):
        raise ValueError("the answer is not a JSON object")
    return [answer]


def run_verify(args: argparse.Namespace) -> int:
    try:
        directory = load_directory(args.directory, load_federation_keys(args.federation_key))
        answers = _read_answers(args.answer)
    except (OSError, ValueError) as error:
        # DirectoryProblem and JSONDecodeError are ValueErrors: the directory or the file is not usable.
        print(f"fedgate verify: {error}", file=sys.stderr)
        return 2
    intact = True
    for index, answer in enumerate(answers):
        findings = verify_follow_up(answer, directory) if "follow_up_id" in answer else verify_answer(answer, directory)
        for finding in findings:
            print(f"query {index}: {finding}" if len(answers) > 1 else finding)
        intact = intact and all(finding.ok for finding in findings)
    return 0 if intact else 1


def run_sign_directory(args: argparse.Namespace) -> int:
    try:
        content = content_from_members_file(args.members, datetime.now(UTC))
        signed = sign_directory(content, SigningKey(args.key_id, load_private_key(args.key)))
    except (DirectoryProblem, KeyFileProblem) as error:
        print(f"fedgate federation sign-directory: {error}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(args.out.suffix + ".partial")
    partial.write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(args.out)
    print(f"wrote {args.out} (version {content['version']}, {len(content['members'])} members)")
    return 0


def run_show_directory(args: argparse.Namespace) -> int:
    try:
        directory = load_directory(args.directory, load_federation_keys(args.federation_key))
    except DirectoryProblem as error:
        print(f"fedgate federation show: {error}", file=sys.stderr)
        return 2
    print(
        f"federation {directory.federation!r} version {directory.version}, issued {format_time(directory.issued_at)},"
        f" signed by {directory.signed_by}"
    )
    for key in directory.gateway_keys:
        print(f"  gateway  key {key.key_id}  valid {key.period()}")
    for country, member in sorted(directory.members.items()):
        for key in member.answer_keys:
            print(f"  {country}       key {key.key_id}  valid {key.period()}  node {member.node_address or '-'}")
    return 0
