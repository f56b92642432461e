"""Retention: soft delete and restore, the scheduled purge, the wipe, and the test that
fails when a new field could escape the wipe."""

import datetime

import pytest
from django.apps import apps
from django.db import models

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, NotFound
from reunite.core.fields import EncryptedTextField
from reunite.people import retention, selectors, services
from reunite.people.access import access_person
from reunite.people.choices import FamilyRole, ShareLevel
from reunite.people.models import (
    Consent,
    FamilyLink,
    Person,
    PersonShare,
    SearchKey,
    Separation,
)
from reunite.people.tests.factories import (
    ConsentFactory,
    ContactChannelFactory,
    CustodyEventFactory,
    FamilyLinkFactory,
    IdentifierFactory,
    PersonFactory,
    PersonNameFactory,
    PersonShareFactory,
    SeparationFactory,
    SeparationMemberFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
WINDOW = datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def _window(settings):
    settings.RESTORE_WINDOW_DAYS = 30


def member(user):
    return user.memberships.get()


# --- Wipe coverage --------------------------------------------------------------------


def _models_holding_person_data() -> list[type[models.Model]]:
    """The registry's models, every model with a foreign key to Person, and every model
    with a sealed field: all found by introspection, so a new one cannot be forgotten."""
    found = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        if (
            model._meta.app_label == "people"
            or any(f.is_relation and f.related_model is Person for f in fields)
            or any(isinstance(f, EncryptedTextField) for f in fields)
        ):
            found.append(model)
    return found


def test_the_scope_is_discovered_not_listed():
    labels = {m._meta.label for m in _models_holding_person_data()}
    assert {"people.Person", "people.SearchKey", "people.SeparationMember"} <= labels
    assert "tracing.BlockKey" in labels  # a later app's model with a key to Person


@pytest.mark.parametrize("model", _models_holding_person_data(), ids=lambda m: m._meta.label)
def test_every_field_is_classified_exactly_once(model):
    names = {f.name for f in model._meta.concrete_fields}
    pii = set(retention.PII_FIELDS.get(model, ()))
    not_pii = set(retention.NOT_PII.get(model, ()))
    assert not pii & not_pii, f"{model._meta.label}: in both registries: {sorted(pii & not_pii)}"
    assert names - pii - not_pii == set(), (
        f"{model._meta.label}: classify these fields in retention.PII_FIELDS or NOT_PII"
    )
    assert (pii | not_pii) - names == set(), f"{model._meta.label}: stale names in the registries"


@pytest.mark.parametrize("model", _models_holding_person_data(), ids=lambda m: m._meta.label)
def test_every_sealed_field_is_wiped(model):
    sealed = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    assert sealed <= set(retention.PII_FIELDS.get(model, ()))


# --- Soft delete and restore ------------------------------------------------------------


def test_soft_delete_hides_from_lists_and_from_shares(alice, charlie):
    person = PersonFactory(organization=member(alice).organization, given_names="Marleny")
    PersonShareFactory(person=person, organization=member(charlie).organization, granted_by=alice)
    assert list(selectors.person_list(actor=member(charlie), query="Marleny")) == [person]

    retention.person_delete(actor=member(alice), person=person, now=NOW)

    assert person not in selectors.person_list(actor=member(alice))
    assert list(selectors.person_list(actor=member(alice), query="Marleny")) == []
    assert list(selectors.person_list(actor=member(charlie))) == []
    assert (
        access_person(actor=member(alice), public_id=person.public_id) == person
    )  # owner may restore
    with pytest.raises(NotFound):
        access_person(actor=member(charlie), public_id=person.public_id)
    event = AuditEvent.objects.get(event_type=EventType.PERSON_DELETED)
    assert event.target_id == str(person.public_id) and event.actor_id == alice.public_id


def test_deleting_twice_is_a_conflict_and_other_orgs_cannot_delete(alice, charlie):
    person = PersonFactory(organization=member(alice).organization)
    with pytest.raises(NotFound):
        retention.person_delete(actor=member(charlie), person=person, now=NOW)
    retention.person_delete(actor=member(alice), person=person, now=NOW)
    with pytest.raises(Conflict):
        retention.person_delete(actor=member(alice), person=person, now=NOW)


def test_restore_within_the_window(alice):
    person = PersonFactory(organization=member(alice).organization)
    retention.person_delete(actor=member(alice), person=person, now=NOW)
    retention.person_restore(actor=member(alice), person=person, now=NOW + WINDOW)
    person.refresh_from_db()
    assert person.deleted_at is None
    assert person in selectors.person_list(actor=member(alice))
    assert AuditEvent.objects.filter(
        event_type=EventType.PERSON_RESTORED, target_id=str(person.public_id)
    ).exists()


def test_restore_after_the_window_is_refused(alice):
    person = PersonFactory(organization=member(alice).organization)
    retention.person_delete(actor=member(alice), person=person, now=NOW)
    with pytest.raises(Conflict, match="restore window"):
        retention.person_restore(
            actor=member(alice), person=person, now=NOW + WINDOW + datetime.timedelta(seconds=1)
        )
    person.refresh_from_db()
    assert person.deleted_at == NOW


def test_restore_refuses_a_record_that_is_not_deleted_or_is_wiped(alice):
    person = PersonFactory(organization=member(alice).organization)
    with pytest.raises(Conflict):
        retention.person_restore(actor=member(alice), person=person, now=NOW)
    retention.person_delete(actor=member(alice), person=person, now=NOW)
    retention.person_wipe(person=person, now=NOW)
    person.refresh_from_db()
    with pytest.raises(NotFound):
        retention.person_restore(actor=member(alice), person=person, now=NOW)


@pytest.mark.parametrize("role_user", ["dana", "charlie"])
def test_only_the_owners_editors_delete(request, alice, role_user):
    person = PersonFactory(organization=member(alice).organization)
    actor = member(request.getfixturevalue(role_user))
    with pytest.raises((NotFound, Forbidden)):  # dana: no edit right; charlie: not hers
        retention.person_delete(actor=actor, person=person, now=NOW)
    person.refresh_from_db()
    assert person.deleted_at is None


# --- Purge and wipe ---------------------------------------------------------------------


def _family(org):
    """A parent with something in every dependent table, and their child."""
    parent = PersonFactory(organization=org, notes="Notas privilegiadas", needs_interpreter=True)
    child = PersonFactory(organization=org, family_role=FamilyRole.CHILD)
    PersonNameFactory(person=parent)
    IdentifierFactory(person=parent)
    CustodyEventFactory(person=parent)
    ContactChannelFactory(person=parent, holder="Hermana Marta")
    ConsentFactory(person=parent, given_by="Ella misma")
    FamilyLinkFactory(person=child, relative=parent)
    separation = SeparationFactory(organization=org, reason_detail="dudas", reported_by="Ella")
    SeparationMemberFactory(separation=separation, person=parent)
    SeparationMemberFactory(separation=separation, person=child, is_child=True)
    return parent, child, separation


def _assert_nothing_personal_left(person):
    """Every model that refers to the person: its rows are gone, or their PII is blank."""
    person.refresh_from_db()
    for name in retention.PII_FIELDS[Person]:
        assert getattr(person, name) == retention._blank(Person, name), name
    for model in retention.PII_FIELDS:
        keys = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is Person
        ]
        for key in keys:
            for row in model._base_manager.filter(**{key: person}):
                for name in retention.PII_FIELDS[model]:
                    assert getattr(row, name) == retention._blank(model, name), (model, name)


