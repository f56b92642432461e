"""Reads of the registry, always scoped by the actor."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from reunite.accounts.models import Membership
from reunite.audit.models import AuditEvent
from reunite.people import search
from reunite.people.access import visible_people
from reunite.people.models import CustodyEvent, FamilyLink, Person, SearchKey


class RankedPeople:
    """Search results: people spelled exactly as typed first, then those matching by sound,
    each group newest first. Slicing runs two queries that walk the primary-key index and
    stop after the page, so a page costs the same at 1,000 or 100,000 people (one ORDER BY
    over a computed rank had to sort every match first)."""

    def __init__(self, exact: QuerySet[Person], others: QuerySet[Person]) -> None:
        self.exact, self.others = exact, others

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            return list(self)[start:]
        page = list(self.exact[start:stop])
        if len(page) < stop - start:
            exact_count = start + len(page) if page else self.exact.count()
            skip = max(0, start - exact_count)
            page += list(self.others[skip : skip + stop - start - len(page)])
        return page

    def __iter__(self):
        yield from self.exact
        yield from self.others

    def __len__(self) -> int:
        return self.exact.count() + self.others.count()


def person_list(*, actor: Membership, query: str = "") -> QuerySet[Person] | RankedPeople:
    """Visible, not deleted people, newest first; a query matches every word against any
    recorded name (exactly or by sound, any order, accents and case ignored) or any
    identifier, exact spellings first (see RankedPeople).

    Ordered by primary key, which follows creation: the databases walk it backwards and
    stop after a page, where sorting by a timestamp would sort every row.
    """
    people = (
        visible_people(actor=actor)
        .filter(deleted_at__isnull=True)
        .select_related("organization")
        .prefetch_related(
            Prefetch("custody_events", queryset=CustodyEvent.objects.order_by("-start_date", "-created_at"))
        )
        .order_by("-pk")
    )
    words = search.query_digests(query)
    by_identifier = search.identifier_query_digests(query) if query.strip() else set()
    if not (words or by_identifier):
        return people

    def having(digests) -> Q:
        return Q(pk__in=SearchKey.objects.filter(digest__in=digests).values("person"))

    exact = Q(pk__isnull=not words)
    sounds = Q(pk__isnull=not words)
    for exact_digests, phonetic_digests in words:  # one of each per blind-index key
        exact &= having(exact_digests)
        sounds &= having([*exact_digests, *phonetic_digests])
    by_number = having(by_identifier)
    return RankedPeople(people.filter(exact | by_number), people.filter(sounds).exclude(exact | by_number))


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
    return AuditEvent.objects.filter(target_id=str(person.public_id)).order_by("-id")[:limit]
