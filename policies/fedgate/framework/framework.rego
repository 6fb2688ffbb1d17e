# METADATA
# title: fedgate policy framework
# description: |
#   What every country's policy builds on: the contract's vocabulary, default deny,
#   the neutrality rule (INTERPOL Constitution, Article 3) and the helpers that turn a
#   country's settings into one decision covering every candidate record.
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

ordinary_purposes := {purpose | some purpose, character in purpose_character; character == "ordinary_law"}

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
}

refusal_reasons := {"neutrality", "requester_not_trusted", "purpose_not_accepted", "clearance_insufficient"}

generalisation_methods := {"year", "year_month"}

# Special categories of personal data: never released across borders, whatever a country's settings say.
sensitive_properties := {"religion", "ethnicity", "political"}

# Schemata a purpose needs. Records of other schemata are answered hit-only (purpose limitation);
# purposes not listed here may receive any schema.
purpose_schemata := {
	"stolen_document": {"Passport", "Identification"},
	"stolen_vehicle": {"Vehicle"},
}

# METADATA
# description: The revision of the loaded policy bundle(s), "unversioned" when loaded as plain files.
default revision := "unversioned"

revision := concat(",", sort(revisions)) if {
	revisions := [bundle.manifest.revision | some bundle in data.system.bundles; bundle.manifest.revision != ""]
	count(revisions) > 0
}

neutral(purpose) if purpose_character[purpose] == "ordinary_law"

clearance_at_least(clearance, minimum) if clearance_rank[clearance] >= clearance_rank[minimum]

# METADATA
# description: The one reason a whole search is refused; undefined when the search may be answered.
refusal(settings, request) := "neutrality" if {
	not neutral(request.purpose)
} else := "requester_not_trusted" if {
	not settings.partners[request.requester.country]
} else := "purpose_not_accepted" if {
	not request.purpose in settings.partners[request.requester.country].purposes
} else := "clearance_insufficient" if {
	not clearance_at_least(request.requester.clearance, object.get(settings, "min_clearance", "basic"))
}

refused_decision(reason) := {
	"policy_revision": revision,
	"refused": true,
	"refusal_reason": reason,
	"records": {},
}

present_properties(record) := {name | some name, values in record.properties; count(values) > 0}

not_mentioned := {"disclosure": "none", "release": [], "generalise": {}, "withheld": {}}

hit_only(record, reason) := {
	"disclosure": "hit_only",
	"release": [],
	"generalise": {},
	"withheld": {name: reason | some name in present_properties(record)},
}

# METADATA
# description: |
#   What depends on the requester alone, worked out once per search rather than once per
#   record: their profile, the properties their clearance keeps from them, and the schemata
#   answered hit-only. Total: a missing profile is {} (nothing is released).
requester_terms(settings, request) := {
	"profile": object.get(settings, ["profiles", object.get(settings, ["partners", request.requester.country, "profile"], "")], {}),
	"clearance_denied": {name |
		some name, needed in object.get(settings, "property_clearance", {})
		not clearance_at_least(request.requester.clearance, needed)
	},
	"hit_only_schemata": {schema | some schema in object.get(settings, "hit_only_schemata", [])},
	"purpose": request.purpose,
}

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

# What a record of `schema` holding the properties `present` releases, if anything: the same for every
# record of that shape, so worked out once per shape in a search.
released(terms, schema, present) := decision if {
	permitted := listed(terms.profile.properties[schema], present)
	release := (permitted - sensitive_properties) - terms.clearance_denied
	count(release) > 0
	withheld := withheld_reasons(terms, permitted, present - release)
	decision := {
		"disclosure": level(withheld),
		"release": sort([name | some name in release]),
		"generalise": {name: method | some name, method in object.get(terms.profile, "generalise", {}); name in release},
		"withheld": withheld,
	}
}

level(withheld) := "full" if count(withheld) == 0

else := "partial"

# METADATA
# description: |
#   One record's decision. `override` is the country's own record rule: {"disclosure": "none"}
#   or {"disclosure": "hit_only", "reason": ...}; {} when the country has none for this record.
#   `releases`: what each shape of record (schema, properties held) releases, from `released`.
record_decision(terms, record, override, releases) := not_mentioned if {
	override.disclosure == "none"
} else := hit_only(record, reason) if {
	reason := hit_only_reason(terms, record, override)
} else := decision if {
	decision := releases[[record.schema, present_properties(record)]]
} else := hit_only(record, "not_shared_with_requester")

# METADATA
# description: The decision for one search under a country's settings and record rules.
decide(settings, request, overrides) := refused_decision(reason) if {
	reason := refusal(settings, request)
} else := {
	"policy_revision": revision,
	"refused": false,
	"refusal_reason": "",
	"records": {record.ref: decision |
		some record in request.records
		decision := record_decision(terms, record, object.get(overrides, record.ref, {}), releases)
	},
} if {
	terms := requester_terms(settings, request)
	releases := {shape: decision |
		some shape in {[record.schema, present_properties(record)] | some record in request.records}
		decision := released(terms, shape[0], shape[1])
	}
}
