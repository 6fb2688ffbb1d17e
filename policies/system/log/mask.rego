# METADATA
# title: Decision log mask
# description: |
#   What a country's OPA removes from every decision it logs, before the log is written or shipped:
#   each record's "values" (the few property values its policy declares it reads), wherever they
#   sit in the input. The node sends no other record value, so a logged decision carries none.
package system.log

# METADATA
# description: JSON pointers (into the logged event) of every "values" object of the decision's input.
mask contains pointer if {
	walk(input.input, [path, _])
	count(path) > 0
	path[count(path) - 1] == "values"
	pointer := concat("/", ["/input", concat("/", [escaped(part) | some part in path])])
}

# A JSON pointer's reference token: "~" and "/" escaped (RFC 6901).
escaped(part) := replace(replace(format_int(part, 10), "~", "~0"), "/", "~1") if is_number(part)

else := replace(replace(part, "~", "~0"), "/", "~1")
