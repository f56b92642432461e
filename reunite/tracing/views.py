"""Match candidates: the list, one candidate side by side, the review, notifications."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reunite.accounts.decorators import member_view
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, Forbidden, Invalid
from reunite.people.access import access_person
from reunite.people.selectors import current_custody
from reunite.tracing import selectors, services
from reunite.tracing.access import access_match
from reunite.tracing.explain import describe
from reunite.tracing.forms import MatchFilterForm, ReviewForm

PERSON_FIELDS = [
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "sex",
    "birth_date",
    "approximate_age",
    "country_of_birth",
]


def _sides(actor, match):
    """(ours, theirs) records, from the actor's point of view."""
    side = services.side_of(actor=actor, match=match)
    if side == "candidate":
        return match.candidate, match.subject
    return match.subject, match.candidate


@member_view(Capability.VIEW_CLIENTS)
def match_list(request):
    form = MatchFilterForm(request.GET or None)
    valid = form.is_valid()
    status, person = (
        (form.cleaned_data["status"], form.cleaned_data["person"]) if valid else ("", None)
    )
    matches = selectors.match_list(actor=request.membership, status=status)
    if person:
        # Through the person's gate: another organisation's id gives a 404 here too.
        matches = selectors.matches_for_person(
            actor=request.membership,
            person=access_person(actor=request.membership, public_id=person),
        )
    page = Paginator(matches, 25).get_page(request.GET.get("page"))
    rows = []
    for match in page:
        ours, theirs = _sides(request.membership, match)
        rows.append(
            {
                "match": match,
                "ours": ours,
                "theirs": theirs,
                "disclosed": services.is_disclosed(actor=request.membership, match=match),
            }
        )
    record(
        event_type=EventType.MATCH_VIEWED,
        actor=request.user,
        organization=request.membership.organization,
        data={"list": True, "count": len(rows)},
    )
    return render(request, "tracing/match_list.html", {"form": form, "page": page, "rows": rows})


def _detail_context(request, match, form=None):
    actor = request.membership
    ours, theirs = _sides(actor, match)
    disclosed = services.is_disclosed(actor=actor, match=match)
    reviews = [
        (review, review.organization_id == actor.organization_id)
        for review in match.reviews.select_related("reviewer", "organization")
    ]
    return {
        "match": match,
        "ours": ours,
        "ours_custody": current_custody(ours),
        "theirs": theirs if disclosed else None,
        "theirs_custody": current_custody(theirs) if disclosed else None,
        "summary": None if disclosed else services.summary(theirs, today=timezone.localdate()),
        "evidence": [describe(c) for c in match.contributions],
        # Who is looking for the sought person: the client(s) who described them.
        "seekers": [
            (p, current_custody(p))
            for p in services.clients_of(match.subject)
            if disclosed or p.organization_id == actor.organization_id
        ],
        "disclosed": disclosed,
        "cross": match.is_cross_organization,
        "reviews": reviews,
        "reviewable": services.is_reviewable(match),
        "form": form or ReviewForm(),
        "can_confirm": actor.is_verified_attorney,
    }


@member_view(Capability.VIEW_CLIENTS)
def match_detail(request, public_id):
    match = access_match(actor=request.membership, public_id=public_id)
    context = _detail_context(request, match)
    shown = PERSON_FIELDS + ([f"other.{f}" for f in PERSON_FIELDS] if context["disclosed"] else [])
    record(
        event_type=EventType.MATCH_VIEWED,
        actor=request.user,
        organization=request.membership.organization,
        target=match,
        fields=shown,
    )
    return render(request, "tracing/match_detail.html", context)


@require_POST
@member_view(Capability.VIEW_CLIENTS)
def match_review(request, public_id):
    match = access_match(actor=request.membership, public_id=public_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.candidate_review(
                actor=request.membership,
                match=match,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except Invalid as exc:
            form.add_error("reason" if exc.code == "reason" else None, exc.message)
        except (Forbidden, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("tracing:match", public_id=match.public_id)
    match.refresh_from_db()
    return render(
        request, "tracing/match_detail.html", _detail_context(request, match, form), status=400
    )


@member_view()
def notification_list(request):
    notifications = list(selectors.notification_list(user=request.user))
    if request.method == "POST":
        services.notifications_mark_read(user=request.user, now=timezone.now())
        return redirect("tracing:notifications")
    return render(request, "tracing/notifications.html", {"notifications": notifications})
