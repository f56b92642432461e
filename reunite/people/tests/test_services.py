"""The registry's services: each change writes its audit event (field names, never
values), intake is all or nothing, identifiers are normalised and findable, and the rules
on family links and shares hold."""

import datetime
import json

import pytest

from reunite.accounts.roles import Role
from reunite.accounts.tests.factories import MembershipFactory
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.people import selectors, services
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    ContactKind,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    LinkStatus,
    NameKind,
    RecordKind,
    Relationship,
    ShareLevel,
)
from reunite.people.identifiers import display_identifier, normalize_identifier
from reunite.people.models import (
    FamilyLink,
    Identifier,
    Person,
    PersonShare,
    Separation,
    SeparationMember,
)
from reunite.people.signals import person_changed
from reunite.people.tests.factories import FamilyLinkFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


def member(user):
    return user.memberships.get()


def the_event(event_type: EventType, *, target=None) -> AuditEvent:
    """The one event of that type (on that target)."""
    events = AuditEvent.objects.filter(event_type=event_type)
    if target is not None:
        events = events.filter(target_id=str(target.public_id))
    return events.get()


def assert_no_values(event: AuditEvent, *values: str) -> None:
    """Nothing typed about a person appears in the event, in any case or spelling."""
    text = json.dumps(
        [event.data, event.fields, event.target_type, event.target_id], ensure_ascii=False
    ).lower()
    for value in values:
        assert value.lower() not in text, f"{value!r} leaked into the audit event"


def parent_input(**overrides) -> services.PersonInput:
    values = {
        "family_role": FamilyRole.PARENT,
        "given_names": "Ingrid  Maribel",
        "paternal_surname": "Cojtí",
        "maternal_surname": "Ajcalón",
        "birth_date": "1990-02",
        "country_of_birth": "Guatemala",
        "place_of_birth": "Nahualá, Sololá",
        "languages": ["quc", "es"],
        "notes": "Huyó de amenazas",
    }
    return services.PersonInput(**{**values, **overrides})


@pytest.fixture
def person(alice):
    return services.person_create(actor=member(alice), data=parent_input(), today=TODAY)


# --- Audit events ---------------------------------------------------------------------


def test_person_create_cleans_values_and_audits_field_names(alice, person):
    assert person.given_names == "Ingrid Maribel"  # spaces tidied
    assert person.country_of_birth == "GT"
    assert person.languages == "es,quc"
    assert person.retention_until == datetime.date(2033, 3, 10)
    event = the_event(EventType.PERSON_CREATED, target=person)
    assert event.actor_id == alice.public_id
    assert event.organization_id == member(alice).organization.public_id
    assert event.target_type == "people.person"
    assert set(event.fields) == {
        "family_role",
        "kind",
        "given_names",
        "paternal_surname",
        "maternal_surname",
        "birth_date",
        "country_of_birth",
        "place_of_birth",
        "languages",
        "notes",
        "sex",
    }
    assert_no_values(event, "Ingrid", "Cojtí", "Ajcalón", "1990-02", "Nahualá", "amenazas")


def test_a_leap_day_intake_gets_a_retention_date(alice):
    leap = services.person_create(
        actor=member(alice), data=parent_input(), today=datetime.date(2028, 2, 29)
    )
    assert leap.retention_until == datetime.date(2035, 2, 28)


def test_person_update_audits_only_changed_fields(alice, person):
    changed = services.person_update(
        actor=member(alice),
        person=person,
        data=parent_input(maternal_surname="Ajcalon Tum", notes="Nueva nota sensible"),
    )
    assert changed == ["maternal_surname", "notes"]
    event = the_event(EventType.PERSON_UPDATED, target=person)
    assert event.fields == ["maternal_surname", "notes"]
    assert_no_values(event, "Ajcalon", "Tum", "sensible")
    assert (
        services.person_update(
            actor=member(alice),
            person=person,
            data=parent_input(maternal_surname="Ajcalon Tum", notes="Nueva nota sensible"),
        )
        == []
    )
    assert AuditEvent.objects.filter(event_type=EventType.PERSON_UPDATED).count() == 1


