package fedgate.countries.fr_test

import data.fedgate.countries.fr

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": {"name": ["Ivan Petrov"], "birthDate": ["1975-04-02"], "idNumber": ["FR-1"]},
	"flags": [],
}

search(country, purpose, records) := {
	"node_country": "FR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "confidential"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"]},
	"records": records,
}

test_eu_partner_receives_the_whole_record if {
	decision := fr.decision with input as search("DE", "drug_trafficking", [person])
	decision.records.p1.disclosure == "full"
	decision.records.p1.release == ["birthDate", "idNumber", "name"]
}

test_ukraine_receives_name_and_birth_year_only if {
	decision := fr.decision with input as search("UA", "fugitive", [person])
	decision.records.p1.disclosure == "partial"
	decision.records.p1.release == ["birthDate", "name"]
	decision.records.p1.generalise == {"birthDate": "year"}
	decision.records.p1.withheld == {"idNumber": "not_shared_with_requester"}
}

test_ukraine_is_not_answered_on_drug_cases if {
	decision := fr.decision with input as search("UA", "drug_trafficking", [person])
	decision.refused
	decision.refusal_reason == "purpose_not_accepted"
}

test_emirates_get_hit_or_no_hit_only if {
	decision := fr.decision with input as search("AE", "terrorism", [person])
	decision.records.p1.disclosure == "hit_only"
}

test_unknown_country_gets_nothing if {
	decision := fr.decision with input as search("US", "terrorism", [person])
	decision.refused
	decision.records == {}
}

test_victims_are_not_mentioned_outside_the_eu if {
	victim := object.union(person, {"flags": ["victim"]})
	outside := fr.decision with input as search("UA", "fugitive", [victim])
	outside.records.p1.disclosure == "none"
	inside := fr.decision with input as search("DE", "fugitive", [victim])
	inside.records.p1.disclosure == "hit_only"
}

test_political_purpose_is_refused if {
	decision := fr.decision with input as search("DE", "political_activity", [person])
	decision.refusal_reason == "neutrality"
}

test_broken_settings_deny_by_default if {
	decision := fr.decision with input as search("DE", "terrorism", [person])
		with data.fedgate.countries.fr.settings as {}
	decision.refused
	decision.records == {}
}

undecided(_, _, _) := value if {
	false
	value := {}
}

test_an_undecidable_search_is_refused_by_default if {
	decision := fr.decision with input as {} with data.fedgate.framework.decide as undecided
	decision.refused
	decision.records == {}
}
