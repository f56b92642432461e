"""Finding candidates, reviewing them, and the counsel-mediated disclosure.

A candidate pairs a *subject* (someone sought, as a client described them) with a
registered client. When both belong to one organisation, one verified attorney
confirms. Across organisations, each side sees only that a possible match exists, a
non-identifying summary and the other side's attorney until a verified attorney on
EACH side has confirmed; then each organisation is granted read access to the other's
client (through the registry's shares), and every disclosure is audited.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from reunite.accounts.access import has, require
from reunite.accounts.models import Membership, User
from reunite.accounts.roles import Capability, Role
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.crypto import blind_index, blind_indexes
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.people.choices import ConsentScope, RecordKind, ShareLevel
from reunite.people.models import FamilyLink, Person, PersonShare
from reunite.people.selectors import current_custody
from reunite.tracing.matching_adapter import blocking_keys, query_keys, scorer, to_record
from reunite.tracing.models import (
    BlockKey,
    CandidateStatus,
    Decision,
    MatchCandidate,
    Notification,
    NotificationKind,
    Review,
)

BLOCK = "block"  # the blind-index purpose of blocking keys

# Who may follow whom: every status change goes through this table.
TRANSITIONS: dict[str, set[str]] = {
    CandidateStatus.POTENTIAL: {
        CandidateStatus.CONFIRMED,
        CandidateStatus.REJECTED,
        CandidateStatus.NEEDS_INFO,
    },
    CandidateStatus.NEEDS_INFO: {
        CandidateStatus.CONFIRMED,
        CandidateStatus.REJECTED,
        CandidateStatus.POTENTIAL,
    },
    CandidateStatus.CONFIRMED: {CandidateStatus.REUNIFIED, CandidateStatus.REUNITED_ELSEWHERE},
    CandidateStatus.REJECTED: {CandidateStatus.POTENTIAL},
    CandidateStatus.REUNIFIED: set(),
    CandidateStatus.REUNITED_ELSEWHERE: set(),
}


def _move(match: MatchCandidate, status: str) -> None:
    if status != match.status and status not in TRANSITIONS[match.status]:
        raise Conflict(
            _("A match that is %(current)s cannot become %(new)s.")
            % {"current": match.get_status_display(), "new": CandidateStatus(status).label}
        )
    match.status = status


def with_record(people):
    """`people` with everything `to_record` reads, in a fixed number of queries."""
    return people.prefetch_related(
        "other_names",
        "identifiers",
        Prefetch("family_links", queryset=FamilyLink.objects.select_related("relative")),
        Prefetch("relative_links", queryset=FamilyLink.objects.select_related("person")),
    )


def matchable():
    """People who take part in matching, with everything `to_record` reads."""
    return with_record(Person.objects.filter(deleted_at__isnull=True, purged_at__isnull=True))


def _digest(key: str) -> str:
    return blind_index(key, purpose=BLOCK)


def block_keys_of(record) -> set[str]:
    """The blocking keys a person's record is stored under (current blind-index key)."""
    return {_digest(k) for k in blocking_keys(record)}


def clients_of(person: Person) -> list[Person]:
    """The represented clients behind a record: itself, or whoever described it."""
    if person.kind == RecordKind.CLIENT:
        return [person]
    linked = [link.relative for link in person.family_links.all()]
    linked += [link.person for link in person.relative_links.all()]
    return [p for p in linked if p.kind == RecordKind.CLIENT]


def _consents(person: Person, scope: str) -> bool:
    return any(
        c.consents.filter(scope=scope, withdrawn_at__isnull=True).exists()
        for c in clients_of(person)
    )


@transaction.atomic
def candidates_refresh(*, person_id: int, now: datetime) -> list[MatchCandidate]:
    """Re-key one person and (re)score them against the other side: sought descriptions
    against registered clients of the same family role, and back. Only people whose
    client consented to tracing are searched for."""
    person = matchable().filter(pk=person_id).first()
    if person is None:
        return []
    subject_record = to_record(person)
    keys = block_keys_of(subject_record)
    BlockKey.objects.filter(person=person).exclude(digest__in=keys).delete()
    BlockKey.objects.bulk_create(
        [BlockKey(person=person, digest=d) for d in keys], ignore_conflicts=True
    )
    if not _consents(person, ConsentScope.TRACING):
        return []
    other_kind = RecordKind.CLIENT if person.kind == RecordKind.DESCRIBED else RecordKind.DESCRIBED
    # Under every blind-index key: mid-rotation, the other side may still be under the old.
    wanted = {d for k in query_keys(subject_record) for d in blind_indexes(k, purpose=BLOCK)}
    ids = (
        BlockKey.objects.filter(
            digest__in=wanted, person__kind=other_kind, person__family_role=person.family_role
        )
        .exclude(person=person)
        .values("person")
        .annotate(shared=Count("id"))
        .order_by("-shared")
        .values_list("person", flat=True)[: settings.MATCH_BLOCK_LIMIT]
    )
    others = list(matchable().filter(pk__in=list(ids)))
    engine = scorer()
    subject_features = engine.features(subject_record)
    kept = []
    for other in others:
        if person.kind == RecordKind.DESCRIBED:
            described, client, described_features = person, other, subject_features
            result = engine.match(described_features, engine.features(to_record(client)))
        else:
            described, client = other, person
            result = engine.match(engine.features(to_record(described)), subject_features)
        if result.match_probability >= settings.MATCH_THRESHOLD and _consents(
            described, ConsentScope.TRACING
        ):
            kept.append(_upsert(described, client, result, now=now))
    return [m for m in kept if m is not None]


