"""Case pages: the list, the overdue queue, the case page and its forms, opening a case
from a confirmed match, and documents served through the gate."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reunite.accounts.decorators import member_view
from reunite.accounts.roles import Capability, Role
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.cases import forms, selectors, services
from reunite.cases.access import (
    access_case,
    access_case_document,
    access_eligibility_flag,
    access_parent_decision,
    access_task,
)
from reunite.cases.choices import MemberRole
from reunite.core.errors import Conflict, Forbidden, Invalid, Unavailable
from reunite.funds import selectors as funds_selectors
from reunite.funds.forms import DisbursementRequestForm
from reunite.funds.models import DisbursementKind
from reunite.people import selectors as people_selectors
from reunite.people.access import visible_people
from reunite.people.choices import FamilyRole
from reunite.tracing.access import access_match

# The case page's forms, by the key their POST view uses.
FORMS = {
    "task": forms.TaskForm,
    "check": forms.ParentageCheckForm,
    "flag": forms.FlagForm,
    "decision": forms.DecisionRecordForm,
    "outreach": forms.OutreachForm,
    "document": forms.DocumentForm,
}


def _at(day: datetime.date) -> datetime.datetime:
    """A date from a form as the start of that day, in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@member_view(Capability.VIEW_CLIENTS)
def case_list(request):
    form = forms.CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"mine": False, "stage": ""}
    cases = selectors.case_list(actor=request.membership, mine=data["mine"], stage=data["stage"])
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"form": form, "page": page})


@member_view(Capability.VIEW_CLIENTS)
def overdue(request):
    tasks = list(
        selectors.tasks_overdue(actor=request.membership, today=timezone.localdate())[:200]
    )
    record(  # task titles are sealed case data: reading them is recorded
        event_type=EventType.CASE_VIEWED,
        actor=request.user,
        organization=request.membership.organization,
        fields=["task.title"],
        data={"list": "overdue", "count": len(tasks)},
    )
    return render(request, "cases/overdue.html", {"tasks": tasks})


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def open_from_match(request, public_id):
    match = access_match(actor=request.membership, public_id=public_id)
    try:
        case = services.case_open_from_match(
            actor=request.membership, match=match, now=timezone.now()
        )
    except (Conflict, Invalid) as exc:
        existing = selectors.case_of_match(actor=request.membership, match=match)
        if existing is not None:
            return redirect("cases:detail", public_id=existing.public_id)
        messages.error(request, exc.message)
        return redirect("tracing:match", public_id=match.public_id)
    messages.success(request, _("Case %(reference)s is open.") % {"reference": case.reference})
    return redirect("cases:detail", public_id=case.public_id)


def _page(request, case, bound: dict | None = None, status: int = 200):
    actor = request.membership
    case = selectors.case_for_page(case)
    members = list(case.members.all())
    visible = set(
        visible_people(actor=actor)
        .filter(pk__in=[m.person_id for m in members])
        .values_list("pk", flat=True)
    )
    rows = [(m, m.person_id in visible) for m in members]

    def label(m, shown):
        if not shown:
            hidden = _("not shared with you")
            return f"{m.get_role_display()} ({hidden})"
        p = m.person
        return " ".join(filter(None, [p.given_names, p.paternal_surname, p.maternal_surname]))

    choices = [(str(m.person.public_id), label(m, shown)) for m, shown in rows]
    who = {m.person_id: label(m, shown) for m, shown in rows}
    for item in [*case.parentage_checks.all(), *case.eligibility_flags.all(), *case.outreach.all()]:
        item.who = who.get(item.person_id, "—")
    for decision in case.decisions.all():
        decision.who = who.get(decision.parent_id, "—")
    adults = [c for c, (m, _shown) in zip(choices, rows, strict=True) if m.role == MemberRole.ADULT]
    staff = list(selectors.case_staff(actor=actor))
    bound = bound or {}
    kwargs = {
        "task": {"staff": staff},
        "check": {"members": choices},
        "flag": {"members": choices},
        "decision": {"members": adults},
        "outreach": {"members": choices},
        "document": {},
    }
    page_forms = {key: bound.get(key) or FORMS[key](**kwargs[key]) for key in FORMS}
    page_forms["transition"] = bound.get("transition") or forms.TransitionForm(
        allowed=services.allowed_next(case)
    )
    page_forms["assign"] = bound.get("assign") or forms.AssignForm(
        staff=staff,
        initial={
            "attorney": str(case.attorney.public_id) if case.attorney else "",
            "assistant": str(case.assistant.public_id) if case.assistant else "",
        },
    )
    flags = [
        (
            f,
            forms.FlagReviewForm(
                prefix=str(f.public_id),
                initial={"status": f.status, "challenge_status": f.challenge_status},
            ),
        )
        for f in case.eligibility_flags.all()
    ]
    decisions = [(d, forms.RevokeForm(prefix=str(d.public_id))) for d in case.decisions.all()]
    can_edit = bool(actor and selectors.visible_cases_for_write(actor=actor, case=case))
    money_form = bound.get("disbursement") or DisbursementRequestForm(parents=adults)
    money_form.fields["person"].choices = [("", "—"), *adults]  # names, also when bound
    page_forms["disbursement"] = money_form
    context = {
        "case": case,
        "members": [(m, label(m, shown), shown) for m, shown in rows],
        "forms": page_forms,
        "flags": flags,
        "decisions": decisions,
        "can_edit": can_edit,
        "today": timezone.localdate(),
        "max_mb": settings.CASE_DOCUMENT_MAX_BYTES // (1024 * 1024),
        **_money(actor, case),
    }
    return render(request, "cases/case_detail.html", context, status=status)