def test_invalid_input_names_the_field(alice):
    with pytest.raises(Invalid) as caught:
        services.person_create(
            actor=member(alice), data=parent_input(birth_date="1990-13-45"), today=TODAY
        )
    assert caught.value.code == "birth_date"
    with pytest.raises(Invalid) as caught:
        services.person_create(
            actor=member(alice),
            data=parent_input(given_names="", paternal_surname="", maternal_surname=""),
            today=TODAY,
        )
    assert caught.value.code == "given_names"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("call", "event_type", "fields", "secrets"),
    [
        (
            lambda a, p: services.name_add(
                actor=a,
                person=p,
                kind=NameKind.MISSPELLING,
                given_names="Ingri",
                family_names="Coxtí",
                source="I-213",
            ),
            EventType.NAME_ADDED,
            ["other_names"],
            ["Ingri ", "Coxtí"],
        ),
        (
            lambda a, p: services.identifier_add(
                actor=a, person=p, kind=IdentifierKind.A_NUMBER, value="A-203-456-789"
            ),
            EventType.IDENTIFIER_ADDED,
            ["identifiers"],
            ["203456789", "203-456-789"],
        ),
        (
            lambda a, p: services.custody_record(
                actor=a,
                person=p,
                data=services.CustodyInput(
                    kind=CustodyKind.ICE,
                    facility="Centro Ficticio Sierra Azul",
                    city="Pueblo Inventado",
                    state="TX",
                ),
            ),
            EventType.CUSTODY_RECORDED,
            ["custody"],
            ["Sierra Azul", "Pueblo Inventado"],
        ),
        (
            lambda a, p: services.contact_add(
                actor=a,
                person=p,
                kind=ContactKind.WHATSAPP,
                value="+502 5123 4567",
                holder="Su cuñada Lidia",
                safe_to_contact=True,
            ),
            EventType.CONTACT_ADDED,
            ["contacts"],
            ["5123", "Lidia"],
        ),
        (
            lambda a, p: services.consent_record(
                actor=a,
                person=p,
                data=services.ConsentInput(
                    scope=ConsentScope.TRACING,
                    method=ConsentMethod.PHONE,
                    language="quc",
                    given_by="Abuela Tomasa",
                ),
                now=NOW,
            ),
            EventType.CONSENT_RECORDED,
            [],
            ["Tomasa"],
        ),
    ],
    ids=["name_add", "identifier_add", "custody_record", "contact_add", "consent_record"],
)
def test_each_service_audits_its_change_without_values(
    alice, person, call, event_type, fields, secrets
):
    call(member(alice), person)
    event = the_event(event_type, target=person)
    assert event.actor_id == alice.public_id
    assert event.fields == fields
    assert_no_values(event, *secrets, "Ingrid", "Cojtí")


def test_consent_withdraw_is_audited_once(alice, person):
    consent = services.consent_record(
        actor=member(alice),
        person=person,
        data=services.ConsentInput(
            scope=ConsentScope.SHARING, method=ConsentMethod.WRITTEN, language="es"
        ),
        now=NOW,
    )
    assert services.has_consent(person, ConsentScope.SHARING)
    services.consent_withdraw(actor=member(alice), consent=consent, now=NOW)
    assert not services.has_consent(person, ConsentScope.SHARING)
    assert the_event(EventType.CONSENT_WITHDRAWN, target=person).data == {"scope": "sharing"}
    with pytest.raises(Conflict):
        services.consent_withdraw(actor=member(alice), consent=consent, now=NOW)


def test_reading_a_person_is_an_event_naming_the_fields_shown(dana, alice, person):
    services.person_viewed(actor=member(alice), person=person, shown=["notes", "given_names"])
    event = the_event(EventType.PERSON_VIEWED, target=person)
    assert event.fields == ["given_names", "notes"]
    assert_no_values(event, "Ingrid", "amenazas")


def test_services_refuse_other_organisations_and_read_only_roles(charlie, dana, person):
    with pytest.raises(NotFound):
        services.name_add(
            actor=member(charlie),
            person=person,
            kind=NameKind.ALIAS,
            given_names="X",
            family_names="",
        )
    with pytest.raises(NotFound):
        services.person_update(actor=member(dana), person=person, data=parent_input(notes="no"))
    with pytest.raises(Forbidden):
        services.person_create(actor=member(dana), data=parent_input(), today=TODAY)


