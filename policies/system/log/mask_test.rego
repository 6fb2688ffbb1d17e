package system.log_test

import data.system.log

event := {"input": {
	"reads": ["nationality"],
	"records": [
		{"ref": "p1", "properties": ["name", "nationality"], "values": {"nationality": ["ua"]}},
		{"ref": "p2", "properties": ["name"], "values": {}},
	],
}}

test_every_records_values_are_masked if {
	log.mask == {"/input/records/0/values", "/input/records/1/values"} with input as event
}

test_values_are_masked_wherever_they_sit if {
	nested := {"input": {"searches": [{"records": [{"ref": "p1", "values": {"a/b~c": ["x"]}}]}]}}
	log.mask == {"/input/searches/0/records/0/values"} with input as nested
}

test_pointer_tokens_are_escaped if {
	log.escaped("a/b~c") == "a~1b~0c"
	log.escaped(3) == "3"
}

test_an_input_without_values_masks_nothing if {
	count(log.mask) == 0 with input as {"input": {"records": [{"ref": "p1", "properties": ["name"]}]}}
}

test_a_query_without_input_masks_nothing if {
	count(log.mask) == 0 with input as {"path": "fedgate/countries/ua/reads"}
}
