"""The follow-up API's JSON objects: the request an investigator files after a hit, and the owning country's signed
answer (gateway.followups)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import Field

from fedcore.vocabulary import (
    FOLLOW_UP_REFUSALS,
    FOLLOW_UP_STATES,
    LEGAL_BASES,
    OFFICER_REFUSALS,
    REFUSAL_REASONS,
    URGENCIES,
)
from gateway.api import (
    PLAIN_TEXT,
    ApiModel,
    Country,
    Disclosure,
    Generalisation,
    Match,
    Purpose,
    ScoreBand,
    WithholdReason,
)

if TYPE_CHECKING:
    LegalBasis: TypeAlias = str
    Urgency: TypeAlias = str
    FollowUpState: TypeAlias = str
    FollowUpRefusal: TypeAlias = str
    OfficerRefusal: TypeAlias = str
    PolicyRefusal: TypeAlias = str
else:
    LegalBasis = Literal[tuple(LEGAL_BASES)]
    Urgency = Literal[tuple(URGENCIES)]
    FollowUpState = Literal[tuple(FOLLOW_UP_STATES)]
    FollowUpRefusal = Literal[("", *FOLLOW_UP_REFUSALS)]
    OfficerRefusal = Literal[("", *OFFICER_REFUSALS)]
    PolicyRefusal = Literal[("", *REFUSAL_REASONS)]

RECORD_REF = "^[A-Za-z0-9_.:-]+$"
FOLLOW_UP_ID = "^[A-Z]{2}-[0-9a-f]{32}$"


class FollowUpRequest(ApiModel):
    """After a hit: a reasoned request to the country that answered it for the record's data. The investigator,
    agency and clearance are the token's; the country's officer decides, then its policy."""

    country: Country = Field(description="The country that answered the hit.")
    record_ref: str = Field(min_length=1, max_length=128, pattern=RECORD_REF, description="The hit's record_ref.")
    purpose: Purpose
    case_reference: str = Field(min_length=1, max_length=64, pattern=PLAIN_TEXT, description="Your case reference.")
    reasons: str = Field(
        min_length=1,
        max_length=2000,
        description="Why the data is needed; read by the country's officer, kept only by that country.",
    )
    legal_basis: LegalBasis
    properties: list[str] = Field(min_length=1, max_length=50, description="FollowTheMoney property names asked for.")
    urgency: Urgency = "normal"


class ReleasedRecord(ApiModel):
    """What the country released of the record after its officer's decision and its policy's."""

    record_ref: str
    schema_name: str = Field(alias="schema")
    disclosure: Disclosure
    properties: dict[str, list[str]] = Field(description="Released values only, generalised where the policy says.")
    withheld: dict[str, WithholdReason] = Field(description="Every other property the record holds, and why.")
    generalised: dict[str, Generalisation]
    matched: list[Match]
    contact: str
    score: float | None = None
    score_band: ScoreBand | None = None


class FollowUp(ApiModel):
    """A follow-up as its country answers it, signed by that country (`fedgate verify` checks a saved one)."""

    follow_up_id: str = Field(pattern=FOLLOW_UP_ID)
    country: Country
    state: FollowUpState = Field(description="overdue: pending past its due time.")
    refusal: FollowUpRefusal
    policy_refusal_reason: PolicyRefusal
    officer_refusal: OfficerRefusal
    duplicate_of: str = Field(description="With refusal duplicate: the open follow-up on the same record.")
    record_ref: str
    filed_at: str
    due_at: str
    decided_at: str
    released: ReleasedRecord | None = Field(None, description="Once released; absent before.")
    policy_revision: str
    audit_entry_id: str = Field(description="The country's audit entry for this answer.")
    audit_seq: int = Field(ge=0)
    audit_hash: str
    signed_at: str
    key_id: str
    signature: str


FollowUpId = Annotated[str, Field(pattern=FOLLOW_UP_ID)]
