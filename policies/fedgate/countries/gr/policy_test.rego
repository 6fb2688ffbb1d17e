package fedgate.countries.gr_test

import data.fedgate.countries.gr

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": {"name": ["Γιώργος Παπαδόπουλος"], "birthDate": ["1969-11-30"]},
	"flags": [],
}

passport := {"ref": "d1", "schema": "Passport", "properties": {"number": ["AE1234567"], "country": ["gr"]}, "flags": []}

search(country, purpose, records) := {
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "basic"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"]},
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

undecided(_, _, _) := value if {
	false
	value := {}
}

test_an_undecidable_search_is_refused_by_default if {
	decision := gr.decision with input as {} with data.fedgate.framework.decide as undecided
	decision.refused
	decision.records == {}
}