def _money(actor, case) -> dict:
    """The case's balance and disbursements, from the funds app (below this one)."""
    try:
        return {
            "money": funds_selectors.case_balances(actor=actor, case_id=case.public_id),
            "disbursements": list(
                funds_selectors.disbursement_list(actor=actor, case_id=case.public_id)
            ),
        }
    except Forbidden:
        return {"money": None, "disbursements": []}


@require_GET
@member_view(Capability.VIEW_CLIENTS)
def case_detail(request, public_id):
    case = access_case(actor=request.membership, public_id=public_id)
    record(
        event_type=EventType.CASE_VIEWED,
        actor=request.user,
        organization=request.membership.organization,
        target=case,
    )
    return _page(request, case)


def _done(request, case, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(reverse("cases:detail", kwargs={"public_id": case.public_id}) + anchor)


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def transition(request, public_id):
    case = access_case(actor=request.membership, public_id=public_id, write=True)
    form = forms.TransitionForm(request.POST, allowed=services.allowed_next(case))
    if form.is_valid():
        try:
            services.case_transition(
                actor=request.membership,
                case=case,
                to=form.cleaned_data["to"],
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, case, _("The case moved on."), "#stage")
    return _page(request, case, {"transition": form}, status=400)


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def assign(request, public_id):
    case = access_case(actor=request.membership, public_id=public_id, write=True)
    staff = {str(u.public_id): u for u in selectors.case_staff(actor=request.membership)}
    form = forms.AssignForm(request.POST, staff=staff.values())
    if form.is_valid():
        try:
            services.case_assign(
                actor=request.membership,
                case=case,
                attorney=staff.get(form.cleaned_data["attorney"]),
                assistant=staff.get(form.cleaned_data["assistant"]),
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, case, _("Saved."))
    return _page(request, case, {"assign": form}, status=400)


def _record(request, public_id, key: str, call):
    """Parse the case page form `key`, pass its data to `call(case, data, members)`."""
    case = access_case(actor=request.membership, public_id=public_id, write=True)
    members = selectors.case_members(case)
    staff = {str(u.public_id): u for u in selectors.case_staff(actor=request.membership)}
    choices = [(pid, pid) for pid in members]
    kwargs = {"task": {"staff": staff.values()}, "document": {}}.get(key, {"members": choices})
    form = FORMS[key](request.POST, request.FILES, **kwargs)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["person"] = members[data["person"]].person if data.get("person") else None
        data["assignee"] = staff.get(data.get("assignee") or "")
        try:
            call(case, data)
        except (Invalid, Conflict, Unavailable) as exc:  # Unavailable: the virus scanner is down
            form.add_error(None, exc.message)
        else:
            return _done(request, case, _("Recorded."), f"#{key}")
    return _page(request, case, {key: form}, status=400)


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def task_add(request, public_id):
    return _record(
        request,
        public_id,
        "task",
        lambda case, d: services.task_create(
            actor=request.membership,
            case=case,
            title=d["title"],
            kind=d["kind"],
            due_on=d["due_on"],
            assignee=d["assignee"],
            now=timezone.now(),
        ),
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def check_add(request, public_id):
    return _record(
        request,
        public_id,
        "check",
        lambda case, d: services.parentage_check_record(
            actor=request.membership,
            case=case,
            kind=d["kind"],
            result=d["result"],
            person=d["person"],
            consent_reference=d["consent_reference"],
            custody_reference=d["custody_reference"],
            verified_at=_at(d["verified_on"]),
            notes=d["notes"],
        ),
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def flag_add(request, public_id):
    return _record(
        request,
        public_id,
        "flag",
        lambda case, d: services.eligibility_flag_raise(
            actor=request.membership,
            case=case,
            person=d["person"],
            category=d["category"],
            evidence=d["evidence"],
            source=d["source"],
            now=timezone.now(),
        ),
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def decision_add(request, public_id):
    return _record(
        request,
        public_id,
        "decision",
        lambda case, d: services.parent_decision_record(
            actor=request.membership,
            case=case,
            parent=d["person"],
            choice=d["choice"],
            language=d["language"],
            interpreter_used=d["interpreter_used"],
            counsel_present=d["counsel_present"],
            form=d["form"],
            decided_at=_at(d["decided_on"]),
        ),
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def outreach_add(request, public_id):
    return _record(
        request,
        public_id,
        "outreach",
        lambda case, d: services.outreach_attempt_record(
            actor=request.membership,
            case=case,
            person=d["person"],
            channel=d["channel"],
            outcome=d["outcome"],
            at=timezone.now(),
            country=d["country"],
            department=d["department"],
            municipality=d["municipality"],
            language=d["language"],
            notes=d["notes"],
        ),
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def document_upload(request, public_id):
    def upload(case, d):
        uploaded = d["file"]
        if uploaded.size > settings.CASE_DOCUMENT_MAX_BYTES:  # refuse before reading it
            raise Invalid(_("The file is too large."), code="too_large")
        services.case_document_upload(
            actor=request.membership,
            case=case,
            file_name=uploaded.name,
            data=uploaded.read(),
            now=timezone.now(),
        )

    return _record(request, public_id, "document", upload)


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def task_done(request, public_id):
    task = access_task(actor=request.membership, public_id=public_id, write=True)
    try:
        services.task_complete(actor=request.membership, task=task, now=timezone.now())
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect(reverse("cases:detail", kwargs={"public_id": task.case.public_id}) + "#task")


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def flag_review(request, public_id):
    flag = access_eligibility_flag(actor=request.membership, public_id=public_id, write=True)
    form = forms.FlagReviewForm(request.POST, prefix=str(flag.public_id))
    if form.is_valid():
        status, challenge = form.cleaned_data["status"], form.cleaned_data["challenge_status"]
        try:
            if status and status != flag.status:
                flag = services.eligibility_flag_review(
                    actor=request.membership, flag=flag, status=status, now=timezone.now()
                )
            if challenge and challenge != flag.challenge_status:
                services.eligibility_flag_challenge(
                    actor=request.membership,
                    flag=flag,
                    challenge_status=challenge,
                    now=timezone.now(),
                )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Recorded."))
    return redirect(reverse("cases:detail", kwargs={"public_id": flag.case.public_id}) + "#flag")


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def decision_revoke(request, public_id):
    decision = access_parent_decision(actor=request.membership, public_id=public_id, write=True)
    form = forms.RevokeForm(request.POST, prefix=str(decision.public_id))
    if not form.is_valid():
        messages.error(request, _("Say why the decision is revoked."))
    else:
        try:
            services.parent_decision_revoke(
                actor=request.membership,
                decision=decision,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The decision is revoked."))
    url = reverse("cases:detail", kwargs={"public_id": decision.case.public_id})
    return redirect(url + "#decision")


@require_GET
@member_view(Capability.VIEW_CLIENTS)
def document(request, public_id):
    """The bytes, only through the gate: always a download, never rendered in the
    portal's origin, never cached."""
    doc = access_case_document(actor=request.membership, public_id=public_id)
    try:
        data = services.case_document_open(actor=request.membership, document=doc)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", public_id=doc.case.public_id)
    response = HttpResponse(data, content_type=doc.content_type)
    response["Content-Disposition"] = content_disposition_header(True, doc.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def disbursement_request(request, public_id):
    """Ask the funds for money for this case (a bond for a detained parent, travel, phone
    or commissary credit); finance officers approve and pay it from the queue."""
    case = access_case(actor=request.membership, public_id=public_id, write=True)
    members = selectors.case_members(case)
    parents = [(pid, pid) for pid, m in members.items() if m.role == MemberRole.ADULT]
    form = DisbursementRequestForm(request.POST, parents=parents)
    if form.is_valid():
        data = form.cleaned_data
        is_bond = data["kind"] == DisbursementKind.BOND
        try:
            services.case_disbursement_request(
                actor=request.membership,
                case=case,
                kind=data["kind"],
                amount_cents=data["amount"],
                fund=data["fund"],
                parent=members[data["person"]].person if is_bond else None,
                facility=data["facility"] if is_bond else "",
                obligor=data["obligor"] if is_bond else "",
                receipt_number=data["receipt_number"] if is_bond else "",
                details=data["details"],
            )
        except (Invalid, Conflict, Forbidden) as exc:
            form.add_error(None, exc.message)
        else:
            return _done(
                request, case, _("Requested: it waits for a finance officer's approval."), "#money"
            )
    return _page(request, case, {"disbursement": form}, status=400)


# At most this many people are offered at once when opening a case by hand: a search
# narrows them (the registry can hold many thousands).
PICK_LIMIT = 50


def _uuids(values) -> list[str]:
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


@require_http_methods(["GET", "POST"])
@member_view(Capability.EDIT_CLIENTS)
def case_new(request):
    """Open a case by hand: tick the family's children and adults among the clients the
    organisation can see (search to narrow; ticks survive a search), assign its staff."""
    actor = request.membership
    data = request.POST if request.method == "POST" else request.GET
    # Names are searched by POST only: never from the address (ASVS 14.2.1).
    query = (request.POST.get("q") or "").strip()[:200]
    ticked = _uuids([*data.getlist("children"), *data.getlist("adults")])
    found = list(people_selectors.person_list(actor=actor, query=query)[:PICK_LIMIT])
    seen = {str(p.public_id) for p in found}
    missing = [pid for pid in ticked if pid not in seen]
    if missing:
        found += list(
            visible_people(actor=actor).filter(public_id__in=missing, deleted_at__isnull=True)
        )
    busy = selectors.people_in_open_cases(actor=actor, people=found)
    record(  # the names offered are client data: reading them is recorded
        event_type=EventType.PEOPLE_LISTED,
        actor=request.user,
        organization=actor.organization,
        data={"count": len(found), "searched": bool(query), "page": "case_new"},
    )

    def label(person) -> str:
        name = " ".join(
            filter(None, [person.given_names, person.paternal_surname, person.maternal_surname])
        ) or _("(no name recorded)")
        parts = [name]
        if person.birth_date:
            parts.append(_("born %(date)s") % {"date": person.birth_date})
        if person.organization_id != actor.organization_id:
            parts.append(_("shared by %(org)s") % {"org": person.organization.name})
        if person.pk in busy:
            parts.append(_("already in an open case"))
        return " · ".join(parts)

    children = [(str(p.public_id), label(p)) for p in found if p.family_role == FamilyRole.CHILD]
    adults = [(str(p.public_id), label(p)) for p in found if p.family_role != FamilyRole.CHILD]
    staff = list(selectors.case_staff(actor=actor))
    kwargs = {"children": children, "adults": adults, "staff": staff}
    status = 200
    if request.method == "POST" and data.get("action") == "open":
        form = forms.CaseOpenForm(request.POST, **kwargs)
        if form.is_valid():
            people = {str(p.public_id): p for p in found}
            by_id = {str(u.public_id): u for u in staff}
            try:
                case = services.case_open(
                    actor=actor,
                    children=[people[pid] for pid in form.cleaned_data["children"]],
                    adults=[people[pid] for pid in form.cleaned_data["adults"]],
                    attorney=by_id.get(form.cleaned_data["attorney"]),
                    assistant=by_id.get(form.cleaned_data["assistant"]),
                    now=timezone.now(),
                )
            except (Invalid, Conflict) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Case %(reference)s is open.") % {"reference": case.reference}
                )
                return redirect("cases:detail", public_id=case.public_id)
        status = 400
    else:  # the first visit, or a search: keep what was ticked and chosen
        me = str(actor.user.public_id) if actor.role == Role.ATTORNEY else ""
        initial = {
            "q": query,
            "children": [pid for pid in ticked if pid in dict(children)],
            "adults": [pid for pid in ticked if pid in dict(adults)],
            "attorney": data.get("attorney", me),
            "assistant": data.get("assistant", ""),
        }
        form = forms.CaseOpenForm(initial=initial, **kwargs)
    context = {"form": form, "query": query, "limit": PICK_LIMIT, "offered": len(found)}
    return render(request, "cases/case_new.html", context, status=status)
