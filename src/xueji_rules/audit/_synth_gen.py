"""The synthetic population's students, schools, accounts and staff (``xueji-rules synth``).

Kept apart from :mod:`xueji_rules.audit.synth` (its public face: configuration, answer-key keys,
:func:`~xueji_rules.audit.synth.synthesize`) so that each module reads in one sitting.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from xueji_rules.audit._population import (
    PLACES,
    STAGE_SHARES,
    School,
    id_number,
    make_schools,
    name_of,
)
from xueji_rules.audit._stories import AUTUMN_25, AUTUMN_26, SPRING_26, Story
from xueji_rules.audit.context import AuditContext

if TYPE_CHECKING:
    from xueji_rules.audit._synth_io import Writer
    from xueji_rules.audit._synth_model import SynthConfig, SynthSummary

__all__ = ["AS_OF", "ROW_CHECKS", "Generator", "Identity"]

AS_OF = dt.date(2026, 12, 31)
ROW_CHECKS = ("O04.", "O12.", "O15.")  # planted per school, account or staff row, not per student


@dataclass(frozen=True, slots=True)
class Identity:
    """A synthetic child's 学籍号 and the record fields that identify them (person, family)."""

    rid: str
    fields: dict[str, Any]


class Generator:
    def __init__(self, config: SynthConfig, ctx: AuditContext, summary: SynthSummary) -> None:
        self.config = config
        self.ctx = ctx
        self.rng = random.Random(config.seed)
        self.schools = make_schools(config.students, self.rng)
        self.serials: dict[tuple[str, str], int] = {}
        self.assigned: dict[tuple[str, str], int] = {}
        self.people = 0
        self.plant_names = [k for k in config.rates if not k.startswith(ROW_CHECKS)]
        self.plant_rates = [config.rates[k] for k in self.plant_names]
        self.summary = summary
        self.key: IO[str] | None = None
        self.writer: Writer | None = None
        self.spring_schools: set[str] = set()  # K-12 schools with students on spring 2026 rosters
        pack = ctx.pack_on(AS_OF)
        self.shanxi = pack is not None and "jinjiao_2026_1" in pack.documents
        if not self.shanxi:  # Shanxi-only checks cannot be planted under another pack
            for name in list(self.plant_names):
                if name.startswith("O16.") or name == "O15.staff_not_on_establishment":
                    self.plant_rates[self.plant_names.index(name)] = 0.0

    # -- helpers -----------------------------------------------------------------------------

    def planted(self, check: str, key: str) -> None:
        assert self.key is not None
        self.key.write(json.dumps({"check": check, "key": key}, ensure_ascii=False) + "\n")
        self.summary.planted[check] = self.summary.planted.get(check, 0) + 1

    def school(self, stage: str, other_than: str | None = None) -> School:
        pool = self.schools[stage]
        while True:
            school = pool[self.rng.randrange(len(pool))]
            if school.id != other_than:
                return school

    def identity(self, birth: str, documented: bool = True, temporary: bool = False) -> Identity:
        """A new person born on ``birth`` and the 学籍号 the registry gives them.

        A documented child holds a 居民身份证 number and the formal number ``G`` + that number;
        an undocumented one a ``J`` number built like a citizen number; ``temporary`` gives an
        ``L`` number (region, birth date, four digits) instead (docs/records.md "学籍号 rules").
        """
        rng = self.rng
        index = self.people
        self.people += 1
        _, _, region = PLACES[rng.randrange(len(PLACES))]
        person: dict[str, Any] = {"name": name_of(index)}
        number = None
        if documented:
            for _ in range(20):
                serial = self.serials.get((region, birth), 0)
                if serial < 1000:
                    self.serials[(region, birth)] = serial + 1
                    number = id_number(region, birth, serial)
                    break
                _, _, region = PLACES[rng.randrange(len(PLACES))]
        if number is not None:
            person.update(sex="1" if int(number[16]) % 2 else "2",
                          id_doc_type="resident_id_card", id_doc_number=number)  # fmt: skip
            rid = "G" + number
        elif temporary:
            rid = f"L{region}{birth.replace('-', '')}{index % 10_000:04d}"
        else:
            rid = "J" + self.assigned_number(region, birth)
        guardian = {"name": name_of(index, guardian=True), "relationship": "parent",
                    "is_guardian": True, "phone": f"139{index % 100_000_000:08d}"}  # fmt: skip
        return Identity(rid, {"person": person, "family": [guardian]})

    def assigned_number(self, region: str, birth: str) -> str:
        """The body of a ``J`` number: built like a citizen number, its own sequence."""
        serial = self.assigned.get((region, birth), 0)
        self.assigned[(region, birth)] = serial + 1
        return id_number(str(int(region) + 50_000), birth, serial)

    def emit(self, bundle: dict[str, Any]) -> int:
        assert self.writer is not None
        self.summary.bundles += 1
        return self.writer.write(bundle)

    # -- students ----------------------------------------------------------------------------

    def stage_and_grade(self) -> tuple[str, int | None]:
        r = self.rng.random()
        stage = STAGE_SHARES[-1][0]
        for name, share in STAGE_SHARES:
            if r < share:
                stage = name
                break
            r -= share
        grades = {
            "preschool": None,
            "primary": (0, 6),
            "junior_secondary": (7, 9),
            "senior_secondary": (10, 12),
        }[stage]
        if grades is None:
            return stage, None
        low, high = grades
        return stage, self.rng.randint(low, high)  # grade 0: the class entering in autumn 2026

    def plant(self) -> str | None:
        r = self.rng.random()
        for name, rate in zip(self.plant_names, self.plant_rates, strict=True):
            if r < rate:
                return name
            r -= rate
        return None

    def student(self, index: int) -> None:
        plant = self.plant()
        stage, grade = _STAGE_FOR.get(plant or "", (None, None)) if plant else (None, None)
        if stage is None:
            stage, grade = self.stage_and_grade()
        elif grade is None and stage != "preschool":
            grade = self.rng.choice({"primary": (1, 2, 3, 4), "junior_secondary": (7, 8),
                                     "senior_secondary": (10, 11)}[stage])  # fmt: skip
        # about 2% of children have no identity document (matched by name, birth date, guardian)
        undocumented = self.rng.random() < 0.02
        documented = plant in ("O01.duplicate_registry", "O07.preschool_number_not_continued") or (
            plant not in ("O01.probable_duplicate_registry", "O08.temporary_number")
            and not undocumented
        )
        if stage == "preschool":
            self.preschool(documented, plant)
        elif grade == 0:
            self.newcomer(documented, plant)
        else:
            assert grade is not None
            self.pupil(documented, stage, grade, plant)

    def _birth(self, grade: int) -> str:
        # grade g in 2025-2026: born between September of 2019-g+1 ... August of 2020-g+1
        year = 2019 - grade + 1
        day = dt.date(year, 9, 1) + dt.timedelta(days=self.rng.randrange(365))
        return day.isoformat()

    def pupil(self, documented: bool, stage: str, grade: int, plant: str | None) -> None:
        rng = self.rng
        school = self.school(stage)
        birth = self._birth(grade)
        ident = self.identity(birth, documented, temporary=plant == "O08.temporary_number")
        rid = ident.rid
        start: dict[str, Any] = {"id": rid, "status": "enrolled", "stage": stage, "grade": grade,
                                 "has_registry": True, "school_system": "6-3", "birth_date": birth,
                                 "enrolled_on": "2023-09-01", "school": school.record()}  # fmt: skip
        if stage == "senior_secondary":
            start["school_years_completed"] = grade - 10
        if plant == "O08.temporary_number":
            start["temporary_id"] = True
        if plant == "O17.special_education_fields":
            # the form's 是否残疾人 is 是 and 残疾类型 given, 特教学生就读类型 (field 37) missing
            start["special_education"] = {"disabled": True}
            ident.fields["person"].update(is_disabled=True, disability_type="1")
        elif rng.random() < 0.01:
            start["special_education"] = {"disabled": True, "placement": "regular_class"}
            ident.fields["person"].update(is_disabled=True, disability_type="1",
                                          special_ed_attendance_type="regular_class")  # fmt: skip
        story = Story(self.ctx, start)
        story.attend(AUTUMN_25)
        extra: Callable[[dict[str, Any]], None] | None = None
        graduating = grade in (6, 9, 12)
        roll = rng.random()
        transfer_plants = {"O06.update_late", "O06.update_overdue", "O11.transfer_backup_missing",
                           "history.approval_missing", "history.obligation_late",
                           "history.obligation_overdue"}  # fmt: skip
        suspend_plants = {"history.approval_wrong_body", "history.documents_missing",
                          "history.status_mismatch", "history.record_mismatch"}  # fmt: skip
        stays = True  # in school (enrolled) through autumn 2026
        compulsory = stage != "senior_secondary"
        if plant in transfer_plants or (
            plant is None and compulsory and not graduating and roll < 0.035
        ):
            if plant is None and roll < 0.015:
                to = self.school(stage, other_than=school.id)
                story.transfer("2025-10-15", to.record(vacancies=True))  # national rules only
            else:
                to = self.school(stage, other_than=school.id)
                story.transfer(
                    "2026-03-0" + str(rng.randint(3, 9)),
                    to.record(vacancies=True),
                    drop="sending_superior_registry_dept" if plant == "history.approval_missing" else None,
                    expect="needs_approval" if plant == "history.approval_missing" else "allowed",
                    late={"O06.update_late": "transfer.record_update",
                          "history.obligation_late": "transfer.sending_school.processing"}.get(plant or ""),
                    open_={"O06.update_overdue": "transfer.record_update",
                           "history.obligation_overdue": "transfer.sending_superior.processing"}.get(plant or ""),
                    backup=plant != "O11.transfer_backup_missing",
                )  # fmt: skip
        elif plant in suspend_plants or (plant is None and not graduating and 0.035 <= roll < 0.05):
            stays = False  # back in the same grade (晋 第三十一条): no yearly promotion
            if plant == "history.approval_wrong_body":
                story.suspend("2026-03-10", "2026-07-10", bodies=("school", "county_bureau"),
                              expect="needs_approval")  # fmt: skip
            elif plant == "history.documents_missing":
                story.suspend("2026-03-10", "2026-07-10", documents=("suspension_resumption_form",),
                              expect="incomplete")  # fmt: skip
            elif plant == "history.status_mismatch":
                story.suspend("2026-03-10", "2026-07-10", status="enrolled")
            else:
                story.suspend("2026-03-10", "2026-07-10")
                if plant == "history.record_mismatch":
                    extra = _set_status("enrolled")
                else:
                    story.resume("2026-09-02")
        elif plant == "history.move_not_allowed":
            story.act({"transition": "withdraw", "date": "2026-04-13", "applicant": "guardian"},
                      expect="denied", status="withdrawn")  # fmt: skip
            stays = False
        elif plant is None and stage == "senior_secondary" and grade < 12 and 0.05 <= roll < 0.055:
            story.act({"transition": "withdraw", "date": "2026-04-13", "applicant": "guardian",
                       "ground": "guardian_request", "documents": ["withdrawal_form"],
                       "approvals": [{"body": "school"}, {"body": "superior_registry_dept"}]})  # fmt: skip
            stays = False
        story.attend(SPRING_26)
        if graduating and story.state["status"] == "enrolled":
            if grade == 12:
                story.update("2026-06-20", {"school_years_completed": 3})
            story.graduate("2026-07-03" if grade != 12 else "2026-06-30")
            if grade == 12:
                stays = False
                if plant == "O18.record_deleted":
                    extra = _compose(extra, _set("deleted_on", "2026-11-20"))
            else:
                nxt = "junior_secondary" if grade == 6 else "senior_secondary"
                story.next_stage(self.school(nxt).record(), nxt)
        elif stays and story.state["status"] == "enrolled":
            change: dict[str, Any] = {"grade": grade + 1}
            if stage == "senior_secondary":
                change["school_years_completed"] = grade - 9
            story.update(AUTUMN_26, change)
        if (
            story.state["status"] in ("enrolled", "dropout_followup")
            or plant == "history.record_mismatch"
        ):
            self._autumn(story, plant)
        if plant == "O07.number_changed":
            # the registry gave the pupil a new formal number
            new = "J" + self.assigned_number(rid[1:7] if rid[1:7].isdigit() else "140105", birth)
            story.update("2026-10-09", {"id": new})
        if plant in ("O16.sanction_not_recorded", "O16.specialized_education_recorded") or (
            plant is None and stage != "primary" and rng.random() < 0.01
        ):
            sanction = {"level": "demerit", "start": "2026-04-10"}
            story.state["sanctions"] = [sanction]
            entries = (
                []
                if plant == "O16.sanction_not_recorded"
                else [{"kind": "sanction", "level": "demerit", "date": "2026-04-10"}]
            )
            if plant == "O16.specialized_education_recorded":
                entries.append({"kind": "specialized_education", "date": "2026-05-01"})
            story.archive = {"created_on": "2023-09-20", "entries": entries}
        self.finish(story, plant, ident, extra)

    def _autumn(self, story: Story, plant: str | None) -> None:
        school_id = story.state["school"]["id"]
        if plant == "O02.phantom_registry":
            story.attend(AUTUMN_26, school="")
        elif plant == "O03.person_record_mismatch":
            story.attend(
                AUTUMN_26, school=self.school(story.state["stage"], other_than=school_id).id
            )
        elif plant == "O19.dropout_not_reported":
            story.attend(AUTUMN_26, stopped_attending_on="2026-10-12")
        elif (
            plant is None
            and story.state["stage"] != "senior_secondary"
            and self.rng.random() < 0.004
        ):
            story.attend(AUTUMN_26, stopped_attending_on="2026-10-12")
            story.act({"transition": "report_dropout", "date": "2026-10-20", "applicant": "school",
                       "ground": "school_finding"})  # fmt: skip
        else:
            story.attend(AUTUMN_26)

    def newcomer(self, documented: bool, plant: str | None) -> None:
        school = self.school("primary")
        birth = (dt.date(2019, 9, 1) + dt.timedelta(days=self.rng.randrange(365))).isoformat()
        ident = self.identity(birth, documented)
        rid = ident.rid
        start = {"id": rid, "status": "unregistered", "stage": "primary", "grade": 1,
                 "school_system": "6-3", "birth_date": birth}  # fmt: skip
        story = Story(self.ctx, start)
        days = {"O05.archive_late": 70, "O05.archive_overdue": None}.get(plant or "", 19)
        story.register(school.record(), archive_days=days)
        self._autumn(story, plant)
        self.finish(story, plant, ident, None)

    def preschool(self, documented: bool, plant: str | None) -> None:
        rng = self.rng
        school = self.school("preschool")
        oldest = plant == "O07.preschool_number_not_continued" or rng.random() < 0.3
        first = 2019 if oldest else rng.choice((2020, 2021))
        birth = (dt.date(first, 9, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()
        ident = self.identity(birth, documented)
        rid = ident.rid
        start = {"id": rid, "status": "enrolled", "stage": "preschool", "birth_date": birth,
                 "has_registry": True, "enrolled_on": "2023-09-01", "school": school.record()}  # fmt: skip
        story = Story(self.ctx, start)
        story.attend(AUTUMN_25)
        story.attend(SPRING_26)
        if oldest:
            story.act(
                {
                    "transition": "kindergarten_graduate",
                    "date": "2026-07-01",
                    "applicant": "kindergarten",
                }
            )
            story.act({"transition": "preschool_promote", "date": AUTUMN_26, "applicant": "school",
                       "to_stage": "primary", "reported_on": AUTUMN_26},
                      {"grade": 1, "school": self.school("primary").record(), "school_system": "6-3"})  # fmt: skip
            if plant == "O07.preschool_number_not_continued":
                # the primary school registers the child anew instead of continuing the number
                self.finish(story, None, ident, None)
                fresh_id = "J" + self.assigned_number("140105", birth)
                fresh = Story(self.ctx, {"id": fresh_id, "status": "admitted", "stage": "primary",
                                              "grade": 1, "birth_date": birth, "school_system": "6-3",
                                              "school": story.state["school"]})  # fmt: skip
                request = {"transition": "enroll", "date": AUTUMN_26, "applicant": "school",
                           "documents": ["id_document"], "information_verified": True,
                           "approvals": [{"body": "superior_registry_dept", "date": "2026-09-05"}]}  # fmt: skip
                fresh.act(request, {"enrolled_on": AUTUMN_26})
                fresh.archive = {"created_on": "2026-09-20"}
                fresh.attend(AUTUMN_26)
                self.emit(fresh.bundle(ident.fields))
                self.planted(plant, ",".join(sorted((rid, fresh_id))))
                return
            story.act({"transition": "promote", "date": AUTUMN_26, "reported_on": AUTUMN_26})
        story.attend(AUTUMN_26)
        self.finish(story, plant, ident, None)

    def finish(
        self,
        story: Story,
        plant: str | None,
        ident: Identity,
        extra: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        bundle = story.bundle(ident.fields, extra)
        rid = bundle["record"]["id"]
        if plant != "input.bad_line":
            for entry in bundle.get("attendance", ()):
                if (
                    entry["term_start"] == SPRING_26
                    and entry["stage"] != "preschool"
                    and "school" in entry
                ):
                    self.spring_schools.add(entry["school"])
        if plant == "input.bad_line":
            bundle["record"]["grade"] = 13  # out of the schema's range: a bad row, not a crash
        line = self.emit(bundle)
        if plant is None:
            return
        if plant == "input.bad_line":
            source = "bundles.parquet" if self.config.format == "parquet" else "bundles.jsonl"
            self.planted(plant, f"line:{source}:{line}")
            return
        record = bundle["record"]
        if plant in ("O01.duplicate_registry", "O01.probable_duplicate_registry"):
            # a second registry for the same child, under a number of its own
            twin_id = "J" + self.assigned_number("140105", record["birth_date"])
            twin = {"id": twin_id, "status": "enrolled", "stage": story.state["stage"],
                    "birth_date": record["birth_date"],
                    "school": self.school(story.state["stage"]).record(),
                    **copy.deepcopy(ident.fields)}  # fmt: skip
            if "grade" in story.state:
                twin["grade"] = story.state["grade"]
            self.emit({"record": twin})
            self.planted(plant, ",".join(sorted((rid, twin_id))))
            return
        if plant == "O07.number_reused":
            # the same number on another child's (finished) record: reused, and it does not
            # carry that child's citizen number
            other = self.identity(record["birth_date"])
            self.emit({"record": {"id": rid, "status": "graduated", "stage": story.state["stage"],
                                  "birth_date": record["birth_date"], **other.fields}})  # fmt: skip
            self.planted("O07.number_document_mismatch", rid)
        self.planted(plant, rid)


_STAGE_FOR: dict[str, tuple[str | None, int | None]] = {
    "O05.archive_late": ("primary", 0),
    "O05.archive_overdue": ("primary", 0),
    "O07.preschool_number_not_continued": ("preschool", None),
    "O16.sanction_not_recorded": ("junior_secondary", None),
    "O16.specialized_education_recorded": ("junior_secondary", None),
    "O18.record_deleted": ("senior_secondary", 12),
    "O19.dropout_not_reported": ("primary", None),
    "history.move_not_allowed": ("primary", None),
    "O02.phantom_registry": ("junior_secondary", None),
    "O03.person_record_mismatch": ("primary", None),
    "O06.update_late": ("primary", None),
    "O06.update_overdue": ("junior_secondary", None),
    "O11.transfer_backup_missing": ("primary", None),
    "history.approval_missing": ("primary", None),
    "history.obligation_late": ("junior_secondary", None),
    "history.obligation_overdue": ("primary", None),
    "history.approval_wrong_body": ("primary", None),
    "history.documents_missing": ("junior_secondary", None),
    "history.status_mismatch": ("primary", None),
    "history.record_mismatch": ("junior_secondary", None),
    "O07.number_changed": ("primary", None),
    "O08.temporary_number": ("primary", None),
    "O17.special_education_fields": ("junior_secondary", None),
    "O01.duplicate_registry": ("junior_secondary", None),
    "O01.probable_duplicate_registry": ("primary", None),
}


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(bundle: dict[str, Any]) -> None:
        bundle[key] = value

    return apply


def _set_status(status: str) -> Callable[[dict[str, Any]], None]:
    def apply(bundle: dict[str, Any]) -> None:
        bundle["record"]["status"] = status

    return apply


def _compose(
    a: Callable[[dict[str, Any]], None] | None, b: Callable[[dict[str, Any]], None]
) -> Callable[[dict[str, Any]], None]:
    def apply(bundle: dict[str, Any]) -> None:
        if a is not None:
            a(bundle)
        b(bundle)

    return apply
