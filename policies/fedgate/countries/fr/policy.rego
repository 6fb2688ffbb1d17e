# METADATA
# title: France
# description: |
#   What France releases to a federated search. Owned by France (SIRENE France); the
#   settings in data.json say whom France trusts, for what, with which properties.
package fedgate.countries.fr

import data.fedgate.countries.fr.settings
import data.fedgate.framework

# Victims and witnesses are never mentioned to countries outside the European Union.
overrides[record.ref] := {"disclosure": "none"} if {
	not input.requester.country in framework.eu_member_states
	some record in input.records
	some flag in record.flags
	flag in {"victim", "witness"}
}

# METADATA
# description: France's decision on one search; nothing leaves unless it is allowed here.
# entrypoint: true
decision := framework.country_decision(settings, overrides)

# METADATA
# description: France's decision on a follow-up after a hit, within what its officer approved.
# entrypoint: true
follow_up := framework.country_follow_up(settings, overrides)

# METADATA
# description: What France tells an investigator about itself; nothing unless it is allowed here.
# entrypoint: true
describe := framework.country_description(settings)

# METADATA
# description: The record properties whose values France's rules read (settings "reads"); no other value is sent.
# entrypoint: true
reads := framework.country_reads(settings)
