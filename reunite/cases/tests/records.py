"""Org A's case records for the architecture tests' access matrix."""

from django.utils import timezone

from reunite.cases import services
from reunite.cases.choices import DecisionChoice, DecisionForm, FlagCategory, FlagSource, TaskKind
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create


def case_records(*, actor, adult) -> dict:
    now = timezone.now()
    child = person_create(
        actor=actor,
        data=PersonInput(family_role=FamilyRole.CHILD, given_names="Luis"),
        today=timezone.localdate(),
    )
    case = services.case_open(actor=actor, children=[child], adults=[adult], now=now)
    return {
        "case": case,
        "task": services.task_create(
            actor=actor,
            case=case,
            title="t",
            kind=TaskKind.CALL,
            due_on=None,
            assignee=None,
            now=now,
        ),
        "flag": services.eligibility_flag_raise(
            actor=actor,
            case=case,
            person=adult,
            category=FlagCategory.RED_FLAG,
            evidence="",
            source=FlagSource.COURT,
            now=now,
        ),
        "decision": services.parent_decision_record(
            actor=actor,
            case=case,
            parent=adult,
            choice=DecisionChoice.REUNIFY_US,
            language="es",
            interpreter_used=False,
            counsel_present=True,
            form=DecisionForm.WRITTEN,
            decided_at=now,
        ),
        "document": services.case_document_upload(
            actor=actor, case=case, file_name="a.txt", data=b"hello", now=now
        ),
    }
