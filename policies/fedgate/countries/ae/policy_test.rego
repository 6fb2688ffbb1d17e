package fedgate.countries.ae_test

import data.fedgate.countries.ae

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": ["birthDate", "idNumber", "name", "nationality"],
	"flags": [],
}

passport := {"ref": "d1", "schema": "Passport", "properties": ["number"], "flags": []}

search(country, purpose, clearance, records) := {
	"node_country": "AE",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []},
	"records": records,
}

test_partner_gets_name_and_birth_year if {
	decision := ae.decision with input as search("FR", "drug_trafficking", "restricted", [person])
	decision.records.p1.release == ["birthDate", "name", "nationality"]
	decision.records.p1.generalise == {"birthDate": "year"}
	decision.records.p1.withheld == {"idNumber": "not_shared_with_requester"}
}

test_passports_are_hit_only if {
	decision := ae.decision with input as search("FR", "stolen_document", "restricted", [passport])
	decision.records.d1.withheld == {"number": "hit_only_schema"}
}

test_minors_are_not_mentioned_abroad if {
	minor := object.union(person, {"flags": ["minor"]})
	decision := ae.decision with input as search("FR", "fugitive", "secret", [minor])
	decision.records.p1.disclosure == "none"
}

test_basic_clearance_is_refused if {
	decision := ae.decision with input as search("FR", "fugitive", "basic", [person])
	decision.refusal_reason == "clearance_insufficient"
}

test_without_a_search_nothing_is_decided_and_nothing_leaves if {
	ae.decision == {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
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
	"node_country": "AE",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
}

nothing_told := {"schemata": false, "counts": false, "policy_revision": ""}

test_partner_does_not_match_on_the_birth_date_it_receives_as_a_year if {
	base := search("FR", "drug_trafficking", "restricted", [person])
	query := shaped(base, "Person", {"name": 1, "birthDate": 1, "idNumber": 1}, [])
	decision := ae.decision with input as query
	decision.records.p1 == {
		"disclosure": "partial",
		"release": ["birthDate", "name", "nationality"],
		"generalise": {"birthDate": "year"},
		"withheld": {"idNumber": "not_shared_with_requester"},
		"match_on": ["idNumber", "name", "nationality"],
		"score": "released",
	}
}

test_hit_only_passports_match_on_their_number_and_carry_no_score if {
	query := shaped(search("FR", "stolen_document", "restricted", [passport]), "Passport", {"number": 1}, [])
	decision := ae.decision with input as query
	decision.records.d1.match_on == ["number"]
	decision.records.d1.score == "none"
}

test_a_minor_not_mentioned_is_matched_on_nothing if {
	minor := object.union(person, {"flags": ["minor"]})
	decision := ae.decision with input as search("FR", "fugitive", "secret", [minor])
	decision.records.p1 == {
		"disclosure": "none", "release": [], "generalise": {}, "withheld": {},
		"match_on": [], "score": "none",
	}
}

test_partner_may_not_try_out_birth_dates_or_passport_dates if {
	dates := ae.decision
		with input as shaped(search("FR", "fugitive", "restricted", [person]), "Person", {"name": 1, "birthDate": 2}, [])
	dates.refusal_reason == "query_shape_not_accepted"
	passports := ae.decision
		with input as shaped(
			search("FR", "stolen_document", "restricted", [passport]),
			"Passport", {"number": 1, "country": 2}, [],
		)
	passports.refusal_reason == "query_shape_not_accepted"
	names := ae.decision with input as shaped(search("FR", "fugitive", "restricted", [person]), "Person", {"name": 3}, [])
	not names.refused
}

test_partners_see_schemata_but_no_counts if {
	ae.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("FR", "restricted")
	ae.describe == nothing_told with input as telling("FR", "basic")
	ae.describe == nothing_told with input as telling("US", "secret")
}

test_without_a_requester_nothing_is_told if {
	ae.describe == nothing_told
}