# --- Intake -------------------------------------------------------------------------


def _child(given, **extra):
    return services.PersonInput(
        family_role=FamilyRole.CHILD, given_names=given, paternal_surname="Cojtí", **extra
    )


def test_intake_of_a_parent_with_two_children(alice):
    parent = services.intake(
        actor=member(alice),
        client=parent_input(),
        relatives=[
            (_child("Wendy Abigail", approximate_age="6"), Relationship.MOTHER),
            (_child("Josué", birth_date="2016"), Relationship.MOTHER),
        ],
        identifiers=[(IdentifierKind.A_NUMBER, "203456789")],
        custody=services.CustodyInput(kind=CustodyKind.ICE, facility="Centro Ficticio"),
        separation=services.SeparationInput(
            place="Sector ficticio", agency="usbp", reason="none_given"
        ),
        consents=[
            services.ConsentInput(
                scope=ConsentScope.TRACING, method=ConsentMethod.IN_PERSON, language="quc"
            )
        ],
        today=TODAY,
        now=NOW,
    )
    children = list(Person.objects.filter(family_role=FamilyRole.CHILD))
    assert len(children) == 2 and all(c.kind == RecordKind.DESCRIBED for c in children)
    assert parent.kind == RecordKind.CLIENT
    links = FamilyLink.objects.filter(relative=parent)
    assert {link.person for link in links} == set(children)
    assert {link.relationship for link in links} == {Relationship.MOTHER}
    assert all(link.status == LinkStatus.CLAIMED for link in links)
    separation = Separation.objects.get()
    members = {
        (m.person_id, m.is_child) for m in SeparationMember.objects.filter(separation=separation)
    }
    assert members == {(parent.pk, False), *((c.pk, True) for c in children)}
    assert parent.identifiers.get().value == "A203456789"
    assert parent.custody_events.count() == 1 and parent.consents.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED).count() == 3
    assert AuditEvent.objects.filter(event_type=EventType.SEPARATION_RECORDED).get().data == {
        "children": 2,
        "adults": 1,
    }


def test_intake_of_a_child_naming_their_parents(alice):
    child = services.intake(
        actor=member(alice),
        client=_child("Wendy Abigail"),
        relatives=[
            (parent_input(), Relationship.MOTHER),
            (
                services.PersonInput(family_role=FamilyRole.PARENT, given_names="Baltazar"),
                Relationship.FATHER,
            ),
            (
                services.PersonInput(family_role=FamilyRole.RELATIVE, given_names="Kevin"),
                Relationship.SIBLING,
            ),
        ],
        separation=services.SeparationInput(place="Sector ficticio"),
        today=TODAY,
        now=NOW,
    )
    assert FamilyLink.objects.filter(person=child).count() == 3
    members = SeparationMember.objects.filter(separation=Separation.objects.get())
    assert members.filter(is_child=False).count() == 2  # the sibling is not a separated adult


def test_an_invalid_relative_saves_nothing(alice):
    with pytest.raises(Invalid):
        services.intake(
            actor=member(alice),
            client=parent_input(),
            relatives=[
                (_child("Wendy"), Relationship.MOTHER),
                (services.PersonInput(family_role=FamilyRole.CHILD), Relationship.MOTHER),
            ],
            identifiers=[(IdentifierKind.A_NUMBER, "203456789")],
            separation=services.SeparationInput(place="Sector ficticio"),
            today=TODAY,
            now=NOW,
        )
    assert not Person.objects.exists()
    assert not Identifier.objects.exists()
    assert not FamilyLink.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="person.").exists()


def test_an_invalid_identifier_in_intake_saves_nothing(alice):
    with pytest.raises(Invalid):
        services.intake(
            actor=member(alice),
            client=parent_input(),
            relatives=[],
            identifiers=[(IdentifierKind.A_NUMBER, "1234567")],
            today=TODAY,
            now=NOW,
        )
    assert not Person.objects.exists()