def test_purge_expires_then_wipes(alice, charlie):
    org = member(alice).organization
    expired = PersonFactory(organization=org, retention_until=TODAY - datetime.timedelta(days=1))
    kept = PersonFactory(organization=org, retention_until=TODAY)
    recently_deleted = PersonFactory(
        organization=org, deleted_at=NOW - WINDOW + datetime.timedelta(hours=1)
    )
    parent, child, separation = _family(org)
    PersonShareFactory(
        person=parent, organization=member(charlie).organization, level=ShareLevel.WRITE
    )
    Person.objects.filter(pk__in=[parent.pk, child.pk]).update(
        deleted_at=NOW - WINDOW - datetime.timedelta(hours=1)
    )

    result = retention.purge_due(today=TODAY, now=NOW)

    assert result == retention.PurgeResult(expired=1, wiped=2)
    expired.refresh_from_db(), kept.refresh_from_db(), recently_deleted.refresh_from_db()
    assert expired.deleted_at == NOW and expired.purged_at is None  # restorable for the window
    assert AuditEvent.objects.get(event_type=EventType.PERSON_DELETED).data == {
        "reason": "retention"
    }
    assert kept.deleted_at is None
    assert recently_deleted.purged_at is None

    for person in (parent, child):
        _assert_nothing_personal_left(person)
        person.refresh_from_db()
        assert person.purged_at == NOW  # the tombstone remains
        assert person.organization_id == org.pk and person.family_role
        assert AuditEvent.objects.filter(
            event_type=EventType.PERSON_PURGED, target_id=str(person.public_id)
        ).exists()
    for related in (
        "other_names",
        "identifiers",
        "custody_events",
        "contacts",
        "search_keys",
        "shares",
        "block_keys",
    ):
        assert not getattr(parent, related).exists(), related
    assert not FamilyLink.objects.exists()
    assert not PersonShare.objects.exists()
    assert Consent.objects.get(person=parent).given_by == ""
    separation.refresh_from_db()
    assert (separation.place, separation.reason_detail, separation.reported_by) == ("", "", "")
    assert SearchKey.objects.filter(person=kept).exists()  # nobody else was touched

    # Purged is gone for everyone, the owner too; a second purge has nothing to do.
    with pytest.raises(NotFound):
        access_person(actor=member(alice), public_id=parent.public_id)
    assert retention.purge_due(today=TODAY, now=NOW) == retention.PurgeResult(expired=0, wiped=0)


def test_a_separation_keeps_its_details_while_a_member_is_not_wiped(alice):
    org = member(alice).organization
    parent, child, separation = _family(org)
    retention.person_wipe(person=parent, now=NOW)
    separation.refresh_from_db()
    assert separation.reported_by == "Ella"
    retention.person_wipe(person=child, now=NOW)
    separation.refresh_from_db()
    assert separation.reported_by == ""
    assert Separation.objects.filter(pk=separation.pk).exists()


def test_the_wipe_reaches_the_layers_above(alice, django_capture_on_commit_callbacks):
    """Tracing's blocking keys (blind indexes of the names) go with the wipe too."""
    with django_capture_on_commit_callbacks(execute=True):
        person = services.person_create(
            actor=member(alice),
            data=services.PersonInput(
                family_role=FamilyRole.PARENT, given_names="Yesenia", paternal_surname="Xiloj"
            ),
            today=TODAY,
        )
    assert person.block_keys.exists()  # tracing's search ran once the creation committed
    retention.person_wipe(person=person, now=NOW)
    assert not person.block_keys.exists()
