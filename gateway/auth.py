"""Investigator tokens: signed JWTs (EdDSA or ES256) from configured issuers; identity comes from them only.

What the gateway accepts:

- a signature from a configured issuer, the configured audience, and the claims iss, sub, aud, iat, exp,
  jti and the requester's (country, agency, clearance, purposes); nbf when present;
- a bounded lifetime: exp - iat at most `max_token_lifetime_s` (a stolen token is worth an hour, not a
  century);
- one meaning per token id: a token may be used for any number of calls until it expires (the web page and
  API clients send the same bearer token with every call), but its jti is bound to its claims the first time
  it is seen. Another token with the same issuer and jti and different claims (a re-minted or altered
  token) is refused until the first one expires. The ids are remembered in memory, per replica, until
  their token's exp, at most `max_tracked_tokens` of them (when full, the id closest to its expiry is
  forgotten first). Several replicas behind a load balancer each keep their own; a shared store
  (Redis, issue 24) makes the binding federation-wide.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fedcore.keys import generate_signing_key, peek_jws
from fedcore.vocabulary import CLEARANCES, PURPOSES, is_country_code
from gateway.config import IssuerConfig
from gateway.errors import Unauthorized

# Why a token was refused: a closed set, also used as a metrics label.
AUTH_FAILURES = (
    "token_missing",
    "token_malformed",
    "token_unknown_issuer",
    "token_bad_signature",
    "token_expired",
    "token_not_yet_valid",
    "token_wrong_audience",
    "token_invalid_claims",
    "token_lifetime_too_long",
    "token_id_reused",
)
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti", "country", "agency", "clearance", "purposes"]
LEEWAY_S = 30
MAX_TOKEN_LENGTH = 8192
MAX_TOKEN_ID_LENGTH = 256


@dataclass(frozen=True)
class Investigator:
    """The requester, exactly as the verified token says."""

    investigator_id: str
    country: str
    agency: str
    clearance: str
    purposes: frozenset[str]
    issuer: str
    expires_at: int


class SeenTokenIds:
    """Each (issuer, jti) seen, bound to a digest of its token's claims until the token expires; bounded in size."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._digests: dict[tuple[str, str], bytes] = {}
        self._expiries: list[tuple[float, tuple[str, str]]] = []  # a heap: the soonest expiry first

    def __len__(self) -> int:
        return len(self._digests)

    def bind(self, token_id: tuple[str, str], digest: bytes, expires_at: float, now: float) -> bool:
        """True when the id is new (now bound to `digest`) or already bound to it; False when bound to another."""
        while self._expiries and self._expiries[0][0] <= now:
            del self._digests[heapq.heappop(self._expiries)[1]]
        known = self._digests.get(token_id)
        if known is not None:
            return known == digest
        if len(self._digests) >= self.capacity:
            del self._digests[heapq.heappop(self._expiries)[1]]
        self._digests[token_id] = digest
        heapq.heappush(self._expiries, (expires_at, token_id))
        return True


def _claims_digest(claims: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()).digest()


