"""Requester assertions: the gateway's short-lived signed statement of who asks what of which country.

A node verifies the assertion before it searches or describes itself: signature (against the gateway keys
it trusts, by key id), audience (its own country), expiry, and that the request it received is the one that
was signed. The digest names the kind of request, so an assertion made for a search never passes for a
describe, nor the other way round.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any, TypeAlias

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519

from fedcore.canonical import canonical_bytes
from fedcore.keys import SigningKey, peek_jws
from fedcore.vocabulary import CLEARANCE_NAMES, PURPOSE_NAMES
from fedgate.v1 import node_pb2 as pb

ISSUER = "fedgate-gateway"
LEEWAY_S = 2

# The requests a gateway vouches for.
AssertedRequest: TypeAlias = (
    pb.SearchRequest | pb.DescribeRequest | pb.ScreenRequest | pb.FollowUpRequest | pb.FollowUpStatusRequest
)


class AssertionRejected(Exception):
    """The request's assertion does not prove who asks what; `code` says why, `status` how to answer."""

    def __init__(self, code: str, message: str, status: grpc.StatusCode) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _requester_document(requester: pb.Requester) -> dict[str, str]:
    return {
        "country": requester.country,
        "agency": requester.agency,
        "investigator_id": requester.investigator_id,
        "clearance": CLEARANCE_NAMES.get(requester.clearance, str(requester.clearance)),
    }


def request_digest(request: AssertedRequest) -> str:
    """SHA-256 over the canonical form of everything in a request but the assertion itself, its kind included."""
    document: dict[str, Any]
    if isinstance(request, pb.DescribeRequest):
        document = {
            "kind": "describe",
            "query_id": request.query_id,
            "requester": _requester_document(request.requester),
        }
    elif isinstance(request, pb.FollowUpRequest):
        document = {
            "kind": "follow_up",
            "query_id": request.query_id,
            "requester": _requester_document(request.requester),
            "purpose": PURPOSE_NAMES.get(request.purpose, str(request.purpose)),
            "record_ref": request.record_ref,
            "case_reference": request.case_reference,
            "reasons": request.reasons,
            "legal_basis": int(request.legal_basis),
            "properties": list(request.properties),
            "urgency": int(request.urgency),
        }
    elif isinstance(request, pb.FollowUpStatusRequest):
        document = {
            "kind": "follow_up_status",
            "query_id": request.query_id,
            "follow_up_id": request.follow_up_id,
            "requester": _requester_document(request.requester),
        }
    elif isinstance(request, pb.ScreenRequest):
        document = {
            "kind": "screen",
            "query_id": request.query_id,
            "requester": _requester_document(request.requester),
            "purpose": PURPOSE_NAMES.get(request.purpose, str(request.purpose)),
            "queries": [
                {
                    "query_id": item.query_id,
                    "schema": item.query.schema,
                    "properties": {name: list(values.values) for name, values in sorted(item.query.properties.items())},
                }
                for item in request.queries
            ],
            "limit": request.limit,
        }
    else:
        document = {
            "kind": "search",
            "query_id": request.query_id,
            "requester": _requester_document(request.requester),
            "purpose": PURPOSE_NAMES.get(request.purpose, str(request.purpose)),
            "query": {
                "schema": request.query.schema,
                "properties": {name: list(values.values) for name, values in sorted(request.query.properties.items())},
            },
            "limit": request.limit,
        }
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def make_assertion(
    request: AssertedRequest,
    audience: str,
    key: SigningKey,
    ttl_s: float,
    now: float | None = None,
    *,
    digest: str | None = None,
) -> str:
    """`digest`: the request's, when already known (a fan-out sends one request to many countries).
    A describe, and a follow-up's status request, name no purpose: their purpose claim is empty."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "iat": issued,
        "exp": issued + max(int(ttl_s), 1),
        "query_id": request.query_id,
        "requester": {
            "country": request.requester.country,
            "agency": request.requester.agency,
            "investigator_id": request.requester.investigator_id,
            "clearance": CLEARANCE_NAMES.get(request.requester.clearance, ""),
        },
        "purpose": purpose_claim(request),
        "digest": digest if digest is not None else request_digest(request),
    }
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.key_id})


def purpose_claim(request: AssertedRequest) -> str:
    """The purpose a request states ("" for those that state none)."""
    if isinstance(request, pb.DescribeRequest | pb.FollowUpStatusRequest):
        return ""
    return PURPOSE_NAMES.get(request.purpose, "")


def verify_assertion(
    request: AssertedRequest, country: str, keys: dict[str, ed25519.Ed25519PublicKey]
) -> dict[str, Any]:
    """The verified claims; AssertionRejected says what is wrong otherwise."""
    token = request.requester_assertion
    unauthenticated, denied = grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED
    if not token:
        raise AssertionRejected("missing", "the request carries no requester assertion", unauthenticated)
    key_id = peek_jws(token, 0, "kid")
    if key_id is None:
        raise AssertionRejected("malformed", "the requester assertion is not a JWS", unauthenticated)
    key = keys.get(key_id)
    if key is None:
        raise AssertionRejected("unknown_key", f"the assertion is signed with unknown key {key_id!r}", unauthenticated)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=country,
            issuer=ISSUER,
            leeway=LEEWAY_S,
            options={"require": ["iss", "aud", "iat", "exp", "query_id", "digest"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise AssertionRejected("expired", "the requester assertion has expired", unauthenticated) from error
    except jwt.InvalidAudienceError as error:
        raise AssertionRejected(
            "wrong_audience", f"the requester assertion is not meant for {country}", denied
        ) from error
    except jwt.InvalidSignatureError as error:
        raise AssertionRejected(
            "bad_signature", "the requester assertion's signature does not verify", unauthenticated
        ) from error
    except jwt.PyJWTError as error:
        raise AssertionRejected("malformed", f"the requester assertion is invalid: {error}", unauthenticated) from error
    if claims["query_id"] != request.query_id or claims["digest"] != request_digest(request):
        raise AssertionRejected(
            "digest_mismatch", "the request differs from the one the assertion was made for", denied
        )
    return claims