def _upsert(described: Person, client: Person, result, *, now: datetime) -> MatchCandidate | None:
    contributions = [
        {"field": c.field, "level": c.level, "weight": round(c.weight, 2), "text": c.text}
        for c in result.contributions
    ]
    match, created = MatchCandidate.objects.get_or_create(
        subject=described,
        candidate=client,
        defaults={
            "subject_organization_id": described.organization_id,
            "candidate_organization_id": client.organization_id,
            "match_probability": result.match_probability,
            "match_weight": result.match_weight,
            "contributions": contributions,
            "model_version": scorer().weights.version,
        },
    )
    if not created and match.status == CandidateStatus.POTENTIAL:
        match.match_probability, match.match_weight = result.match_probability, result.match_weight
        match.contributions, match.model_version = contributions, scorer().weights.version
        match.save(
            update_fields=[
                "match_probability",
                "match_weight",
                "contributions",
                "model_version",
                "updated_at",
            ]
        )
    if created:
        record(
            event_type=EventType.MATCH_FOUND,
            organization=described.organization,
            target=match,
            data={
                "probability": round(result.match_probability, 3),
                "cross": match.is_cross_organization,
            },
        )
        if result.match_probability >= settings.MATCH_STRONG:
            _notify_new_candidate(match)
    return match


def _owning_attorneys(person: Person) -> list[User]:
    """The attorney who registered the record, else the organisation's verified
    attorneys, else all its attorneys."""
    memberships = list(
        Membership.objects.filter(
            organization_id=person.organization_id, role=Role.ATTORNEY, is_active=True
        ).select_related("user")
    )
    creator = [m.user for m in memberships if m.user_id == person.created_by_id]
    verified = [m.user for m in memberships if m.attorney_verified_at is not None]
    return creator or verified or [m.user for m in memberships]


def _notify_new_candidate(match: MatchCandidate) -> None:
    percent = round(match.match_probability * 100)
    sides = (
        (match.subject_organization_id, match.subject),
        (match.candidate_organization_id, match.candidate),
    )
    for organization_id, person in sides:
        for user in _owning_attorneys(person):
            notice = Notification.objects.create(
                user=user,
                organization_id=organization_id,
                match=match,
                kind=NotificationKind.NEW_CANDIDATE,
                percent=percent,
            )
            send_mail(
                subject=_("Reunite: a new match candidate"),
                message=notice.message + "\n\n" + _("Sign in to Reunite to review it."),
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )


def side_of(*, actor: Membership, match: MatchCandidate) -> str:
    """ "subject", "candidate" or "both" (one organisation holds both records)."""
    sides = []
    if match.subject_organization_id == actor.organization_id:
        sides.append("subject")
    if match.candidate_organization_id == actor.organization_id:
        sides.append("candidate")
    if not sides:
        raise NotFound()
    return "both" if len(sides) == 2 else sides[0]


def is_disclosed(*, actor: Membership, match: MatchCandidate) -> bool:
    """May the actor see the other side's client in full?"""
    return side_of(actor=actor, match=match) == "both" or match.disclosed_at is not None