# --- Identifiers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("203456789", "A203456789"),
        ("A203456789", "A203456789"),
        ("a-203-456-789", "A203456789"),
        ("A 203 456 789", "A203456789"),
        ("  A-203 456-789 ", "A203456789"),
        ("12345678", "A012345678"),  # 8 digits gain a leading zero
        ("A-12-345-678", "A012345678"),
        ("A012345678", "A012345678"),
    ],
)
def test_a_numbers_are_normalised(typed, canonical):
    assert normalize_identifier(IdentifierKind.A_NUMBER, typed) == canonical


@pytest.mark.parametrize(
    "typed", ["1234567", "A-123-4567", "1234567890", "A12345678901", "A12B45678", "", "AAAAAAAA"]
)
def test_malformed_a_numbers_are_refused(typed):
    with pytest.raises(Invalid, match="8 or 9 digits"):
        normalize_identifier(IdentifierKind.A_NUMBER, typed)


def test_a_numbers_are_displayed_grouped():
    assert display_identifier(IdentifierKind.A_NUMBER, "A012345678") == "A-012-345-678"
    assert display_identifier(IdentifierKind.EOIR, "ABC123") == "ABC123"


@pytest.mark.parametrize(
    "query", ["A203456789", "203456789", "a-203-456-789", "A 203 456 789", "203-456-789"]
)
def test_any_formatting_of_an_identifier_finds_the_person(alice, person, query):
    services.identifier_add(
        actor=member(alice), person=person, kind=IdentifierKind.A_NUMBER, value="A-203-456-789"
    )
    other = PersonFactory(organization=member(alice).organization)
    found = list(selectors.person_list(actor=member(alice), query=query))
    assert found == [person]
    assert other not in found


def test_other_identifiers_find_the_person_too(alice, person):
    services.identifier_add(
        actor=member(alice), person=person, kind=IdentifierKind.ORR, value="uac-2018-0457"
    )
    assert list(selectors.person_list(actor=member(alice), query="UAC 2018 0457")) == [person]


def test_a_duplicate_identifier_is_a_conflict(alice, person):
    services.identifier_add(
        actor=member(alice), person=person, kind=IdentifierKind.A_NUMBER, value="203456789"
    )
    with pytest.raises(Conflict):
        services.identifier_add(
            actor=member(alice), person=person, kind=IdentifierKind.A_NUMBER, value="A-203-456-789"
        )
    assert person.identifiers.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.IDENTIFIER_ADDED).count() == 1


# --- Family links -------------------------------------------------------------------


def test_family_link_claim_is_audited(alice, person):
    child = PersonFactory(organization=member(alice).organization, family_role=FamilyRole.CHILD)
    link = services.family_link_claim(
        actor=member(alice),
        person=child,
        relative=person,
        relationship=Relationship.MOTHER,
        claimed_by="la madre",
    )
    event = the_event(EventType.FAMILY_LINK_CLAIMED, target=link)
    assert event.data == {
        "relationship": "mother",
        "person": str(child.public_id),
        "relative": str(person.public_id),
    }
    with pytest.raises(Conflict):
        services.family_link_claim(
            actor=member(alice), person=child, relative=person, relationship=Relationship.MOTHER
        )


def test_family_link_verification_needs_a_verified_attorney(org_a, alice, bob):
    link = FamilyLinkFactory(person__organization=org_a)
    unverified = MembershipFactory(organization=org_a, role=Role.ATTORNEY)
    with pytest.raises(Forbidden):
        services.family_link_verify(actor=member(bob), link=link, now=NOW)
    with pytest.raises(Invalid, match="verified attorney"):
        services.family_link_verify(actor=unverified, link=link, now=NOW)
    link.refresh_from_db()
    assert link.status == LinkStatus.CLAIMED

    services.family_link_verify(actor=member(alice), link=link, now=NOW)
    link.refresh_from_db()
    assert (link.status, link.verified_by, link.verified_at) == (LinkStatus.VERIFIED, alice, NOW)
    event = the_event(EventType.FAMILY_LINK_VERIFIED, target=link)
    assert event.actor_id == alice.public_id


def test_another_organisations_attorney_cannot_verify(charlie, org_a):
    link = FamilyLinkFactory(person__organization=org_a)
    with pytest.raises(NotFound):
        services.family_link_verify(actor=member(charlie), link=link, now=NOW)


