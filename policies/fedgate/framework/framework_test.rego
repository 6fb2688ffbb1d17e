package fedgate.framework_test

import data.fedgate.framework

settings := {
	"min_clearance": "restricted",
	"hit_only_schemata": ["Vehicle"],
	"profiles": {
		"open": {"properties": {"Person": ["*"], "Passport": ["*"]}},
		"narrow": {
			"properties": {"Person": ["name", "birthDate", "idNumber"]},
			"generalise": {"birthDate": "year", "notes": "year"},
		},
		"prum": {"hit_only": true, "properties": {}},
	},
	"partners": {
		"FR": {"profile": "open", "purposes": ["terrorism", "stolen_document"]},
		"DE": {"profile": "narrow", "purposes": ["terrorism"]},
		"AE": {"profile": "prum", "purposes": ["terrorism"]},
	},
	"property_clearance": {"idNumber": "secret"},
}

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": {
		"name": ["Ivan Petrov"],
		"birthDate": ["1975-04-02"],
		"idNumber": ["X1"],
		"religion": ["none"],
		"alias": [],
	},
	"flags": [],
}

request(country, purpose, records) := {
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "confidential"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"]},
	"records": records,
}

test_every_contract_purpose_has_a_character if {
	count(framework.purpose_character) == 13
	count(framework.ordinary_purposes) == 9
}

test_neutrality_refuses_political_military_religious_and_racial_purposes if {
	every purpose in {"political_activity", "military_discipline", "religious_practice", "ethnic_origin"} {
		framework.refusal(settings, request("FR", purpose, [])) == "neutrality"
	}
}

test_unknown_purpose_is_not_neutral if {
	not framework.neutral("elections")
}

test_unknown_requester_is_refused if {
	framework.refusal(settings, request("US", "terrorism", [])) == "requester_not_trusted"
}

test_purpose_not_granted_to_partner_is_refused if {
	framework.refusal(settings, request("DE", "stolen_document", [])) == "purpose_not_accepted"
}

test_low_clearance_is_refused if {
	low := object.union(request("FR", "terrorism", []), {"requester": {"country": "FR", "clearance": "basic"}})
	framework.refusal(settings, low) == "clearance_insufficient"
}

test_refused_decision_releases_no_record if {
	decision := framework.decide(settings, request("US", "terrorism", [person]), {})
	decision.refused
	decision.records == {}
	decision.refusal_reason == "requester_not_trusted"
}

test_open_profile_releases_everything_but_sensitive_categories if {
	secret := object.union(request("FR", "terrorism", [person]), {"requester": {"country": "FR", "clearance": "secret"}})
	decision := framework.decide(settings, secret, {})
	not decision.refused
	record := decision.records.p1
	record.disclosure == "partial"
	record.release == ["birthDate", "idNumber", "name"]
	record.withheld == {"religion": "sensitive_category"}
}

test_narrow_profile_generalises_and_explains_each_withheld_property if {
	decision := framework.decide(settings, request("DE", "terrorism", [person]), {})
	record := decision.records.p1
	record.release == ["birthDate", "name"]
	record.generalise == {"birthDate": "year"}
	record.withheld == {"idNumber": "clearance_insufficient", "religion": "sensitive_category"}
}

test_full_disclosure_when_nothing_is_withheld if {
	plain := {"ref": "p2", "schema": "Person", "properties": {"name": ["A B"]}, "flags": []}
	decision := framework.decide(settings, request("FR", "terrorism", [plain]), {})
	decision.records.p2.disclosure == "full"
}

test_hit_only_requester_sees_no_property if {
	decision := framework.decide(settings, request("AE", "terrorism", [person]), {})
	record := decision.records.p1
	record.disclosure == "hit_only"
	record.release == []
	record.withheld.name == "hit_only_requester"
}

test_minor_never_goes_beyond_hit_only if {
	minor := object.union(person, {"flags": ["minor"]})
	decision := framework.decide(settings, request("FR", "terrorism", [minor]), {})
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.withheld.name == "minor_protection"
}

test_victims_are_protected if {
	victim := object.union(person, {"flags": ["victim"]})
	decision := framework.decide(settings, request("FR", "terrorism", [victim]), {})
	decision.records.p1.withheld.birthDate == "protected_person"
}

test_hit_only_schema if {
	car := {"ref": "v1", "schema": "Vehicle", "properties": {"registrationNumber": ["AB-123"]}, "flags": []}
	decision := framework.decide(settings, request("FR", "terrorism", [car]), {})
	decision.records.v1.withheld == {"registrationNumber": "hit_only_schema"}
}

test_purpose_limitation_keeps_persons_out_of_document_searches if {
	decision := framework.decide(settings, request("FR", "stolen_document", [person]), {})
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.withheld.name == "not_needed_for_purpose"
}

test_schema_outside_profile_is_hit_only if {
	passport := {"ref": "d1", "schema": "Passport", "properties": {"number": ["P1"]}, "flags": []}
	decision := framework.decide(settings, request("DE", "terrorism", [passport]), {})
	decision.records.d1.withheld == {"number": "not_shared_with_requester"}
}

test_record_with_nothing_releasable_is_hit_only if {
	only_notes := {"ref": "p3", "schema": "Person", "properties": {"religion": ["x"]}, "flags": []}
	decision := framework.decide(settings, request("FR", "terrorism", [only_notes]), {})
	decision.records.p3.disclosure == "hit_only"
	decision.records.p3.withheld == {"religion": "not_shared_with_requester"}
}

test_country_override_hides_a_record if {
	decision := framework.decide(settings, request("FR", "terrorism", [person]), {"p1": {"disclosure": "none"}})
	decision.records.p1 == framework.not_mentioned
}

test_country_override_caps_at_hit_only_with_its_reason if {
	override := {"p1": {"disclosure": "hit_only", "reason": "not_needed_for_purpose"}}
	decision := framework.decide(settings, request("FR", "terrorism", [person]), override)
	decision.records.p1.withheld.name == "not_needed_for_purpose"
}

test_every_reason_a_decision_gives_is_in_the_vocabulary if {
	decision := framework.decide(settings, request("DE", "terrorism", [person]), {})
	every _, reason in decision.records.p1.withheld {
		reason in framework.withhold_reasons
	}
	decision.records.p1.disclosure in framework.disclosure_levels
	every _, method in decision.records.p1.generalise {
		method in framework.generalisation_methods
	}
}

test_revision_names_the_loaded_bundles if {
	framework.revision == "fr-1,fr-2" with data.system.bundles as {
		"b": {"manifest": {"revision": "fr-2"}},
		"a": {"manifest": {"revision": "fr-1"}},
	}
}

test_revision_without_bundles_is_unversioned if {
	framework.revision == "unversioned" with data.system.bundles as {}
}

test_refusal_reasons_vocabulary if {
	"neutrality" in framework.refusal_reasons
}
