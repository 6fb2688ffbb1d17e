package fedgate.countries.de_test

import data.fedgate.countries.de

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": {"name": ["Jürgen Müller"], "birthDate": ["1980-01-15"], "passportNumber": ["C01X00T47"]},
	"flags": [],
}

search(country, purpose, clearance, records) := {
	"node_country": "DE",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"]},
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

undecided(_, _, _) := value if {
	false
	value := {}
}

test_an_undecidable_search_is_refused_by_default if {
	decision := de.decision with input as {} with data.fedgate.framework.decide as undecided
	decision.refused
	decision.records == {}
}