def test_a_separation_needs_a_child_and_an_adult(alice, person):
    with pytest.raises(Invalid):
        services.separation_record(
            actor=member(alice), children=[], adults=[person], data=services.SeparationInput()
        )


# --- Shares -------------------------------------------------------------------------


def test_share_grant_and_revoke_are_audited(alice, charlie, person):
    org_b = member(charlie).organization
    share = services.share_grant(
        actor=member(alice), person=person, organization=org_b, level=ShareLevel.READ
    )
    granted = the_event(EventType.SHARE_GRANTED, target=person)
    assert granted.data == {"with": str(org_b.public_id), "level": "read"}
    assert person in selectors.person_list(actor=member(charlie))
    with pytest.raises(Conflict):
        services.share_grant(
            actor=member(alice), person=person, organization=org_b, level=ShareLevel.WRITE
        )

    services.share_revoke(actor=member(alice), share=share, now=NOW)
    revoked = the_event(EventType.SHARE_REVOKED, target=person)
    assert revoked.data == {"with": str(org_b.public_id)}
    assert person not in selectors.person_list(actor=member(charlie))
    services.share_revoke(actor=member(alice), share=share, now=NOW)  # idempotent, not re-audited
    assert AuditEvent.objects.filter(event_type=EventType.SHARE_REVOKED).count() == 1
    # After a revocation the record can be shared again.
    services.share_grant(
        actor=member(alice), person=person, organization=org_b, level=ShareLevel.WRITE
    )
    assert (
        PersonShare.objects.filter(person=person, revoked_at__isnull=True).get().level
        == ShareLevel.WRITE
    )


def test_only_the_owner_shares(alice, charlie, person):
    org_b = member(charlie).organization
    services.share_grant(
        actor=member(alice), person=person, organization=org_b, level=ShareLevel.WRITE
    )
    with pytest.raises(NotFound):  # a sharee, even with write access, cannot re-share
        services.share_grant(
            actor=member(charlie),
            person=person,
            organization=member(alice).organization,
            level=ShareLevel.READ,
        )
    with pytest.raises(Invalid):
        services.share_grant(
            actor=member(alice),
            person=person,
            organization=member(alice).organization,
            level=ShareLevel.READ,
        )
    share = PersonShare.objects.get()
    with pytest.raises(NotFound):
        services.share_revoke(actor=member(charlie), share=share, now=NOW)


def test_an_intake_announces_each_person_once_when_it_commits(
    alice, django_capture_on_commit_callbacks
):
    announced = []

    def listen(sender, person_id, **kwargs):
        announced.append(person_id)

    person_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            parent = services.intake(
                actor=member(alice),
                client=parent_input(),
                relatives=[(_child("Wendy Abigail"), Relationship.MOTHER)],
                identifiers=[(IdentifierKind.A_NUMBER, "203456789")],
                custody=services.CustodyInput(kind=CustodyKind.ICE, facility="Centro Ficticio"),
                today=TODAY,
                now=NOW,
            )
            assert announced == []  # nothing before the commit
    finally:
        person_changed.disconnect(listen)
    child = Person.objects.get(family_role=FamilyRole.CHILD)
    assert sorted(announced) == sorted([parent.pk, child.pk])


def test_a_change_rolled_back_in_a_savepoint_does_not_swallow_the_next_announcement(
    alice, django_capture_on_commit_callbacks
):
    from django.db import transaction

    parent = PersonFactory(organization=member(alice).organization)  # nothing waiting for it
    announced = []

    def listen(sender, person_id, **kwargs):
        announced.append(person_id)

    person_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            try:
                with transaction.atomic():
                    services.name_add(
                        actor=member(alice),
                        person=parent,
                        kind=NameKind.ALIAS,
                        given_names="Chepa",
                        family_names="Cojtí",
                    )
                    raise RuntimeError("the first change fails and is rolled back")
            except RuntimeError:
                pass
            services.identifier_add(
                actor=member(alice),
                person=parent,
                kind=IdentifierKind.A_NUMBER,
                value="203456789",
            )
    finally:
        person_changed.disconnect(listen)
    assert announced == [parent.pk]
