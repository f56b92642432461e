"""The registry's pages: the people list, the two intake flows, the person page and the
small forms that change one part of a record. Each view parses, passes the gate, calls a
service or selector, and responds."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from reunite.accounts.access import has
from reunite.accounts.decorators import member_view, require_step_up
from reunite.accounts.roles import Capability
from reunite.accounts.selectors import member_list, other_organizations
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto
from reunite.core.errors import Conflict, Invalid
from reunite.people import retention, selectors, services
from reunite.people.access import access_person, access_person_history, is_owner
from reunite.people.choices import LANGUAGES, CustodyKind, FamilyRole, IdentifierKind, Relationship
from reunite.people.forms import (
    ConsentForm,
    ContactForm,
    CustodyForm,
    IdentifierAddForm,
    IdentifierFormSet,
    IntakeConsentForm,
    NameForm,
    PageForm,
    PersonEditForm,
    PersonForm,
    RecordIdForm,
    RelativeFormSet,
    SearchForm,
    SeparationForm,
    ShareForm,
    typed_values,
)
from reunite.people.identifiers import display_identifier

PARENTAL = {Relationship.MOTHER, Relationship.FATHER, Relationship.GUARDIAN}
PAGE_SIZE = 25
HISTORY_SIZE = 50
LANGUAGE_NAMES = dict(LANGUAGES)


# --- The list --------------------------------------------------------------------------


# Search terms are names and A-numbers: they never travel in a URL, where a proxy log or
# the browser history would keep them (ASVS 14.2.1). The form posts them; the session
# keeps the last few under short random tokens, and the results page is `?s=<token>`.
# The session table is in the database: the terms are sealed there like any client value.
SESSION_SEARCHES = "reunite.people.searches"
SEARCHES_KEPT = 20


def _search_context(request) -> str:
    return f"people.search:{request.user.pk}"


def _search_stash(request, query: str) -> str:
    searches = dict(request.session.get(SESSION_SEARCHES) or {})
    token = secrets.token_urlsafe(6)
    searches[token] = crypto.seal(query, context=_search_context(request))
    request.session[SESSION_SEARCHES] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _search_stashed(request, token: str) -> str | None:
    sealed = (request.session.get(SESSION_SEARCHES) or {}).get(token)
    if sealed is None:
        return None
    try:
        return crypto.unseal(sealed, context=_search_context(request))
    except crypto.DecryptionError:  # sealed under a key since retired
        return None


@require_http_methods(["GET", "HEAD", "POST"])
@member_view(Capability.VIEW_CLIENTS)
def person_list(request):
    """Newest first, or best match first when searching. The pager counts nothing: it
    fetches one row more than a page to know whether there is a next one, so a page
    costs the same at 100 people or 100,000."""
    actor = request.membership
    if request.method == "POST":
        form = SearchForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("q", [])))
            return redirect("people:list")
        query = form.cleaned_data["q"].strip()
        if not query:
            return redirect("people:list")
        token = _search_stash(request, query)
        return redirect(f"{reverse('people:list')}?s={token}")
    if "q" in request.GET:
        # An old link or bookmark: the terms are not read from the address any more.
        messages.info(request, _("Type your search in the search box."))
        return redirect("people:list")
    query, token = "", request.GET.get("s", "")[:16]
    if token:
        query = _search_stashed(request, token)
        if query is None:
            messages.info(
                request,
                _("That search is no longer kept (it ends with your session): search again."),
            )
            query, token = "", ""
    form = SearchForm(initial={"q": query})
    page = PageForm(request.GET)
    number = (page.cleaned_data["page"] or 1) if page.is_valid() else 1
    start = (number - 1) * PAGE_SIZE
    people = list(selectors.person_list(actor=actor, query=query)[start : start + PAGE_SIZE + 1])
    has_next, people = len(people) > PAGE_SIZE, people[:PAGE_SIZE]
    today = timezone.localdate()
    rows = []
    for person in people:
        custody = selectors.current_custody(person)
        rows.append(
            {
                "person": person,
                "custody": custody,
                "stale": selectors.is_stale(custody, today=today),
                "shared_by": person.organization
                if person.organization_id != actor.organization_id
                else None,
            }
        )
    record(
        event_type=EventType.PEOPLE_LISTED,
        actor=request.user,
        organization=actor.organization,
        data={"count": len(rows), "searched": bool(query)},
    )
    context = {
        "form": form,
        "query": query,
        "search_token": token,
        "rows": rows,
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if has_next else None,
    }
    return render(request, "people/person_list.html", context)


# --- Intake ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeKind:
    family_role: str
    title: str
    client_legend: str
    relatives_legend: str
    relatives_hint: str
    relative_noun: str
    add_relative: str
    relationships: tuple[str, ...]
    relationship_label: str
    identifier_kind: str
    custody_kind: str


PARENT = IntakeKind(
    family_role=FamilyRole.PARENT,
    title=gettext_lazy("New client: a parent"),
    client_legend=gettext_lazy("The parent"),
    relatives_legend=gettext_lazy("The children the parent is looking for"),
    relatives_hint=gettext_lazy(
        "As the parent describes them: spellings and dates as the parent gives them."
    ),
    relative_noun=gettext_lazy("Child"),
    add_relative=gettext_lazy("Add another child"),
    relationships=(Relationship.MOTHER, Relationship.FATHER, Relationship.GUARDIAN),
    relationship_label=gettext_lazy("The parent is the child's"),
    identifier_kind=IdentifierKind.A_NUMBER,
    custody_kind=CustodyKind.ICE,
)
CHILD = IntakeKind(
    family_role=FamilyRole.CHILD,
    title=gettext_lazy("New client: a child"),
    client_legend=gettext_lazy("The child"),
    relatives_legend=gettext_lazy("The parents or relatives the child names"),
    relatives_hint=gettext_lazy(
        "As the child names them: nicknames and partial names are useful too."
    ),
    relative_noun=gettext_lazy("Relative"),
    add_relative=gettext_lazy("Add another relative"),
    relationships=tuple(Relationship.values),
    relationship_label=gettext_lazy("This person is the child's"),
    identifier_kind=IdentifierKind.ORR,
    custody_kind=CustodyKind.ORR,
)


class IntakeForms:
    """The forms of one intake page, bound to a POST or blank (or re-shown unbound with
    what was typed, after an "add another" button)."""

    def __init__(self, kind: IntakeKind, data=None, *, initial=None, rows=None):
        initial = initial or {}
        rows = rows or {}
        self.family_role = kind.family_role
        relative_kwargs = {
            "relationships": kind.relationships,
            "relationship_label": kind.relationship_label,
        }
        self.person = PersonForm(
            data, prefix="person", family_role=kind.family_role, initial=initial.get("person")
        )
        self.identifiers = IdentifierFormSet(
            data, prefix="ids", rows=rows.get("ids") or [{"kind": kind.identifier_kind}] * 2
        )
        self.custody = CustodyForm(
            data,
            prefix="custody",
            optional=True,
            with_end=False,
            initial=initial.get("custody") or {"kind": kind.custody_kind},
        )
        self.consent = IntakeConsentForm(data, prefix="consent", initial=initial.get("consent"))
        self.separation = SeparationForm(
            data, prefix="separation", initial=initial.get("separation")
        )
        self.relatives = RelativeFormSet(
            data, prefix="relatives", rows=rows.get("relatives"), form_kwargs=relative_kwargs
        )

    @property
    def single(self):
        return [self.person, self.custody, self.consent, self.separation]

    def is_valid(self) -> bool:
        results = [f.is_valid() for f in self.single] + [
            self.identifiers.is_valid(),
            self.relatives.is_valid(),
        ]
        return all(results)

    def relatives_input(self):
        """(description, relationship) of each filled row. A parent's relatives are their
        children; a child's are parents or guardians, or other relatives."""
        found = []
        for form in self.relatives.filled():
            data, relationship = form.person_input(), form.cleaned_data["relationship"]
            if self.family_role == FamilyRole.PARENT:
                data.family_role = FamilyRole.CHILD
            elif relationship in PARENTAL:
                data.family_role = FamilyRole.PARENT
            else:
                data.family_role = FamilyRole.RELATIVE
            found.append((data, relationship))
        return found

    def with_another_row(self, kind: IntakeKind, which: str) -> IntakeForms:
        """Unbound forms holding everything typed, with one more empty row in `which`."""
        initial = {
            name: typed_values(getattr(self, name))
            for name in ("person", "custody", "consent", "separation")
        }
        rows = {"ids": self.identifiers.typed_rows(), "relatives": self.relatives.typed_rows()}
        limit = {"ids": self.identifiers.max_num, "relatives": self.relatives.max_num}
        if which in rows and len(rows[which]) < limit[which]:
            rows[which].append({"kind": kind.identifier_kind} if which == "ids" else {})
        return IntakeForms(kind, initial=initial, rows=rows)

    def error_summary(self, kind: IntakeKind) -> list[dict]:
        """Every error, in page order, with the id of its field for the summary's links."""
        summary = []

        def add(form, label_prefix=""):
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                anchor = f"id_{form.add_prefix(name)}" if field else ""
                for message in errors:
                    # "Date of birth: use YYYY-MM-DD..." already names its field.
                    named = field is None or str(message).lower().startswith(
                        str(field.label).lower()
                    )
                    label = label_prefix.rstrip(": ") if named else f"{label_prefix}{field.label}"
                    summary.append({"anchor": anchor, "label": label, "message": message})

        add(self.person, f"{kind.client_legend}: ")
        for i, form in enumerate(self.identifiers.forms, 1):
            add(form, _("Identifier %(n)s: ") % {"n": i})
        for error in self.identifiers.non_form_errors():
            summary.append({"anchor": "", "label": _("Identifiers"), "message": error})
        add(self.custody, _("Custody: "))
        add(self.consent, _("Consent: "))
        add(self.separation, _("Separation: "))
        for i, form in enumerate(self.relatives.forms, 1):
            add(form, f"{kind.relative_noun} {i}: ")
        for error in self.relatives.non_form_errors():
            summary.append({"anchor": "", "label": kind.relatives_legend, "message": error})
        return summary

    def place_domain_error(self, exc: Invalid | Conflict) -> None:
        """A service's error goes next to the field its code names, else to the summary."""
        for form in (self.person, self.custody, self.separation):
            if exc.code in form.fields:
                form.add_error(exc.code, exc.message)
                return
        self.person.add_error(None, exc.message)


