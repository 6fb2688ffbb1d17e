package fedgate.countries.gr_test

import data.fedgate.countries.gr

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": ["birthDate", "name"],
	"flags": [],
}

passport := {"ref": "d1", "schema": "Passport", "properties": ["country", "number"], "flags": []}

search(country, purpose, records) := {
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "basic"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []},
	"records": records,
}

test_persons_are_hit_only_by_default if {
	decision := gr.decision with input as search("FR", "drug_trafficking", [person])
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.withheld.name == "hit_only_schema"
}

test_eu_fugitive_search_gets_person_details if {
	decision := gr.decision with input as search("DE", "fugitive", [person])
	decision.records.p1.disclosure == "full"
}

test_passports_are_shared_with_partners if {
	decision := gr.decision with input as search("AE", "stolen_document", [passport])
	decision.records.d1.disclosure == "full"
}

test_ukraine_fugitive_search_does_not_see_persons if {
	decision := gr.decision with input as search("UA", "fugitive", [person])
	decision.records.p1.disclosure == "hit_only"
}

test_without_a_search_nothing_is_decided_and_nothing_leaves if {
	gr.decision == {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
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
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
}

nothing_told := {"schemata": false, "counts": false, "policy_revision": ""}

test_hit_only_greek_person_matches_on_the_name_alone_and_carries_no_score if {
	query := shaped(search("FR", "drug_trafficking", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision := gr.decision with input as query
	decision.records.p1 == {
		"disclosure": "hit_only",
		"release": [],
		"generalise": {},
		"withheld": {"birthDate": "hit_only_schema", "name": "hit_only_schema"},
		"match_on": ["name"],
		"score": "none",
	}
}

test_eu_fugitive_search_matches_on_the_details_it_receives if {
	decision := gr.decision
		with input as shaped(search("DE", "fugitive", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision.records.p1.match_on == ["birthDate", "name"]
	decision.records.p1.score == "released"
}

test_ukraine_may_not_try_out_birth_dates_of_persons if {
	decision := gr.decision
		with input as shaped(search("UA", "fugitive", [person]), "Person", {"name": 1, "birthDate": 2}, [])
	decision.refusal_reason == "query_shape_not_accepted"
}

test_ukraine_may_ask_for_passports_of_several_countries if {
	query := shaped(search("UA", "stolen_document", [passport]), "Passport", {"number": 1, "country": 2}, [])
	decision := gr.decision with input as query
	not decision.refused
	decision.records.d1.match_on == ["country", "number"]
}

test_partners_see_schemata_but_no_counts if {
	gr.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("DE", "basic")
	gr.describe == nothing_told with input as telling("US", "secret")
}

test_without_a_requester_nothing_is_told if {
	gr.describe == nothing_told
}
