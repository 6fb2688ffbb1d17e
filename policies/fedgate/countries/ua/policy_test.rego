package fedgate.countries.ua_test

import data.fedgate.countries.ua

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": ["birthDate", "name", "nationality"],
	"values": {"nationality": ["ua"]},
	"flags": [],
}

foreigner := {
	"ref": "p2",
	"schema": "Person",
	"properties": ["birthDate", "name", "nationality"],
	"values": {"nationality": ["ru"]},
	"flags": [],
}

car := {"ref": "v1", "schema": "Vehicle", "properties": ["registrationNumber"], "flags": []}

search(country, purpose, records) := {
	"node_country": "UA",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "basic"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []},
	"reads": ["nationality"],
	"records": records,
}

test_eu_partner_sees_birth_month if {
	decision := ua.decision with input as search("FR", "terrorism", [person])
	decision.records.p1.generalise == {"birthDate": "year_month"}
	decision.records.p1.disclosure == "full"
}

test_ukrainian_nationals_are_hit_only_outside_the_eu if {
	decision := ua.decision with input as search("AE", "terrorism", [person, foreigner])
	decision.records.p1.withheld.name == "not_shared_with_requester"
	decision.records.p1.disclosure == "hit_only"
	decision.records.p2.disclosure == "hit_only"
}

test_emirates_receive_vehicles if {
	decision := ua.decision with input as search("AE", "stolen_vehicle", [car])
	decision.records.v1.disclosure == "full"
}

test_without_a_search_nothing_is_decided_and_nothing_leaves if {
	ua.decision == {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
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
	"node_country": "UA",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
}

nothing_told := {"schemata": false, "counts": false, "policy_revision": ""}

test_eu_partner_does_not_match_on_the_birth_date_it_receives_as_a_month if {
	decision := ua.decision
		with input as shaped(search("FR", "terrorism", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision.records.p1.release == ["birthDate", "name", "nationality"]
	decision.records.p1.match_on == ["name", "nationality"]
	decision.records.p1.score == "released"
}

test_hit_only_nationals_match_on_the_name_and_carry_a_band if {
	decision := ua.decision
		with input as shaped(search("AE", "terrorism", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision.records.p1 == {
		"disclosure": "hit_only",
		"release": [],
		"generalise": {},
		"withheld": {
			"birthDate": "not_shared_with_requester",
			"name": "not_shared_with_requester",
			"nationality": "not_shared_with_requester",
		},
		"match_on": ["name"],
		"score": "band",
	}
}

test_vehicles_match_on_what_the_emirates_receive if {
	query := shaped(search("AE", "stolen_vehicle", [car]), "Vehicle", {"registrationNumber": 2}, [])
	decision := ua.decision with input as query
	decision.records.v1.match_on == ["registrationNumber"]
}

test_eu_partner_may_not_try_out_birth_dates if {
	two := ua.decision with input as shaped(search("FR", "terrorism", [person]), "Person", {"name": 1, "birthDate": 2}, [])
	two.refusal_reason == "query_shape_not_accepted"
	names := ua.decision
		with input as shaped(search("FR", "terrorism", [person]), "Person", {"name": 2, "fatherName": 2}, [])
	not names.refused
}

test_partners_see_schemata_but_no_counts if {
	ua.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("UA", "basic")
	ua.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("AE", "basic")
	ua.describe == nothing_told with input as telling("US", "secret")
}

test_without_a_requester_nothing_is_told if {
	ua.describe == nothing_told
}

test_ukraine_declares_it_reads_nationality_alone if {
	ua.reads.properties == ["nationality"]
	is_string(ua.reads.policy_revision)
}

test_a_search_without_the_nationalities_ukraine_reads_is_undecided if {
	not ua.decision with input as object.remove(search("AE", "terrorism", [person]), ["reads"])
}

test_a_search_without_records_needs_no_values if {
	decision := ua.decision with input as object.remove(search("AE", "terrorism", []), ["reads"])
	decision.records == {}
}