@transaction.atomic
def candidate_review(
    *, actor: Membership, match: MatchCandidate, decision: str, reason: str, now: datetime
) -> MatchCandidate:
    """One side's decision. Confirming needs a verified attorney of that side; a
    rejection or a request for information needs a reason."""
    require(actor, Capability.VIEW_CLIENTS)
    match = (
        MatchCandidate.objects.select_for_update()
        .select_related("subject", "candidate")
        .get(pk=match.pk)
    )
    side = side_of(actor=actor, match=match)
    reason = reason.strip()
    if decision != Decision.CONFIRM and not reason:
        raise Invalid(
            _("Say why: the other counsel and the next reviewer will read it."), code="reason"
        )
    if decision == Decision.CONFIRM:
        if not (has(actor, Capability.CONFIRM_MATCHES) and actor.is_verified_attorney):
            raise Forbidden(_("Only a verified attorney can confirm a match."))
        if match.is_cross_organization and not _consents(
            match.subject if side == "subject" else match.candidate, ConsentScope.SHARING
        ):
            raise Invalid(
                _(
                    "Your client has not consented to sharing with other counsel: record that consent first."
                )
            )
        if match.status not in {CandidateStatus.POTENTIAL, CandidateStatus.NEEDS_INFO}:
            raise Conflict(
                _("This match is already %(status)s.") % {"status": match.get_status_display()}
            )
        if side in {"subject", "both"}:
            match.subject_confirmed_by, match.subject_confirmed_at = actor.user, now
        if side in {"candidate", "both"}:
            match.candidate_confirmed_by, match.candidate_confirmed_at = actor.user, now
        if match.subject_confirmed_at and match.candidate_confirmed_at:
            _move(match, CandidateStatus.CONFIRMED)
            _on_confirmed(match, actor=actor, now=now)
    elif decision == Decision.REJECT:
        _move(match, CandidateStatus.REJECTED)
    else:
        _move(match, CandidateStatus.NEEDS_INFO)
    match.save()
    Review.objects.create(
        match=match,
        organization=actor.organization,
        reviewer=actor.user,
        decision=decision,
        reason=reason,
    )
    record(
        event_type=EventType.MATCH_REVIEWED,
        actor=actor.user,
        organization=actor.organization,
        target=match,
        data={"decision": decision, "status": match.status, "side": side},
    )
    return match


def _on_confirmed(match: MatchCandidate, *, actor: Membership, now: datetime) -> None:
    """Both sides confirmed: link the seeker to the found person, and across
    organisations open each side's client to the other (read-only shares)."""
    described = match.subject
    for link in FamilyLink.objects.filter(person=described).select_related("relative"):
        # The seeker is the client who described the sought person (their parent).
        FamilyLink.objects.get_or_create(
            person=match.candidate,
            relative=link.relative,
            relationship=link.relationship,
            defaults={
                "organization_id": match.subject_organization_id,
                "claimed_by": f"match {match.public_id}",
            },
        )
    for link in FamilyLink.objects.filter(relative=described).select_related("person"):
        # A sought parent, described by a child: the registered parent is that child's.
        FamilyLink.objects.get_or_create(
            person=link.person,
            relative=match.candidate,
            relationship=link.relationship,
            defaults={
                "organization_id": match.subject_organization_id,
                "claimed_by": f"match {match.public_id}",
            },
        )
    if not match.is_cross_organization:
        return
    seekers = [
        p for p in clients_of(described) if p.organization_id == match.subject_organization_id
    ]
    grants = [(match.candidate, match.subject_organization_id)] + [
        (seeker, match.candidate_organization_id) for seeker in seekers
    ]
    for person, organization_id in grants:
        share, _ = PersonShare.objects.get_or_create(
            person=person,
            organization_id=organization_id,
            revoked_at__isnull=True,
            defaults={"level": ShareLevel.READ, "granted_by": actor.user},
        )
        record(
            event_type=EventType.MATCH_DISCLOSED,
            actor=actor.user,
            organization=person.organization,
            target=person,
            data={"match": str(match.public_id), "to": str(share.organization.public_id)},
        )
    match.disclosed_at = now


def summary(person: Person, *, today: date) -> dict:
    """What the other side may know before disclosure: nothing that identifies."""
    age = None
    if person.birth_date:
        age = today.year - int(person.birth_date[:4])
    elif person.approximate_age:
        age = int(person.approximate_age.split("-")[0])
    age_band = f"{age // 5 * 5}-{age // 5 * 5 + 4}" if age is not None and age >= 0 else ""
    custody = current_custody(person)
    return {
        "family_role": person.get_family_role_display(),
        "age_band": age_band,
        "country": person.country_of_birth,
        "custody": custody.get_kind_display() if custody else "",
        "attorneys": _owning_attorneys(person),
    }


def notifications_mark_read(*, user: User, now: datetime) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)


def is_reviewable(match: MatchCandidate) -> bool:
    return match.status in {CandidateStatus.POTENTIAL, CandidateStatus.NEEDS_INFO}


@transaction.atomic
def candidate_mark_reunified(
    *, actor: Membership, match: MatchCandidate, elsewhere: bool = False, now: datetime
) -> MatchCandidate:
    """A confirmed match's family was reunified (through a case of one of its sides), or
    reunited elsewhere: the match moves through the table and its end is audited."""
    match = MatchCandidate.objects.select_for_update().get(pk=match.pk)
    side = side_of(actor=actor, match=match)
    status = CandidateStatus.REUNITED_ELSEWHERE if elsewhere else CandidateStatus.REUNIFIED
    if match.status == status:
        return match
    _move(match, status)
    match.save(update_fields=["status", "updated_at"])
    record(
        event_type=EventType.MATCH_OUTCOME,
        actor=actor.user,
        organization=actor.organization,
        target=match,
        data={"status": status, "side": side},
    )
    return match
