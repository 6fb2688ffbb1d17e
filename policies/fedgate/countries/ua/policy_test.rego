package fedgate.countries.ua_test

import data.fedgate.countries.ua

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": {"name": ["Іван Петренко"], "birthDate": ["1975-04-02"], "nationality": ["ua"]},
	"flags": [],
}

foreigner := {
	"ref": "p2",
	"schema": "Person",
	"properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"], "nationality": ["ru"]},
	"flags": [],
}

car := {"ref": "v1", "schema": "Vehicle", "properties": {"registrationNumber": ["AA1234BB"]}, "flags": []}

search(country, purpose, records) := {
	"node_country": "UA",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "basic"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"]},
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

undecided(_, _, _) := value if {
	false
	value := {}
}

test_an_undecidable_search_is_refused_by_default if {
	decision := ua.decision with input as {} with data.fedgate.framework.decide as undecided
	decision.refused
	decision.records == {}
}