class TokenVerifier:
    def __init__(
        self,
        issuers: dict[str, IssuerConfig],
        audience: str,
        max_lifetime_s: int = 3600,
        max_tracked_tokens: int = 100_000,
    ) -> None:
        self.audience = audience
        self.max_lifetime_s = max_lifetime_s
        self._seen = SeenTokenIds(max_tracked_tokens)
        self._issuers = {
            name: (issuer.algorithm, serialization.load_pem_public_key(issuer.public_key_pem))
            for name, issuer in issuers.items()
        }

    def verify(self, token: str) -> Investigator:
        """The investigator a token speaks for; Unauthorized (with a reason code) otherwise."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("the bearer token is empty or too long", "token_malformed")
        # The issuer only chooses the key; jwt.decode then checks the whole token against it.
        issuer_name: Any = peek_jws(token, 1, "iss")
        if issuer_name is None:
            # Not a JWT, or one naming no issuer: PyJWT's full parse tells which (the slow way, for bad tokens only).
            try:
                issuer_name = jwt.decode(token, options={"verify_signature": False}).get("iss")
            except jwt.PyJWTError as error:
                raise Unauthorized("the bearer token is not a JWT", "token_malformed") from error
        known = self._issuers.get(issuer_name) if isinstance(issuer_name, str) else None
        if known is None:
            raise Unauthorized(f"tokens from issuer {issuer_name!r} are not accepted", "token_unknown_issuer")
        algorithm, key = known
        try:
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=[algorithm],
                audience=self.audience,
                issuer=issuer_name,
                leeway=LEEWAY_S,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("the token has expired", "token_expired") from error
        except jwt.ImmatureSignatureError as error:
            raise Unauthorized("the token is not valid yet", "token_not_yet_valid") from error
        except jwt.InvalidAudienceError as error:
            raise Unauthorized(f"the token is not meant for {self.audience!r}", "token_wrong_audience") from error
        except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as error:
            raise Unauthorized("the token's signature does not verify", "token_bad_signature") from error
        except jwt.MissingRequiredClaimError as error:
            raise Unauthorized(f"the token lacks the claim {error.claim!r}", "token_invalid_claims") from error
        except jwt.PyJWTError as error:
            raise Unauthorized("the token is not valid", "token_malformed") from error
        investigator = _investigator(claims)
        lifetime_s = claims["exp"] - claims["iat"]
        if lifetime_s > self.max_lifetime_s:
            raise Unauthorized(
                f"the token's lifetime (exp - iat = {lifetime_s:.0f} s) exceeds the {self.max_lifetime_s} s "
                "this gateway accepts",
                "token_lifetime_too_long",
            )
        token_id = claims["jti"]
        if not isinstance(token_id, str) or not 0 < len(token_id) <= MAX_TOKEN_ID_LENGTH:
            raise Unauthorized(
                f"the token's claims are invalid: jti must be a string of 1 to {MAX_TOKEN_ID_LENGTH} characters",
                "token_invalid_claims",
            )
        if not self._seen.bind(
            (investigator.issuer, token_id), _claims_digest(claims), claims["exp"] + LEEWAY_S, time.time()
        ):
            raise Unauthorized(
                "the token's id (jti) was already used by another token; each token needs its own jti",
                "token_id_reused",
            )
        return investigator


def _investigator(claims: dict[str, Any]) -> Investigator:
    def fail(problem: str) -> Unauthorized:
        return Unauthorized(f"the token's claims are invalid: {problem}", "token_invalid_claims")

    country, agency, subject = claims["country"], claims["agency"], claims["sub"]
    clearance, purposes = claims["clearance"], claims["purposes"]
    if not isinstance(country, str) or not is_country_code(country):
        raise fail("country is not an ISO 3166-1 alpha-2 code")
    if not isinstance(agency, str) or not agency.strip() or not isinstance(subject, str) or not subject.strip():
        raise fail("agency and sub must be non-empty strings")
    if clearance not in CLEARANCES:
        raise fail(f"unknown clearance {clearance!r}")
    if not isinstance(purposes, list) or not purposes or not all(purpose in PURPOSES for purpose in purposes):
        raise fail("purposes must be a non-empty list of known purposes")
    return Investigator(
        investigator_id=subject,
        country=country,
        agency=agency,
        clearance=clearance,
        purposes=frozenset(purposes),
        issuer=claims["iss"],
        expires_at=int(claims["exp"]),
    )


def issue_token(
    issuer: IssuerConfig,
    audience: str,
    *,
    investigator_id: str,
    country: str,
    agency: str,
    clearance: str,
    purposes: list[str],
    ttl_s: int,
    not_before_s: int = 0,
) -> str:
    """Mints a token with the issuer's private key (for local use: demos, tests, small deployments)."""
    if issuer.private_key_path is None:
        raise ValueError(f"issuer {issuer.name!r} has no private_key configured; it cannot mint tokens here")
    private_key = serialization.load_pem_private_key(issuer.private_key_path.read_bytes(), password=None)
    now = int(time.time())
    claims = {
        "iss": issuer.name,
        "sub": investigator_id,
        "aud": audience,
        "iat": now,
        "nbf": now + not_before_s,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
        "country": country,
        "agency": agency,
        "clearance": clearance,
        "purposes": purposes,
    }
    return jwt.encode(claims, private_key, algorithm=issuer.algorithm)  # type: ignore[arg-type]


def generate_keypair(algorithm: str) -> tuple[bytes, bytes]:
    """A new (private PEM, public PEM) pair for a token issuer."""
    if algorithm == "EdDSA":
        return generate_signing_key()
    if algorithm != "ES256":
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    private_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem
