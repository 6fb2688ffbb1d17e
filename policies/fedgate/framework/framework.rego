# METADATA
# title: fedgate policy framework
# description: |
#   What every country's policy builds on: the contract's vocabulary, default deny,
#   the neutrality rule (INTERPOL Constitution, Article 3) and the helpers that turn a
#   country's settings into one decision covering every candidate record. A country's
#   entry points are `country_decision` and `country_description` of its settings and
#   record rules: the country states only what differs, its data and its rules.
package fedgate.framework

# Each purpose's character. Only "ordinary_law" purposes are ever answered.
purpose_character := {
	"terrorism": "ordinary_law",
	"drug_trafficking": "ordinary_law",
	"human_trafficking": "ordinary_law",
	"cybercrime": "ordinary_law",
	"organised_crime": "ordinary_law",
	"fugitive": "ordinary_law",
	"missing_person": "ordinary_law",
	"stolen_document": "ordinary_law",
	"stolen_vehicle": "ordinary_law",
	"political_activity": "political",
	"military_discipline": "military",
	"religious_practice": "religious",
	"ethnic_origin": "racial",
}

ordinary_purposes contains purpose if {
	some purpose, character in purpose_character
	character == "ordinary_law"
}

# The European Union's member states, which many countries treat alike.
eu_member_states := {
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

clearance_rank := {"basic": 1, "restricted": 2, "confidential": 3, "secret": 4}

disclosure_levels := {"full", "partial", "hit_only", "none"}

withhold_reasons := {
	"not_shared_with_requester",
	"not_needed_for_purpose",
	"hit_only_schema",
	"hit_only_requester",
	"minor_protection",
	"clearance_insufficient",
	"sensitive_category",
	"protected_person",
	"not_approved_by_officer",
	"not_requested",
}

refusal_reasons := {
	"neutrality",
	"requester_not_trusted",
	"purpose_not_accepted",
	"clearance_insufficient",
	"query_shape_not_accepted",
	"follow_up_not_accepted",
	"legal_basis_not_accepted",
}

generalisation_methods := {"year", "year_month"}

# Special categories of personal data: never released across borders, whatever a country's settings say.
sensitive_properties := {"religion", "ethnicity", "political"}

# What score a reported record may carry. "released": computed over the properties released as they are,
# and nothing else; "band": a coarse strong/possible; "none": no score. Hit-only records never carry
# more than a band: their countries release no property a score could be computed over.
score_kinds := {"released", "band", "none"}

hit_only_score_kinds := {"band", "none"}

# FollowTheMoney's name properties (type "name", and the plain-string name parts) of the schemata a
# search may look for: Person, Passport, Vehicle, LegalEntity, Organization, Company, Identification.
name_properties := {
	"abbreviation", "alias", "fatherName", "firstName", "givenName", "lastName", "middleName",
	"motherName", "name", "namesMentioned", "previousName", "secondName", "surname", "weakAlias",
}

# FollowTheMoney's identifier properties (type "identifier") of the same schemata.
identifier_properties := {
	"bikCode", "brightQueryId", "brightQueryOrgId", "bvdId", "cageCode", "cikCode", "coatoCode",
	"dunsCode", "fnsCode", "giiNumber", "idNumber", "imoNumber", "innCode", "ipoCode", "irsCode",
	"isinCode", "jibCode", "kppCode", "leiCode", "licenseNumber", "mbsCode", "npiCode", "number",
	"ogrnCode", "okpoCode", "okvedCode", "passportNumber", "permId", "personalNumber", "pfrNumber",
	"programId", "registrationNumber", "ricCode", "sayariId", "socialSecurityNumber", "swiftBic",
	"taxNumber", "ticker", "uniqueEntityId", "uscCode", "vatCode", "voenCode", "wikidataId",
}

# What any record may be matched on: a search is for someone or something named or numbered, and the
# investigator who asks already knows the names and numbers asked for.
anchor_properties := name_properties | identifier_properties

# Schemata a purpose needs. Records of other schemata are answered hit-only (purpose limitation);
# purposes not listed here may receive any schema.
purpose_schemata := {
	"stolen_document": {"Passport", "Identification"},
	"stolen_vehicle": {"Vehicle"},
}

# METADATA
# scope: document
# description: The revision of the loaded policy bundle(s), "unversioned" when loaded as plain files.
default revision := "unversioned"

revision := concat(",", sort(revisions)) if {
	revisions := [bundle.manifest.revision | some bundle in data.system.bundles; bundle.manifest.revision != ""]
	count(revisions) > 0
}

neutral(purpose) if purpose_character[purpose] == "ordinary_law"

clearance_at_least(clearance, minimum) if clearance_rank[clearance] >= clearance_rank[minimum]

# METADATA
# description: |
#   The one reason a whole search is refused; undefined when the search may be answered.
#   "query_shape_not_accepted": the query carries several values, or a partial date, for a property
#   the requester may not match on (see query_matchable). Such a query only serves probing: it
#   tries out values of a property the country withholds.
refusal(settings, request) := "neutrality" if {
	not neutral(request.purpose)
} else := "requester_not_trusted" if {
	not settings.partners[request.requester.country]
} else := "purpose_not_accepted" if {
	not request.purpose in settings.partners[request.requester.country].purposes
} else := "clearance_insufficient" if {
	not clearance_at_least(request.requester.clearance, object.get(settings, "min_clearance", "basic"))
} else := "query_shape_not_accepted" if {
	probing_shape(requester_terms(settings, request), object.get(request, "query", {}))
}

# A query property with several values, or a partial date, that the requester may not match on.
probing_shape(terms, query) if {
	some name in object.get(query, "properties", [])
	not name in query_matchable(terms, query)
	tries_values(query, name)
}

tries_values(query, name) if object.get(query, ["value_counts", name], 0) > 1

tries_values(query, name) if name in object.get(query, "partial_dates", [])

hit_only_profile(terms) if terms.profile.hit_only == true

# METADATA
# description: |
#   What a requester may match on in a query of its schema, whatever the records: the names and
#   identifiers, and the properties of their profile for that schema released as they are (neither
#   generalised, nor kept by their clearance, nor sensitive) unless that schema or the requester is
#   answered hit-only. A requester-level view: one record's `match_on` may say less, never more.
query_matchable(terms, query) := anchor_properties | as_is if {
	not hit_only_profile(terms)
	not query.schema in terms.hit_only_schemata
	permitted := listed(terms.profile.properties[query.schema], {name | some name in query.properties})
	as_is := ((permitted - sensitive_properties) - terms.clearance_denied) - generalised(terms.profile)
} else := anchor_properties

generalised(profile) := object.keys(object.get(profile, "generalise", {}))

refused_decision(reason) := {
	"policy_revision": revision,
	"refused": true,
	"refusal_reason": reason,
	"records": {},
}

# A record in the input names the properties it holds; their values are in "values", and only for the
# properties its country's settings declare that its rules read ("reads"): no other value is sent to OPA.
present_properties(record) := {name | some name in record.properties}

not_mentioned := {
	"disclosure": "none",
	"release": [],
	"generalise": {},
	"withheld": {},
	"match_on": [],
	"score": "none",
}

hit_only(terms, record, reason) := {
	"disclosure": "hit_only",
	"release": [],
	"generalise": {},
	"withheld": {name: reason | some name in present_properties(record)},
	"match_on": terms.query_anchors,
	"score": terms.hit_only_score,
}

# METADATA
# description: |
#   What depends on the requester and the query alone, worked out once per search rather than once
#   per record: their profile, the properties their clearance keeps from them, the schemata answered
#   hit-only, the query's names and identifiers, and the score a hit-only record carries. Total: a
#   missing profile is {} (nothing is released); a missing or unknown "hit_only_score" is "none".
requester_terms(settings, request) := {
	"profile": object.get(settings, ["profiles", partner_profile(settings, request.requester.country)], {}),
	"clearance_denied": {name |
		some name, needed in object.get(settings, "property_clearance", {})
		not clearance_at_least(request.requester.clearance, needed)
	},
	"hit_only_schemata": {schema | some schema in object.get(settings, "hit_only_schemata", [])},
	"purpose": request.purpose,
	"query_anchors": sort([name |
		some name in object.get(request, ["query", "properties"], [])
		name in anchor_properties
	]),
	"hit_only_score": hit_only_score(settings),
}

# The name of the profile a partner country receives, "" for a country that is not a partner.
partner_profile(settings, country) := object.get(settings, ["partners", country, "profile"], "")

hit_only_score(settings) := kind if {
	kind := settings.hit_only_score
	kind in hit_only_score_kinds
} else := "none"

# The properties of `present` a profile's list names; "*" names them all.
listed(allowed, present) := present if "*" in allowed

else := {name | some name in allowed} & present

# Why each property of `kept` (a record's properties that are not released) is withheld.
withheld_reasons(terms, permitted, kept) := object.union_n([
	{name: "not_shared_with_requester" | some name in kept},
	{name: "clearance_insufficient" | some name in ((kept & permitted) & terms.clearance_denied)},
	{name: "sensitive_category" | some name in (kept & sensitive_properties)},
])

# METADATA
# description: Why a record may only be reported as a hit, if it may be; most protective reason first.
hit_only_reason(terms, record, override) := override.reason if {
	override.disclosure == "hit_only"
} else := "minor_protection" if {
	"minor" in record.flags
} else := "protected_person" if {
	some flag in record.flags
	flag in {"victim", "witness"}
} else := "hit_only_requester" if {
	terms.profile.hit_only == true
} else := "hit_only_schema" if {
	record.schema in terms.hit_only_schemata
} else := "not_needed_for_purpose" if {
	not record.schema in object.get(purpose_schemata, terms.purpose, {record.schema})
} else := "not_shared_with_requester" if {
	not terms.profile.properties[record.schema]
}

# METADATA
# description: |
#   What a record of `schema` holding the properties `present` releases, if anything: the same for
#   every record of that shape, so worked out once per shape in a search.
#   "match_on": the query properties the record may be matched on, so that nothing the requester
#   does not receive as it is moves the match: the properties released as they are (not generalised),
#   and the query's names and identifiers. A country narrows it through its profiles ("properties",
#   "generalise", "property_clearance") and its record rules (hit-only records are matched on the
#   query's names and identifiers alone); there is no setting of its own.
#   "score": "released", a score over the properties released as they are.
released(terms, schema, present) := decision if {
	permitted := listed(terms.profile.properties[schema], present)
	release := (permitted - sensitive_properties) - terms.clearance_denied
	count(release) > 0
	withheld := withheld_reasons(terms, permitted, present - release)
	generalise := {name: method | some name, method in object.get(terms.profile, "generalise", {}); name in release}
	as_is := release - object.keys(generalise)
	match_on := (as_is | {name | some name in terms.query_anchors}) - sensitive_properties
	decision := {
		"disclosure": level(withheld),
		"release": sort([name | some name in release]),
		"generalise": generalise,
		"withheld": withheld,
		"match_on": sort([name | some name in match_on]),
		"score": "released",
	}
}

level(withheld) := "full" if count(withheld) == 0

else := "partial"

# METADATA
# description: |
#   One record's decision: {"disclosure", "release", "generalise", "withheld", "match_on", "score"}.
#   `override` is the country's own record rule: {"disclosure": "none"} or {"disclosure": "hit_only",
#   "reason": ...}; {} when the country has none for this record. `releases`: what each shape of
#   record (schema, properties held) releases, from `released`. Hit-only records are matched on the
#   query's names and identifiers alone and carry the country's "hit_only_score" ("band" or "none").
record_decision(terms, record, override, releases) := not_mentioned if {
	override.disclosure == "none"
} else := hit_only(terms, record, reason) if {
	reason := hit_only_reason(terms, record, override)
} else := decision if {
	decision := releases[[record.schema, present_properties(record)]]
} else := hit_only(terms, record, "not_shared_with_requester")

# METADATA
# description: The decision for one search under a country's settings and record rules.
decide(settings, request, overrides) := refused_decision(reason) if {
	reason := refusal(settings, request)
} else := {
	"policy_revision": revision,
	"refused": false,
	"refusal_reason": "",
	"records": records,
	"notify": notified(settings, request, records),
} if {
	terms := requester_terms(settings, request)
	releases := {shape: decision |
		some shape in {[record.schema, present_properties(record)] | some record in request.records}
		decision := released(terms, shape[0], shape[1])
	}
	records := {record.ref: decision |
		some record in request.records
		decision := record_decision(terms, record, object.get(overrides, record.ref, {}), releases)
	}
}

# METADATA
# description: |
#   The records a hit on which the country's officer hears of: those flagged "notify" that the decision
#   mentions, when the country's setting "notify_on_hit" is true (off by default). The node puts a hit on one
#   on its notification queue; the requester's answer is the same either way.
notified(settings, request, records) := sort([record.ref |
	settings.notify_on_hit == true
	some record in request.records
	"notify" in record.flags
	records[record.ref].disclosure != "none"
])

# METADATA
# description: |
#   What a country tells an investigator about itself: {"schemata", "counts", "policy_revision"}.
#   A partner (whatever its purposes) whose investigator meets "min_clearance" sees the schemata
#   held and the policy revision, and the record counts only when its country is listed in the
#   optional setting {"describe": {"counts": [...]}} (by default nobody sees counts). Everyone else
#   learns nothing.
describe(settings, request) := {
	"schemata": true,
	"counts": request.requester.country in object.get(settings, ["describe", "counts"], []),
	"policy_revision": revision,
} if {
	settings.partners[request.requester.country]
	clearance_at_least(request.requester.clearance, object.get(settings, "min_clearance", "basic"))
} else := described_to_nobody

described_to_nobody := {"schemata": false, "counts": false, "policy_revision": ""}

# What a country answers when no decision can be made (no search in the input): deny by default.
undecided := {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}

# METADATA
# description: |
#   A country's decision on the search in `input` under its settings and record rules
#   (`overrides`, see record_decision): what each country's `decision` entry point is.
#   `undecided` when nothing can be decided, so that nothing leaves unless the country allows it.
#   Undefined when the input lacks the values of a property the country reads (see values_missing):
#   its rules cannot be applied, and the node treats an undefined decision as no decision.
country_decision(settings, overrides) := decision if {
	not values_missing(settings)
	is_array(input.queries)
	decision := screen(settings, input, overrides)
} else := decision if {
	not values_missing(settings)
	decision := decide(settings, input, overrides)
} else := undecided if {
	not values_missing(settings)
}

# METADATA
# description: |
#   The record properties whose values a country's rules read, from its setting "reads" (none by
#   default), and the revision they belong to: {"policy_revision", "properties"}. The node reads this
#   and sends OPA, besides each candidate's schema, properties held and flags, only these values, in
#   the record's "values"; the input's "reads" lists the properties the node sent values for.
country_reads(settings) := {
	"policy_revision": revision,
	"properties": sort([name | some name in object.get(settings, "reads", [])]),
}

# A search with records whose input does not carry every property the country reads: a node that
# read another revision's declaration. Its decision is undefined rather than made without the values.
values_missing(settings) if {
	count(object.get(input, "records", [])) > 0
	some name in object.get(settings, "reads", [])
	not name in object.get(input, "reads", [])
}

# METADATA
# description: |
#   The decision for a screening batch, one for every query: {"policy_revision", "queries": {query_id:
#   decision}}. `request.queries` are {"query_id", "query", "records": [refs]}; each candidate record is
#   in `request.records` once, however many queries found it (so `overrides` see every one). Each query
#   is decided by `decide` on exactly the input a search of it alone would send (its own query's facts,
#   its own candidates): a query's decision never depends on the other queries of its batch.
screen(settings, request, overrides) := {
	"policy_revision": revision,
	"queries": {item.query_id: query_decision(settings, search_of(request, item, by_ref), overrides) |
		some item in request.queries
	},
} if {
	by_ref := {record.ref: record | some record in request.records}
}

# The input a search of one query of a batch would send.
search_of(request, item, by_ref) := {
	"query_id": item.query_id,
	"node_country": request.node_country,
	"requester": request.requester,
	"purpose": request.purpose,
	"query": item.query,
	"reads": object.get(request, "reads", []),
	"records": [by_ref[ref] | some ref in item.records],
}

query_decision(settings, search, overrides) := decision if {
	decision := decide(settings, search, overrides)
} else := undecided

# METADATA
# description: |
#   What a country tells the investigator in `input` about itself under its settings: what each
#   country's `describe` entry point is. `described_to_nobody` when nothing can be said.
country_description(settings) := description if {
	description := describe(settings, input)
} else := described_to_nobody
