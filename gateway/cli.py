"""`fedgate gateway serve` and `fedgate token issue|keygen`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from fedcore.config import ConfigError
from fedcore.keys import write_secret_file
from fedcore.logs import configure_logging
from fedcore.vocabulary import CLEARANCES, PURPOSES, is_country_code
from gateway.app import serve
from gateway.auth import generate_keypair, issue_token
from gateway.config import ALGORITHMS, load_gateway_config


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gateway = subparsers.add_parser("gateway", help="run the central gateway")
    commands = gateway.add_subparsers(dest="gateway_command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the HTTP API")
    serve_parser.add_argument("--config", type=Path, required=True, help="gateway.toml")
    serve_parser.add_argument("--ready-file", type=Path, help="write {gateway_url} here once listening")
    serve_parser.set_defaults(handler=run_serve)

    token = subparsers.add_parser("token", help="investigator tokens for local use")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    issue = token_commands.add_parser("issue", help="mint a token with an issuer's private key from gateway.toml")
    issue.add_argument("--config", type=Path, required=True, help="gateway.toml")
    issue.add_argument("--issuer", help="issuer name (default: the only issuer with a private key)")
    issue.add_argument("--country", required=True, help="the investigator's country (ISO 3166-1 alpha-2)")
    issue.add_argument("--agency", required=True)
    issue.add_argument("--investigator", required=True, help="the investigator's id")
    issue.add_argument("--clearance", default="restricted", choices=sorted(CLEARANCES, key=CLEARANCES.__getitem__))
    issue.add_argument("--purposes", required=True, help=f"comma-separated, or 'all' ({', '.join(PURPOSES)})")
    issue.add_argument(
        "--ttl", type=int, help="lifetime in seconds (default: 3600, or gateway.max_token_lifetime_s if shorter)"
    )
    issue.set_defaults(handler=run_issue)

    keygen = token_commands.add_parser("keygen", help="create an issuer key pair (PEM files)")
    keygen.add_argument("--private", type=Path, required=True, help="where to write the private key")
    keygen.add_argument("--public", type=Path, required=True, help="where to write the public key")
    keygen.add_argument("--algorithm", default="EdDSA", choices=sorted(ALGORITHMS))
    keygen.set_defaults(handler=run_keygen)


def run_serve(args: argparse.Namespace) -> int:
    config = load_gateway_config(args.config)
    configure_logging(config.log_level)
    asyncio.run(serve(config, args.ready_file))
    return 0


def run_issue(args: argparse.Namespace) -> int:
    config = load_gateway_config(args.config)
    minting = [issuer for issuer in config.issuers.values() if issuer.private_key_path is not None]
    if args.issuer:
        minting = [issuer for issuer in minting if issuer.name == args.issuer]
    if len(minting) != 1:
        print("fedgate: name one issuer that has a private_key in the configuration (--issuer)", file=sys.stderr)
        return 2
    if not is_country_code(args.country):
        print(f"fedgate: --country {args.country!r} is not an ISO 3166-1 alpha-2 code", file=sys.stderr)
        return 2
    purposes = list(PURPOSES) if args.purposes == "all" else [p.strip() for p in args.purposes.split(",") if p.strip()]
    unknown = [purpose for purpose in purposes if purpose not in PURPOSES]
    if unknown or not purposes:
        print(f"fedgate: unknown purposes {unknown}; known: {', '.join(PURPOSES)}", file=sys.stderr)
        return 2
    ttl_s = args.ttl if args.ttl is not None else min(3600, config.max_token_lifetime_s)
    if not 1 <= ttl_s <= config.max_token_lifetime_s:
        print(
            f"fedgate: --ttl must be between 1 and {config.max_token_lifetime_s} seconds "
            "(gateway.max_token_lifetime_s: the gateway refuses longer-lived tokens)",
            file=sys.stderr,
        )
        return 2
    print(
        issue_token(
            minting[0],
            config.audience,
            investigator_id=args.investigator,
            country=args.country,
            agency=args.agency,
            clearance=args.clearance,
            purposes=purposes,
            ttl_s=ttl_s,
        )
    )
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    private_pem, public_pem = generate_keypair(args.algorithm)
    args.private.parent.mkdir(parents=True, exist_ok=True)
    write_secret_file(args.private, private_pem)
    args.public.write_bytes(public_pem)
    print(f"wrote {args.private} and {args.public}")
    return 0


HANDLED_ERRORS = (ConfigError,)
