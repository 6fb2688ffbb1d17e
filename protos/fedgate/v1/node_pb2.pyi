from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Purpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURPOSE_UNSPECIFIED: _ClassVar[Purpose]
    PURPOSE_TERRORISM: _ClassVar[Purpose]
    PURPOSE_DRUG_TRAFFICKING: _ClassVar[Purpose]
    PURPOSE_HUMAN_TRAFFICKING: _ClassVar[Purpose]
    PURPOSE_CYBERCRIME: _ClassVar[Purpose]
    PURPOSE_ORGANISED_CRIME: _ClassVar[Purpose]
    PURPOSE_FUGITIVE: _ClassVar[Purpose]
    PURPOSE_MISSING_PERSON: _ClassVar[Purpose]
    PURPOSE_STOLEN_DOCUMENT: _ClassVar[Purpose]
    PURPOSE_STOLEN_VEHICLE: _ClassVar[Purpose]
    PURPOSE_POLITICAL_ACTIVITY: _ClassVar[Purpose]
    PURPOSE_MILITARY_DISCIPLINE: _ClassVar[Purpose]
    PURPOSE_RELIGIOUS_PRACTICE: _ClassVar[Purpose]
    PURPOSE_ETHNIC_ORIGIN: _ClassVar[Purpose]

class Clearance(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLEARANCE_UNSPECIFIED: _ClassVar[Clearance]
    CLEARANCE_BASIC: _ClassVar[Clearance]
    CLEARANCE_RESTRICTED: _ClassVar[Clearance]
    CLEARANCE_CONFIDENTIAL: _ClassVar[Clearance]
    CLEARANCE_SECRET: _ClassVar[Clearance]

class Disclosure(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISCLOSURE_UNSPECIFIED: _ClassVar[Disclosure]
    DISCLOSURE_FULL: _ClassVar[Disclosure]
    DISCLOSURE_PARTIAL: _ClassVar[Disclosure]
    DISCLOSURE_HIT_ONLY: _ClassVar[Disclosure]

class WithholdReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WITHHOLD_REASON_UNSPECIFIED: _ClassVar[WithholdReason]
    WITHHOLD_REASON_NOT_SHARED_WITH_REQUESTER: _ClassVar[WithholdReason]
    WITHHOLD_REASON_NOT_NEEDED_FOR_PURPOSE: _ClassVar[WithholdReason]
    WITHHOLD_REASON_HIT_ONLY_SCHEMA: _ClassVar[WithholdReason]
    WITHHOLD_REASON_HIT_ONLY_REQUESTER: _ClassVar[WithholdReason]
    WITHHOLD_REASON_MINOR_PROTECTION: _ClassVar[WithholdReason]
    WITHHOLD_REASON_CLEARANCE_INSUFFICIENT: _ClassVar[WithholdReason]
    WITHHOLD_REASON_SENSITIVE_CATEGORY: _ClassVar[WithholdReason]
    WITHHOLD_REASON_PROTECTED_PERSON: _ClassVar[WithholdReason]
    WITHHOLD_REASON_NOT_APPROVED_BY_OFFICER: _ClassVar[WithholdReason]
    WITHHOLD_REASON_NOT_REQUESTED: _ClassVar[WithholdReason]

class SearchOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_OUTCOME_UNSPECIFIED: _ClassVar[SearchOutcome]
    SEARCH_OUTCOME_HIT: _ClassVar[SearchOutcome]
    SEARCH_OUTCOME_NO_HIT: _ClassVar[SearchOutcome]
    SEARCH_OUTCOME_REFUSED: _ClassVar[SearchOutcome]
    SEARCH_OUTCOME_POLICY_UNAVAILABLE: _ClassVar[SearchOutcome]

class RefusalReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUSAL_REASON_UNSPECIFIED: _ClassVar[RefusalReason]
    REFUSAL_REASON_NEUTRALITY: _ClassVar[RefusalReason]
    REFUSAL_REASON_REQUESTER_NOT_TRUSTED: _ClassVar[RefusalReason]
    REFUSAL_REASON_PURPOSE_NOT_ACCEPTED: _ClassVar[RefusalReason]
    REFUSAL_REASON_CLEARANCE_INSUFFICIENT: _ClassVar[RefusalReason]
    REFUSAL_REASON_QUERY_SHAPE_NOT_ACCEPTED: _ClassVar[RefusalReason]
    REFUSAL_REASON_PROBE_BUDGET_EXCEEDED: _ClassVar[RefusalReason]
    REFUSAL_REASON_FOLLOW_UP_NOT_ACCEPTED: _ClassVar[RefusalReason]
    REFUSAL_REASON_LEGAL_BASIS_NOT_ACCEPTED: _ClassVar[RefusalReason]

class MatchKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_KIND_UNSPECIFIED: _ClassVar[MatchKind]
    MATCH_KIND_EXACT: _ClassVar[MatchKind]
    MATCH_KIND_TRANSLITERATED: _ClassVar[MatchKind]
    MATCH_KIND_PHONETIC: _ClassVar[MatchKind]
    MATCH_KIND_FUZZY: _ClassVar[MatchKind]
    MATCH_KIND_PARTIAL: _ClassVar[MatchKind]

class ScoreBand(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_BAND_UNSPECIFIED: _ClassVar[ScoreBand]
    SCORE_BAND_STRONG: _ClassVar[ScoreBand]
    SCORE_BAND_POSSIBLE: _ClassVar[ScoreBand]

class LegalBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEGAL_BASIS_UNSPECIFIED: _ClassVar[LegalBasis]
    LEGAL_BASIS_PRUM_CORE_DATA: _ClassVar[LegalBasis]
    LEGAL_BASIS_EU_INFORMATION_EXCHANGE: _ClassVar[LegalBasis]
    LEGAL_BASIS_MUTUAL_LEGAL_ASSISTANCE: _ClassVar[LegalBasis]
    LEGAL_BASIS_INTERPOL_RPD: _ClassVar[LegalBasis]
    LEGAL_BASIS_BILATERAL_AGREEMENT: _ClassVar[LegalBasis]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_NORMAL: _ClassVar[Urgency]
    URGENCY_URGENT: _ClassVar[Urgency]

class FollowUpState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOLLOW_UP_STATE_UNSPECIFIED: _ClassVar[FollowUpState]
    FOLLOW_UP_STATE_PENDING: _ClassVar[FollowUpState]
    FOLLOW_UP_STATE_OVERDUE: _ClassVar[FollowUpState]
    FOLLOW_UP_STATE_RELEASED: _ClassVar[FollowUpState]
    FOLLOW_UP_STATE_REFUSED: _ClassVar[FollowUpState]
    FOLLOW_UP_STATE_EXPIRED: _ClassVar[FollowUpState]

class FollowUpRefusal(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOLLOW_UP_REFUSAL_UNSPECIFIED: _ClassVar[FollowUpRefusal]
    FOLLOW_UP_REFUSAL_POLICY: _ClassVar[FollowUpRefusal]
    FOLLOW_UP_REFUSAL_NO_PRIOR_HIT: _ClassVar[FollowUpRefusal]
    FOLLOW_UP_REFUSAL_DUPLICATE: _ClassVar[FollowUpRefusal]
    FOLLOW_UP_REFUSAL_OFFICER: _ClassVar[FollowUpRefusal]
    FOLLOW_UP_REFUSAL_RECORD_WITHDRAWN: _ClassVar[FollowUpRefusal]

class OfficerRefusal(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFICER_REFUSAL_UNSPECIFIED: _ClassVar[OfficerRefusal]
    OFFICER_REFUSAL_INSUFFICIENT_REASONS: _ClassVar[OfficerRefusal]
    OFFICER_REFUSAL_LEGAL_BASIS_NOT_APPLICABLE: _ClassVar[OfficerRefusal]
    OFFICER_REFUSAL_NOT_PROPORTIONATE: _ClassVar[OfficerRefusal]
    OFFICER_REFUSAL_ONGOING_INVESTIGATION: _ClassVar[OfficerRefusal]
    OFFICER_REFUSAL_NOT_THE_PERSON_SOUGHT: _ClassVar[OfficerRefusal]
PURPOSE_UNSPECIFIED: Purpose
PURPOSE_TERRORISM: Purpose
PURPOSE_DRUG_TRAFFICKING: Purpose
PURPOSE_HUMAN_TRAFFICKING: Purpose
PURPOSE_CYBERCRIME: Purpose
PURPOSE_ORGANISED_CRIME: Purpose
PURPOSE_FUGITIVE: Purpose
PURPOSE_MISSING_PERSON: Purpose
PURPOSE_STOLEN_DOCUMENT: Purpose
PURPOSE_STOLEN_VEHICLE: Purpose
PURPOSE_POLITICAL_ACTIVITY: Purpose
PURPOSE_MILITARY_DISCIPLINE: Purpose
PURPOSE_RELIGIOUS_PRACTICE: Purpose
PURPOSE_ETHNIC_ORIGIN: Purpose
CLEARANCE_UNSPECIFIED: Clearance
CLEARANCE_BASIC: Clearance
CLEARANCE_RESTRICTED: Clearance
CLEARANCE_CONFIDENTIAL: Clearance
CLEARANCE_SECRET: Clearance
DISCLOSURE_UNSPECIFIED: Disclosure
DISCLOSURE_FULL: Disclosure
DISCLOSURE_PARTIAL: Disclosure
DISCLOSURE_HIT_ONLY: Disclosure
WITHHOLD_REASON_UNSPECIFIED: WithholdReason
WITHHOLD_REASON_NOT_SHARED_WITH_REQUESTER: WithholdReason
WITHHOLD_REASON_NOT_NEEDED_FOR_PURPOSE: WithholdReason
WITHHOLD_REASON_HIT_ONLY_SCHEMA: WithholdReason
WITHHOLD_REASON_HIT_ONLY_REQUESTER: WithholdReason
WITHHOLD_REASON_MINOR_PROTECTION: WithholdReason
WITHHOLD_REASON_CLEARANCE_INSUFFICIENT: WithholdReason
WITHHOLD_REASON_SENSITIVE_CATEGORY: WithholdReason
WITHHOLD_REASON_PROTECTED_PERSON: WithholdReason
WITHHOLD_REASON_NOT_APPROVED_BY_OFFICER: WithholdReason
WITHHOLD_REASON_NOT_REQUESTED: WithholdReason
SEARCH_OUTCOME_UNSPECIFIED: SearchOutcome
SEARCH_OUTCOME_HIT: SearchOutcome
SEARCH_OUTCOME_NO_HIT: SearchOutcome
SEARCH_OUTCOME_REFUSED: SearchOutcome
SEARCH_OUTCOME_POLICY_UNAVAILABLE: SearchOutcome
REFUSAL_REASON_UNSPECIFIED: RefusalReason
REFUSAL_REASON_NEUTRALITY: RefusalReason
REFUSAL_REASON_REQUESTER_NOT_TRUSTED: RefusalReason
REFUSAL_REASON_PURPOSE_NOT_ACCEPTED: RefusalReason
REFUSAL_REASON_CLEARANCE_INSUFFICIENT: RefusalReason
REFUSAL_REASON_QUERY_SHAPE_NOT_ACCEPTED: RefusalReason
REFUSAL_REASON_PROBE_BUDGET_EXCEEDED: RefusalReason
REFUSAL_REASON_FOLLOW_UP_NOT_ACCEPTED: RefusalReason
REFUSAL_REASON_LEGAL_BASIS_NOT_ACCEPTED: RefusalReason
MATCH_KIND_UNSPECIFIED: MatchKind
MATCH_KIND_EXACT: MatchKind
MATCH_KIND_TRANSLITERATED: MatchKind
MATCH_KIND_PHONETIC: MatchKind
MATCH_KIND_FUZZY: MatchKind
MATCH_KIND_PARTIAL: MatchKind
SCORE_BAND_UNSPECIFIED: ScoreBand
SCORE_BAND_STRONG: ScoreBand
SCORE_BAND_POSSIBLE: ScoreBand
LEGAL_BASIS_UNSPECIFIED: LegalBasis
LEGAL_BASIS_PRUM_CORE_DATA: LegalBasis
LEGAL_BASIS_EU_INFORMATION_EXCHANGE: LegalBasis
LEGAL_BASIS_MUTUAL_LEGAL_ASSISTANCE: LegalBasis
LEGAL_BASIS_INTERPOL_RPD: LegalBasis
LEGAL_BASIS_BILATERAL_AGREEMENT: LegalBasis
URGENCY_UNSPECIFIED: Urgency
URGENCY_NORMAL: Urgency
URGENCY_URGENT: Urgency
FOLLOW_UP_STATE_UNSPECIFIED: FollowUpState
FOLLOW_UP_STATE_PENDING: FollowUpState
FOLLOW_UP_STATE_OVERDUE: FollowUpState
FOLLOW_UP_STATE_RELEASED: FollowUpState
FOLLOW_UP_STATE_REFUSED: FollowUpState
FOLLOW_UP_STATE_EXPIRED: FollowUpState
FOLLOW_UP_REFUSAL_UNSPECIFIED: FollowUpRefusal
FOLLOW_UP_REFUSAL_POLICY: FollowUpRefusal
FOLLOW_UP_REFUSAL_NO_PRIOR_HIT: FollowUpRefusal
FOLLOW_UP_REFUSAL_DUPLICATE: FollowUpRefusal
FOLLOW_UP_REFUSAL_OFFICER: FollowUpRefusal
FOLLOW_UP_REFUSAL_RECORD_WITHDRAWN: FollowUpRefusal
OFFICER_REFUSAL_UNSPECIFIED: OfficerRefusal
OFFICER_REFUSAL_INSUFFICIENT_REASONS: OfficerRefusal
OFFICER_REFUSAL_LEGAL_BASIS_NOT_APPLICABLE: OfficerRefusal
OFFICER_REFUSAL_NOT_PROPORTIONATE: OfficerRefusal
OFFICER_REFUSAL_ONGOING_INVESTIGATION: OfficerRefusal
OFFICER_REFUSAL_NOT_THE_PERSON_SOUGHT: OfficerRefusal

class PropertyValues(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class EntityQuery(_message.Message):
    __slots__ = ("schema", "properties")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PropertyValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PropertyValues, _Mapping]] = ...) -> None: ...
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    schema: str
    properties: _containers.MessageMap[str, PropertyValues]
    def __init__(self, schema: _Optional[str] = ..., properties: _Optional[_Mapping[str, PropertyValues]] = ...) -> None: ...

class Requester(_message.Message):
    __slots__ = ("country", "agency", "investigator_id", "clearance")
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    INVESTIGATOR_ID_FIELD_NUMBER: _ClassVar[int]
    CLEARANCE_FIELD_NUMBER: _ClassVar[int]
    country: str
    agency: str
    investigator_id: str
    clearance: Clearance
    def __init__(self, country: _Optional[str] = ..., agency: _Optional[str] = ..., investigator_id: _Optional[str] = ..., clearance: _Optional[_Union[Clearance, str]] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("query_id", "requester", "purpose", "query", "limit", "requester_assertion")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    requester: Requester
    purpose: Purpose
    query: EntityQuery
    limit: int
    requester_assertion: str
    def __init__(self, query_id: _Optional[str] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., query: _Optional[_Union[EntityQuery, _Mapping]] = ..., limit: _Optional[int] = ..., requester_assertion: _Optional[str] = ...) -> None: ...

class WithheldProperty(_message.Message):
    __slots__ = ("property", "reason")
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    property: str
    reason: WithholdReason
    def __init__(self, property: _Optional[str] = ..., reason: _Optional[_Union[WithholdReason, str]] = ...) -> None: ...

class Generalisation(_message.Message):
    __slots__ = ("property", "method")
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    property: str
    method: str
    def __init__(self, property: _Optional[str] = ..., method: _Optional[str] = ...) -> None: ...

class MatchedProperty(_message.Message):
    __slots__ = ("property", "kind", "score")
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    property: str
    kind: MatchKind
    score: float
    def __init__(self, property: _Optional[str] = ..., kind: _Optional[_Union[MatchKind, str]] = ..., score: _Optional[float] = ...) -> None: ...

class Hit(_message.Message):
    __slots__ = ("record_ref", "schema", "score", "disclosure", "properties", "withheld", "generalised", "matched", "contact", "score_band")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PropertyValues
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PropertyValues, _Mapping]] = ...) -> None: ...
    RECORD_REF_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DISCLOSURE_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    WITHHELD_FIELD_NUMBER: _ClassVar[int]
    GENERALISED_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    SCORE_BAND_FIELD_NUMBER: _ClassVar[int]
    record_ref: str
    schema: str
    score: float
    disclosure: Disclosure
    properties: _containers.MessageMap[str, PropertyValues]
    withheld: _containers.RepeatedCompositeFieldContainer[WithheldProperty]
    generalised: _containers.RepeatedCompositeFieldContainer[Generalisation]
    matched: _containers.RepeatedCompositeFieldContainer[MatchedProperty]
    contact: str
    score_band: ScoreBand
    def __init__(self, record_ref: _Optional[str] = ..., schema: _Optional[str] = ..., score: _Optional[float] = ..., disclosure: _Optional[_Union[Disclosure, str]] = ..., properties: _Optional[_Mapping[str, PropertyValues]] = ..., withheld: _Optional[_Iterable[_Union[WithheldProperty, _Mapping]]] = ..., generalised: _Optional[_Iterable[_Union[Generalisation, _Mapping]]] = ..., matched: _Optional[_Iterable[_Union[MatchedProperty, _Mapping]]] = ..., contact: _Optional[str] = ..., score_band: _Optional[_Union[ScoreBand, str]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("query_id", "country", "outcome", "refusal_reason", "hits", "policy_revision", "audit_entry_id", "signature", "signing_key_id", "audit_seq", "audit_hash", "signed_at")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    POLICY_REVISION_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIT_SEQ_FIELD_NUMBER: _ClassVar[int]
    AUDIT_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    country: str
    outcome: SearchOutcome
    refusal_reason: RefusalReason
    hits: _containers.RepeatedCompositeFieldContainer[Hit]
    policy_revision: str
    audit_entry_id: str
    signature: bytes
    signing_key_id: str
    audit_seq: int
    audit_hash: str
    signed_at: str
    def __init__(self, query_id: _Optional[str] = ..., country: _Optional[str] = ..., outcome: _Optional[_Union[SearchOutcome, str]] = ..., refusal_reason: _Optional[_Union[RefusalReason, str]] = ..., hits: _Optional[_Iterable[_Union[Hit, _Mapping]]] = ..., policy_revision: _Optional[str] = ..., audit_entry_id: _Optional[str] = ..., signature: _Optional[bytes] = ..., signing_key_id: _Optional[str] = ..., audit_seq: _Optional[int] = ..., audit_hash: _Optional[str] = ..., signed_at: _Optional[str] = ...) -> None: ...

class ScreenQuery(_message.Message):
    __slots__ = ("query_id", "query")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    query: EntityQuery
    def __init__(self, query_id: _Optional[str] = ..., query: _Optional[_Union[EntityQuery, _Mapping]] = ...) -> None: ...

class ScreenRequest(_message.Message):
    __slots__ = ("query_id", "requester", "purpose", "queries", "limit", "requester_assertion")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    requester: Requester
    purpose: Purpose
    queries: _containers.RepeatedCompositeFieldContainer[ScreenQuery]
    limit: int
    requester_assertion: str
    def __init__(self, query_id: _Optional[str] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., queries: _Optional[_Iterable[_Union[ScreenQuery, _Mapping]]] = ..., limit: _Optional[int] = ..., requester_assertion: _Optional[str] = ...) -> None: ...

class ScreenResponse(_message.Message):
    __slots__ = ("query_id", "country", "answers")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    country: str
    answers: _containers.RepeatedCompositeFieldContainer[SearchResponse]
    def __init__(self, query_id: _Optional[str] = ..., country: _Optional[str] = ..., answers: _Optional[_Iterable[_Union[SearchResponse, _Mapping]]] = ...) -> None: ...

class DescribeRequest(_message.Message):
    __slots__ = ("query_id", "requester", "requester_assertion")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    requester: Requester
    requester_assertion: str
    def __init__(self, query_id: _Optional[str] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., requester_assertion: _Optional[str] = ...) -> None: ...

class SchemaCount(_message.Message):
    __slots__ = ("schema", "records")
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    schema: str
    records: int
    def __init__(self, schema: _Optional[str] = ..., records: _Optional[int] = ...) -> None: ...

class DescribeResponse(_message.Message):
    __slots__ = ("country", "schemata", "policy_revision", "software_version")
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    SCHEMATA_FIELD_NUMBER: _ClassVar[int]
    POLICY_REVISION_FIELD_NUMBER: _ClassVar[int]
    SOFTWARE_VERSION_FIELD_NUMBER: _ClassVar[int]
    country: str
    schemata: _containers.RepeatedCompositeFieldContainer[SchemaCount]
    policy_revision: str
    software_version: str
    def __init__(self, country: _Optional[str] = ..., schemata: _Optional[_Iterable[_Union[SchemaCount, _Mapping]]] = ..., policy_revision: _Optional[str] = ..., software_version: _Optional[str] = ...) -> None: ...

class FollowUpRequest(_message.Message):
    __slots__ = ("query_id", "requester", "purpose", "record_ref", "case_reference", "reasons", "legal_basis", "properties", "urgency", "requester_assertion")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    RECORD_REF_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    requester: Requester
    purpose: Purpose
    record_ref: str
    case_reference: str
    reasons: str
    legal_basis: LegalBasis
    properties: _containers.RepeatedScalarFieldContainer[str]
    urgency: Urgency
    requester_assertion: str
    def __init__(self, query_id: _Optional[str] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., record_ref: _Optional[str] = ..., case_reference: _Optional[str] = ..., reasons: _Optional[str] = ..., legal_basis: _Optional[_Union[LegalBasis, str]] = ..., properties: _Optional[_Iterable[str]] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., requester_assertion: _Optional[str] = ...) -> None: ...

class FollowUpStatusRequest(_message.Message):
    __slots__ = ("query_id", "follow_up_id", "requester", "requester_assertion")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    follow_up_id: str
    requester: Requester
    requester_assertion: str
    def __init__(self, query_id: _Optional[str] = ..., follow_up_id: _Optional[str] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., requester_assertion: _Optional[str] = ...) -> None: ...

class FollowUpAnswer(_message.Message):
    __slots__ = ("follow_up_id", "country", "state", "refusal", "policy_refusal_reason", "officer_refusal", "duplicate_of", "record_ref", "filed_at", "due_at", "decided_at", "released", "policy_revision", "audit_entry_id", "audit_seq", "audit_hash", "signature", "signing_key_id", "signed_at")
    FOLLOW_UP_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    POLICY_REFUSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    OFFICER_REFUSAL_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_OF_FIELD_NUMBER: _ClassVar[int]
    RECORD_REF_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    POLICY_REVISION_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIT_SEQ_FIELD_NUMBER: _ClassVar[int]
    AUDIT_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    follow_up_id: str
    country: str
    state: FollowUpState
    refusal: FollowUpRefusal
    policy_refusal_reason: RefusalReason
    officer_refusal: OfficerRefusal
    duplicate_of: str
    record_ref: str
    filed_at: str
    due_at: str
    decided_at: str
    released: Hit
    policy_revision: str
    audit_entry_id: str
    audit_seq: int
    audit_hash: str
    signature: bytes
    signing_key_id: str
    signed_at: str
    def __init__(self, follow_up_id: _Optional[str] = ..., country: _Optional[str] = ..., state: _Optional[_Union[FollowUpState, str]] = ..., refusal: _Optional[_Union[FollowUpRefusal, str]] = ..., policy_refusal_reason: _Optional[_Union[RefusalReason, str]] = ..., officer_refusal: _Optional[_Union[OfficerRefusal, str]] = ..., duplicate_of: _Optional[str] = ..., record_ref: _Optional[str] = ..., filed_at: _Optional[str] = ..., due_at: _Optional[str] = ..., decided_at: _Optional[str] = ..., released: _Optional[_Union[Hit, _Mapping]] = ..., policy_revision: _Optional[str] = ..., audit_entry_id: _Optional[str] = ..., audit_seq: _Optional[int] = ..., audit_hash: _Optional[str] = ..., signature: _Optional[bytes] = ..., signing_key_id: _Optional[str] = ..., signed_at: _Optional[str] = ...) -> None: ...
