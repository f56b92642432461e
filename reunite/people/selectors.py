"""Reads of the registry, always scoped by the actor."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from reunite.accounts.models import Membership
from reunite.audit.models import AuditEvent
from reunite.people import search
from reunite.people.access import visible_people
from reunite.people.models import CustodyEvent, FamilyLink, Person, SearchKey


def person_list(*, actor: Membership, query: str = "") -> QuerySet[Person]:
    """Visible, not deleted people; a query matches every word against any recorded name
    (exactly or by sound, any order, accents and case ignored) or any identifier.
    Exact-spelling matches come first."""
    people = visible_people(actor=actor).filter(deleted_at__isnull=True)
    query = query.strip()
    if query:
        words = search.query_digests(query)
        by_identifier = search.identifier_query_digests(query)
        name_match = Q(pk__isnull=False) if words else Q(pk__isnull=True)
        for exact, sounds_like in words:
            name_match &= Q(pk__in=SearchKey.objects.filter(digest__in=[exact, sounds_like]).values("person"))
        id_match = Q(pk__in=SearchKey.objects.filter(digest__in=by_identifier).values("person"))
        people = people.filter(name_match | id_match)
        exact = [pair[0] for pair in words] + list(by_identifier)
        people = people.annotate(
            exact_hits=Count("search_keys", filter=Q(search_keys__digest__in=exact))
        ).order_by("-exact_hits", "-created_at")
    return people.select_related("organization").prefetch_related(
        Prefetch("custody_events", queryset=CustodyEvent.objects.order_by("-start_date", "-created_at"))
    )


def person_detail(*, person: Person) -> Person:
    """The person with everything the person page shows, in a fixed number of queries."""
    return (
        Person.objects.filter(pk=person.pk)
        .select_related("organization", "created_by")
        .prefetch_related(
            "other_names",
            "identifiers",
            "custody_events",
            "contacts",
            "consents__recorded_by",
            "shares__organization",
            Prefetch("family_links", queryset=FamilyLink.objects.select_related("relative")),
            Prefetch("relative_links", queryset=FamilyLink.objects.select_related("person")),
            "separations",
        )
        .get()
    )


def current_custody(person: Person) -> CustodyEvent | None:
    """The open custody event that started last, else the latest event (prefetched)."""
    events = list(person.custody_events.all())
    open_events = [e for e in events if e.end_date is None]
    return (open_events or events or [None])[0]


def is_stale(event: CustodyEvent | None, *, today: date) -> bool:
    """Custody information not verified for CUSTODY_STALE_DAYS days is flagged."""
    if event is None:
        return False
    verified = event.last_verified_on or event.start_date
    return verified is None or today - verified > timedelta(days=settings.CUSTODY_STALE_DAYS)


def access_history(*, person: Person, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_id=str(person.public_id)).order_by("-seq")[:limit]
