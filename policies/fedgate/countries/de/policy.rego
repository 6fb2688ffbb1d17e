# METADATA
# title: Germany
# description: |
#   What Germany releases to a federated search. Owned by Germany (BKA). Data
#   minimisation first: third countries see little, and only investigators with at
#   least "restricted" clearance are answered at all.
package fedgate.countries.de

import data.fedgate.countries.de.settings
import data.fedgate.framework

# Records marked sensitive by German investigators are never mentioned abroad.
overrides[record.ref] := {"disclosure": "none"} if {
	input.requester.country != "DE"
	some record in input.records
	"sensitive" in record.flags
}

# Persons are answered hit/no-hit only to third countries in drug cases (Prüm's first step).
overrides[record.ref] := {"disclosure": "hit_only", "reason": "hit_only_requester"} if {
	input.purpose == "drug_trafficking"
	not input.requester.country in framework.eu_member_states
	some record in input.records
	record.schema == "Person"
	not "sensitive" in record.flags
}

# METADATA
# description: Germany's decision on one search; nothing leaves unless it is allowed here.
# entrypoint: true
decision := framework.country_decision(settings, overrides)

# METADATA
# description: Germany's decision on a follow-up after a hit, within what its officer approved.
# entrypoint: true
follow_up := framework.country_follow_up(settings, overrides)

# METADATA
# description: What Germany tells an investigator about itself; nothing unless it is allowed here.
# entrypoint: true
describe := framework.country_description(settings)

# METADATA
# description: The record properties whose values Germany's rules read (settings "reads"); no other value is sent.
# entrypoint: true
reads := framework.country_reads(settings)
