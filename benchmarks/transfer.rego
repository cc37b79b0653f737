# The Shanxi transfer conditions of bench_decide.py's hand-written function, in Rego (OPA's
# policy language), for the Rego peer (regopy, the Python binding of rego-cpp). Spring 2026 term
# only, as the hand-written function. `result` is {"outcome": ..., "failed": [...]}, the failed
# rule ids in the hand-written function's order; bench_decide.py checks both agree on every input.
package xueji.transfer

import rego.v1

ns_per_day := 86400000000000

spring_start := time.parse_ns("2006-01-02", "2026-03-02")

request := input.request

record := input.record

day := time.parse_ns("2006-01-02", request.date)

since := (day - spring_start) / ns_per_day

graduating := {"primary": 6, "junior_secondary": 9, "senior_secondary": 12}

to_school := object.get(request, "to_school", {})

school := object.get(record, "school", {})

hukou := object.get(request, "new_hukou", {})

scope := object.get(request, "hukou_move_scope", null)

# mandatory conditions, in the order the hand-written function lists them
mandatory_order := [
	"shanxi.transfer.guardian_applies",
	"shanxi.transfer.capacity",
	"shanxi.transfer.senior_hukou_ground",
	"shanxi.transfer.senior_to_hukou_place",
	"shanxi.transfer.senior_not_within_county",
	"shanxi.transfer.same_grade",
	"shanxi.transfer.not_under_sanction",
]

default_order := ["shanxi.transfer.window", "shanxi.transfer.graduating_grade_second_term"]

failing contains "shanxi.transfer.guardian_applies" if not request.applicant == "guardian"

failing contains "shanxi.transfer.window" if not in_window

in_window if {
	since >= 0
	since < 15
}

failing contains "shanxi.transfer.capacity" if object.get(to_school, "vacancies", 0) <= 0

senior if record.stage == "senior_secondary"

failing contains "shanxi.transfer.senior_hukou_ground" if {
	senior
	not hukou_ground
}

hukou_ground if {
	scope in {"province", "city", "county"}
	request.residence_moved == true
}

failing contains "shanxi.transfer.senior_to_hukou_place" if {
	senior
	object.get(to_school, "city", null) != object.get(hukou, "city", null)
}

failing contains "shanxi.transfer.senior_to_hukou_place" if {
	senior
	scope == "county"
	object.get(to_school, "county", null) != object.get(hukou, "county", null)
}

failing contains "shanxi.transfer.senior_not_within_county" if {
	senior
	same_place
}

same_place if object.get(school, "city", null) == null

same_place if object.get(school, "county", null) == null

same_place if {
	school.city == object.get(to_school, "city", null)
	school.county == object.get(to_school, "county", null)
}

same_place if object.get(school, "enrollment_area", null) == object.get(to_school, "enrollment_area", null)

failing contains "shanxi.transfer.graduating_grade_second_term" if record.grade == graduating[record.stage]

failing contains "shanxi.transfer.same_grade" if {
	record.grade != null
	request.target_grade != record.grade
}

failing contains "shanxi.transfer.not_under_sanction" if {
	some s in object.get(record, "sanctions", [])
	not s.revoked == true
	time.parse_ns("2006-01-02", s.start) <= day
	not ended_before(s)
}

ended_before(s) if day > time.parse_ns("2006-01-02", s.end)

mandatory := [id | some id in mandatory_order; failing[id]]

defaults := [id | some id in default_order; failing[id]]

bodies := {a.body | some a in object.get(request, "approvals", [])}

missing_approvals := [b | some b in ["sending_school", "superior_registry_dept"]; not b in bodies]

result := {"outcome": "denied", "failed": ["lifecycle"]} if {
	record.status != "enrolled"
} else := {"outcome": "denied", "failed": mandatory} if {
	count(mandatory) > 0
} else := {"outcome": "denied_by_default", "failed": defaults} if {
	count(defaults) > 0
} else := {"outcome": "needs_approval", "failed": missing_approvals} if {
	count(missing_approvals) > 0
} else := {"outcome": "allowed", "failed": []}