def _intake(request, kind: IntakeKind):
    actor = request.membership
    forms = IntakeForms(kind, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        add = request.POST.get("add")
        if add in {"ids", "relatives"}:
            forms = forms.with_another_row(kind, add)
        elif forms.is_valid():
            try:
                person = services.intake(
                    actor=actor,
                    client=forms.person.person_input(),
                    relatives=forms.relatives_input(),
                    identifiers=[
                        (f.cleaned_data["kind"], f.cleaned_data["value"])
                        for f in forms.identifiers.filled()
                    ],
                    custody=forms.custody.custody_input(),
                    separation=forms.separation.separation_input(),
                    consents=forms.consent.consent_inputs(),
                    today=timezone.localdate(),
                    now=timezone.now(),
                )
            except (Invalid, Conflict) as exc:
                forms.place_domain_error(exc)
                status = 400
            else:
                described = len(forms.relatives.filled())
                messages.success(
                    request,
                    ngettext(
                        "Client registered, with %(n)s relative as described.",
                        "Client registered, with %(n)s relatives as described.",
                        described,
                    )
                    % {"n": described},
                )
                return redirect("people:detail", public_id=person.public_id)
        else:
            status = 400
    summary = forms.error_summary(kind) if status == 400 else []
    context = {"forms": forms, "kind": kind, "summary": summary}
    return render(request, "people/intake.html", context, status=status)


@member_view(Capability.EDIT_CLIENTS)
def intake_parent(request):
    return _intake(request, PARENT)


@member_view(Capability.EDIT_CLIENTS)
def intake_child(request):
    return _intake(request, CHILD)


# --- The person page -------------------------------------------------------------------

SMALL_FORMS = (
    "name_form",
    "identifier_form",
    "custody_form",
    "contact_form",
    "consent_form",
    "share_form",
)


def ids(key: str) -> str:
    """The `auto_id` of one of the person page's small forms: several have fields of the
    same name (kind, source...), and one page must not hold two elements with one id (a
    label would name the wrong field)."""
    return "id_" + key.removesuffix("_form") + "-%s"


def _person_page(request, person, *, forms=None, status=200):
    """Render the person page (with `forms` holding a small form re-shown with its errors)
    and record which fields were shown."""
    actor = request.membership
    person = selectors.person_detail(person=person)
    today = timezone.localdate()
    owner = is_owner(actor=actor, person=person)
    custody_events = list(person.custody_events.all())
    current = selectors.current_custody(person)
    can_edit = has(actor, Capability.EDIT_CLIENTS)
    show_history = owner and has(actor, Capability.VIEW_AUDIT)
    forms = forms or {}
    defaults = {
        "name_form": NameForm(auto_id=ids("name_form")),
        "identifier_form": IdentifierAddForm(auto_id=ids("identifier_form")),
        "custody_form": CustodyForm(
            initial={"last_verified_on": today}, auto_id=ids("custody_form")
        ),
        "contact_form": ContactForm(auto_id=ids("contact_form")),
        "consent_form": ConsentForm(auto_id=ids("consent_form")),
        "share_form": None,
    }
    if owner and can_edit:
        defaults["share_form"] = ShareForm(
            organizations=other_organizations(actor=actor), auto_id=ids("share_form")
        )
    context = {name: forms.get(name, default) for name, default in defaults.items()}
    context["open_form"] = next(iter(forms), "")
    history, names = [], {}
    if show_history:
        history = list(selectors.access_history(person=person, limit=HISTORY_SIZE))
        names = {m.user.public_id: m.user.full_name for m in member_list(actor=actor)}
    context.update(
        {
            "person": person,
            "owner": owner,
            "can_edit": can_edit,
            "can_verify": actor.is_verified_attorney and has(actor, Capability.CONFIRM_MATCHES),
            "spoken_languages": [
                LANGUAGE_NAMES.get(code, code) for code in person.languages.split(",") if code
            ],
            "identifiers": [
                (i, display_identifier(i.kind, i.value)) for i in person.identifiers.all()
            ],
            "current": current,
            "stale": selectors.is_stale(current, today=today),
            "custody_events": custody_events,
            "history": [(event, names.get(event.actor_id, "")) for event in history],
            "show_history": show_history,
            "active_shares": [s for s in person.shares.all() if s.revoked_at is None],
            "consents": [
                (c, LANGUAGE_NAMES.get(c.language, c.language)) for c in person.consents.all()
            ],
        }
    )
    shown = [
        "given_names",
        "paternal_surname",
        "maternal_surname",
        "sex",
        "birth_date",
        "approximate_age",
        "country_of_birth",
        "place_of_birth",
        "languages",
        "needs_interpreter",
        "notes",
        "other_names",
        "identifiers",
        "custody",
        "separations",
        "family_links",
        "contacts",
        "consents",
    ]
    services.person_viewed(actor=actor, person=person, shown=shown)
    return render(request, "people/person_detail.html", context, status=status)


@member_view(Capability.VIEW_CLIENTS)
def person_detail(request, public_id):
    person = access_person(actor=request.membership, public_id=public_id)
    return _person_page(request, person)


@member_view()  # the gate checks the audit capability (and answers 404 to others)
def person_history(request, public_id):
    """The access history alone, for auditors (who may not read the record itself)."""
    actor = request.membership
    person = access_person_history(actor=actor, public_id=public_id)
    events = list(selectors.access_history(person=person, limit=HISTORY_SIZE))
    names = {m.user.public_id: m.user.full_name for m in member_list(actor=actor)}
    record(
        event_type=EventType.AUDIT_VIEWED,
        actor=request.user,
        organization=actor.organization,
        target=person,
        data={"page": "person_history"},
    )
    context = {"person": person, "history": [(e, names.get(e.actor_id, "")) for e in events]}
    return render(request, "people/person_history.html", context)


@member_view(Capability.EDIT_CLIENTS)
def person_edit(request, public_id):
    actor = request.membership
    person = access_person(actor=actor, public_id=public_id, write=True)
    if person.deleted_at is not None:
        return _deleted(request, person)
    kwargs = {"prefix": "person", "family_role": person.family_role, "kind": person.kind}
    if request.method == "POST":
        form = PersonEditForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                changed = services.person_update(
                    actor=actor, person=person, data=form.person_input(), seen=form.seen_digests()
                )
            except (Invalid, Conflict) as exc:
                form.add_error(exc.code if exc.code in form.fields else None, exc.message)
            else:
                messages.success(request, _("Saved.") if changed else _("Nothing changed."))
                return redirect("people:detail", public_id=person.public_id)
    else:
        initial = PersonForm.initial_for(person) | {"seen": PersonEditForm.seen_for(person)}
        form = PersonEditForm(initial=initial, **kwargs)
    status = 400 if form.is_bound else 200
    services.person_viewed(actor=actor, person=person, shown=[n for n in form.fields])
    return render(
        request, "people/person_edit.html", {"person": person, "form": form}, status=status
    )


# --- Small forms on the person page ----------------------------------------------------


def _deleted(request, person):
    messages.error(request, _("This record is deleted. Restore it before changing it."))
    return redirect("people:detail", public_id=person.public_id)


def _small_form(request, public_id, *, form, key, action, success, anchor):
    """Gate for writing, parse, call; on error re-show the person page with the form
    open and everything typed in it."""
    person = access_person(actor=request.membership, public_id=public_id, write=True)
    if person.deleted_at is not None:
        return _deleted(request, person)
    if form.is_valid():
        try:
            action(person, form.cleaned_data)
        except (Invalid, Conflict) as exc:
            form.add_error(exc.code if exc.code in form.fields else None, exc.message)
        else:
            messages.success(request, success)
            return redirect(
                reverse("people:detail", kwargs={"public_id": person.public_id}) + f"#{anchor}"
            )
    return _person_page(request, person, forms={key: form}, status=400)


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def name_add(request, public_id):
    actor = request.membership
    return _small_form(
        request,
        public_id,
        form=NameForm(request.POST, auto_id=ids("name_form")),
        key="name_form",
        action=lambda person, data: services.name_add(actor=actor, person=person, **data),
        success=_("Name recorded."),
        anchor="names",
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def identifier_add(request, public_id):
    actor = request.membership

    def action(person, data):
        services.identifier_add(
            actor=actor,
            person=person,
            kind=data["kind"],
            value=data["value"],
            source=data["source"],
        )

    return _small_form(
        request,
        public_id,
        form=IdentifierAddForm(request.POST, auto_id=ids("identifier_form")),
        key="identifier_form",
        action=action,
        success=_("Identifier recorded."),
        anchor="identifiers",
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def custody_add(request, public_id):
    actor = request.membership
    form = CustodyForm(request.POST, auto_id=ids("custody_form"))
    return _small_form(
        request,
        public_id,
        form=form,
        key="custody_form",
        action=lambda person, data: services.custody_record(
            actor=actor, person=person, data=form.custody_input()
        ),
        success=_("Custody recorded."),
        anchor="custody",
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def contact_add(request, public_id):
    actor = request.membership
    return _small_form(
        request,
        public_id,
        form=ContactForm(request.POST, auto_id=ids("contact_form")),
        key="contact_form",
        action=lambda person, data: services.contact_add(actor=actor, person=person, **data),
        success=_("Contact recorded."),
        anchor="contacts",
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def consent_add(request, public_id):
    actor = request.membership
    form = ConsentForm(request.POST, auto_id=ids("consent_form"))
    return _small_form(
        request,
        public_id,
        form=form,
        key="consent_form",
        action=lambda person, data: services.consent_record(
            actor=actor, person=person, data=form.consent_input(), now=timezone.now()
        ),
        success=_("Consent recorded."),
        anchor="consent",
    )


def _one_of(items, form):
    """The item of the (gated, prefetched) record named by the posted id, else 404."""
    if form.is_valid():
        for item in items:
            if item.public_id == form.cleaned_data["record"]:
                return item
    raise Http404


def _record_action(request, public_id, *, items, action, success, anchor, owner_only=False):
    actor = request.membership
    person = access_person(actor=actor, public_id=public_id, write=True)
    if owner_only and not is_owner(actor=actor, person=person):
        raise Http404
    if person.deleted_at is not None:
        return _deleted(request, person)
    item = _one_of(items(selectors.person_detail(person=person)), RecordIdForm(request.POST))
    try:
        action(item)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(reverse("people:detail", kwargs={"public_id": person.public_id}) + f"#{anchor}")


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def consent_withdraw(request, public_id):
    actor = request.membership
    return _record_action(
        request,
        public_id,
        items=lambda person: person.consents.all(),
        action=lambda consent: services.consent_withdraw(
            actor=actor, consent=consent, now=timezone.now()
        ),
        success=_("Consent withdrawn."),
        anchor="consent",
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def link_verify(request, public_id):
    actor = request.membership
    return _record_action(
        request,
        public_id,
        items=lambda person: [*person.family_links.all(), *person.relative_links.all()],
        action=lambda link: services.family_link_verify(actor=actor, link=link, now=timezone.now()),
        success=_("Family link verified."),
        anchor="family",
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def share_revoke(request, public_id):
    actor = request.membership
    return _record_action(
        request,
        public_id,
        items=lambda person: [s for s in person.shares.all() if s.revoked_at is None],
        action=lambda share: services.share_revoke(actor=actor, share=share, now=timezone.now()),
        success=_("Sharing revoked."),
        anchor="shares",
        owner_only=True,
    )


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def share_grant(request, public_id):
    actor = request.membership
    organizations = list(other_organizations(actor=actor))
    form = ShareForm(request.POST, organizations=organizations, auto_id=ids("share_form"))
    by_id = {str(o.public_id): o for o in organizations}
    person = access_person(actor=actor, public_id=public_id, write=True)
    if not is_owner(actor=actor, person=person):
        raise Http404
    require_step_up(request)  # opening a client to another organisation
    return _small_form(
        request,
        public_id,
        form=form,
        key="share_form",
        action=lambda person, data: services.share_grant(
            actor=actor,
            person=person,
            organization=by_id[data["organization"]],
            level=data["level"],
        ),
        success=_("Record shared."),
        anchor="shares",
    )


# --- Delete and restore ----------------------------------------------------------------


@member_view(Capability.EDIT_CLIENTS)
def person_delete(request, public_id):
    """A confirmation page, then a soft delete (restorable for the restore window)."""
    actor = request.membership
    person = access_person(actor=actor, public_id=public_id, write=True)
    if not is_owner(actor=actor, person=person):
        raise Http404
    if person.deleted_at is not None:
        return redirect("people:detail", public_id=person.public_id)
    if request.method == "POST":
        require_step_up(request)
        try:
            retention.person_delete(actor=actor, person=person, now=timezone.now())
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("people:detail", public_id=person.public_id)
        messages.success(
            request, _("Record deleted. It can be restored from its page for a while.")
        )
        return redirect("people:list")
    return render(request, "people/person_delete.html", {"person": person})


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def person_restore(request, public_id):
    actor = request.membership
    person = access_person(actor=actor, public_id=public_id, write=True)
    try:
        retention.person_restore(actor=actor, person=person, now=timezone.now())
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Record restored."))
    return redirect("people:detail", public_id=person.public_id)
