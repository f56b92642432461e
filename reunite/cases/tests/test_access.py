"""One parametrised test per gate, with the named cast: org A's client staff reach the
case and what hangs from it; the auditor and another organisation get NotFound."""

import pytest

from reunite.cases import access, services
from reunite.cases.choices import (
    DecisionChoice,
    DecisionForm,
    FlagCategory,
    FlagSource,
    TaskKind,
)
from reunite.cases.tests.conftest import NOW, member
from reunite.core.errors import NotFound

pytestmark = pytest.mark.django_db

# who: (may read, may write)
CAST = {
    "alice": (True, True),  # attorney, org A
    "bob": (True, True),  # legal assistant, org A
    "ada": (True, True),  # organisation admin, org A
    "dana": (False, False),  # auditor, org A: no client data
    "charlie": (False, False),  # attorney, org B
}


@pytest.fixture
def records(case, alice, mother):
    actor = member(alice)
    return {
        "case": case,
        "task": services.task_create(
            actor=actor,
            case=case,
            title="t",
            kind=TaskKind.OTHER,
            due_on=None,
            assignee=None,
            now=NOW,
        ),
        "document": services.case_document_upload(
            actor=actor, case=case, file_name="note.txt", data=b"hello", now=NOW
        ),
        "flag": services.eligibility_flag_raise(
            actor=actor,
            case=case,
            person=mother,
            category=FlagCategory.RED_FLAG,
            evidence="",
            source=FlagSource.COURT,
            now=NOW,
        ),
        "decision": services.parent_decision_record(
            actor=actor,
            case=case,
            parent=mother,
            choice=DecisionChoice.DECLINE,
            language="es",
            interpreter_used=False,
            counsel_present=True,
            form=DecisionForm.WRITTEN,
            decided_at=NOW,
        ),
    }


GATES = {
    "case": (access.access_case, True),
    "task": (access.access_task, True),
    "document": (access.access_case_document, False),
    "flag": (access.access_eligibility_flag, True),
    "decision": (access.access_parent_decision, True),
}


@pytest.mark.parametrize("gate", GATES)
@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("write", [False, True])
def test_gate(request, records, gate, who, write):
    function, writable = GATES[gate]
    if write and not writable:
        pytest.skip("read-only gate")
    actor = member(request.getfixturevalue(who))
    target = records[gate]
    kwargs = {"write": True} if write else {}
    if CAST[who][1 if write else 0]:
        assert function(actor=actor, public_id=target.public_id, **kwargs) == target
    else:
        with pytest.raises(NotFound):
            function(actor=actor, public_id=target.public_id, **kwargs)


@pytest.mark.parametrize("gate", GATES)
def test_a_missing_record_is_not_found(alice, gate):
    import uuid

    with pytest.raises(NotFound):
        GATES[gate][0](actor=member(alice), public_id=uuid.uuid4())
