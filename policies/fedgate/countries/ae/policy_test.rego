package fedgate.countries.ae_test

import data.fedgate.countries.ae

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": {"name": ["محمد حسن"], "birthDate": ["1982-07-19"], "nationality": ["ae"], "idNumber": ["784-1982"]},
	"flags": [],
}

passport := {"ref": "d1", "schema": "Passport", "properties": {"number": ["N1234567"]}, "flags": []}

search(country, purpose, clearance, records) := {
	"node_country": "AE",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"]},
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

undecided(_, _, _) := value if {
	false
	value := {}
}

test_an_undecidable_search_is_refused_by_default if {
	decision := ae.decision with input as {} with data.fedgate.framework.decide as undecided
	decision.refused
	decision.records == {}
}
