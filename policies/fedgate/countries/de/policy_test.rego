package fedgate.countries.de_test

import data.fedgate.countries.de

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": ["birthDate", "name", "passportNumber"],
	"flags": [],
}

search(country, purpose, clearance, records) := {
	"node_country": "DE",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []},
	"records": records,
}

test_basic_clearance_is_not_answered if {
	decision := de.decision with input as search("FR", "terrorism", "basic", [person])
	decision.refusal_reason == "clearance_insufficient"
}

test_passport_number_needs_confidential_clearance if {
	restricted := de.decision with input as search("FR", "terrorism", "restricted", [person])
	restricted.records.p1.withheld == {"passportNumber": "clearance_insufficient"}
	confidential := de.decision with input as search("FR", "terrorism", "confidential", [person])
	confidential.records.p1.disclosure == "full"
}

test_third_country_sees_birth_month_only if {
	decision := de.decision with input as search("UA", "terrorism", "confidential", [person])
	decision.records.p1.release == ["birthDate", "name"]
	decision.records.p1.generalise == {"birthDate": "year_month"}
}

test_third_country_drug_case_is_hit_only if {
	decision := de.decision with input as search("UA", "drug_trafficking", "confidential", [person])
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.withheld.name == "hit_only_requester"
}

test_emirates_are_not_answered if {
	decision := de.decision with input as search("AE", "terrorism", "secret", [person])
	decision.refusal_reason == "requester_not_trusted"
}

test_sensitive_records_stay_home if {
	sensitive := object.union(person, {"flags": ["sensitive"]})
	decision := de.decision with input as search("FR", "terrorism", "secret", [sensitive])
	decision.records.p1.disclosure == "none"
}

test_without_a_search_nothing_is_decided_and_nothing_leaves if {
	de.decision == {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
}

# `base` (a search) with a query of `schema` holding `value_counts` values per property
# and partial dates in `partial_dates`.
shaped(base, schema, value_counts, partial_dates) := object.union(base, {"query": {
	"schema": schema,
	"properties": sort(object.keys(value_counts)),
	"value_counts": value_counts,
	"partial_dates": partial_dates,
}})

telling(country, clearance) := {
	"node_country": "DE",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
}

nothing_told := {"schemata": false, "counts": false, "policy_revision": ""}

test_schengen_partner_with_clearance_matches_on_everything_it_receives if {
	query := shaped(search("FR", "terrorism", "confidential", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision := de.decision with input as query
	decision.records.p1 == {
		"disclosure": "full",
		"release": ["birthDate", "name", "passportNumber"],
		"generalise": {},
		"withheld": {},
		"match_on": ["birthDate", "name", "passportNumber"],
		"score": "released",
	}
}

test_third_country_matches_on_names_and_identifiers_only if {
	base := search("UA", "terrorism", "confidential", [person])
	query := shaped(base, "Person", {"name": 1, "birthDate": 1, "passportNumber": 1}, [])
	decision := de.decision with input as query
	decision.records.p1.release == ["birthDate", "name"]
	decision.records.p1.withheld == {"passportNumber": "not_shared_with_requester"}
	decision.records.p1.match_on == ["name", "passportNumber"]
	decision.records.p1.score == "released"
}

test_third_country_drug_case_hits_carry_a_band if {
	decision := de.decision with input as search("UA", "drug_trafficking", "confidential", [person])
	decision.records.p1.match_on == ["name"]
	decision.records.p1.score == "band"
}

test_ukraine_may_not_try_out_two_birth_dates if {
	decision := de.decision
		with input as shaped(search("UA", "terrorism", "confidential", [person]), "Person", {"name": 1, "birthDate": 2}, [])
	decision.refused
	decision.refusal_reason == "query_shape_not_accepted"
	decision.records == {}
}

test_ukraine_may_ask_for_two_names if {
	decision := de.decision
		with input as shaped(search("UA", "terrorism", "confidential", [person]), "Person", {"name": 2}, [])
	not decision.refused
}

test_schengen_partner_may_ask_for_two_birth_dates if {
	decision := de.decision
		with input as shaped(
			search("FR", "terrorism", "restricted", [person]), "Person",
			{"name": 1, "birthDate": 2}, ["birthDate"],
		)
	not decision.refused
}

test_only_germany_sees_counts if {
	de.describe == {"schemata": true, "counts": true, "policy_revision": "unversioned"}
		with input as telling("DE", "restricted")
	de.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("FR", "secret")
}

test_basic_clearance_and_strangers_are_told_nothing if {
	de.describe == nothing_told with input as telling("FR", "basic")
	de.describe == nothing_told with input as telling("AE", "secret")
}

test_without_a_requester_nothing_is_told if {
	de.describe == nothing_told
}
