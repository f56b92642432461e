"""The registry's pages: intake, list and search, the person page, its small forms, and
who may open what."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.people import services
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    LinkStatus,
    RecordKind,
    Relationship,
    ShareLevel,
)
from reunite.people.models import Consent, FamilyLink, Identifier, Person, PersonShare, Separation
from reunite.people.services import ConsentInput, CustodyInput, PersonInput
from reunite.people.tests.searching import search, search_url

pytestmark = pytest.mark.django_db

LIST = reverse("people:list")
NEW_PARENT = reverse("people:new_parent")
NEW_CHILD = reverse("people:new_child")


def member(user):
    return user.memberships.get()


def make_person(user, **fields):
    fields.setdefault("family_role", FamilyRole.PARENT)
    return services.person_create(
        actor=member(user), data=PersonInput(**fields), today=timezone.localdate()
    )


def detail(person, name="people:detail"):
    return reverse(name, kwargs={"public_id": person.public_id})


def management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def parent_post(**overrides):
    """A complete parent intake with two children, as a browser would post it."""
    data = {
        "person-given_names": "Rosa Elvira",
        "person-paternal_surname": "García",
        "person-maternal_surname": "Xiloj",
        "person-sex": "F",
        "person-birth_date": "1989-03",
        "person-approximate_age": "",
        "person-country_of_birth": "Guatemala",
        "person-place_of_birth": "Huehuetenango, San Mateo Ixtatán",
        "person-languages": ["es", "cac"],
        "person-needs_interpreter": "on",
        "person-notes": "Fled threats; asylum claim.",
        **management("ids", 2),
        "ids-0-kind": "a_number",
        "ids-0-value": "A 201-555-123",
        "ids-1-kind": "a_number",
        "ids-1-value": "",
        "custody-kind": "ice",
        "custody-facility": "Port Isabel Detention Center",
        "custody-city": "Los Fresnos",
        "custody-state": "TX",
        "custody-country": "",
        "custody-start_date": "2018-06-02",
        "custody-last_verified_on": "",
        "custody-source": "ICE locator",
        "consent-tracing": "on",
        "consent-sharing": "on",
        "consent-method": "in_person",
        "consent-language": "cac",
        "consent-given_by": "",
        "separation-occurred_on": "2018-05-28",
        "separation-place": "El Paso sector",
        "separation-agency": "usbp",
        "separation-reason": "prosecution",
        "separation-reason_detail": "Told the children would be taken to a shelter.",
        **management("relatives", 2),
        "relatives-0-given_names": "Dulce María",
        "relatives-0-paternal_surname": "García",
        "relatives-0-maternal_surname": "Xiloj",
        "relatives-0-sex": "F",
        "relatives-0-birth_date": "2011-04-23",
        "relatives-0-approximate_age": "",
        "relatives-0-relationship": "mother",
        "relatives-0-notes": "Has a scar on her left hand.",
        "relatives-1-given_names": "Kevin Josué",
        "relatives-1-paternal_surname": "García",
        "relatives-1-maternal_surname": "",
        "relatives-1-sex": "M",
        "relatives-1-birth_date": "",
        "relatives-1-approximate_age": "5-6",
        "relatives-1-relationship": "mother",
        "relatives-1-notes": "",
        "save": "1",
    }
    data.update(overrides)
    return data


# --- Intake --------------------------------------------------------------------------


def test_blank_parent_intake_offers_every_section(client, alice):
    signed_in(client, alice)
    body = client.get(NEW_PARENT).content.decode()
    for legend in (
        "The parent",
        "Identifiers",
        "Where the client is held now",
        "Consent",
        "The separation",
        "Privileged notes",
        "The children the parent is looking for",
    ):
        assert f"<legend>{legend}</legend>" in body
    assert 'name="relatives-TOTAL_FORMS" value="1"' in body
    assert "Add another child" in body


def test_parent_intake_with_two_children_registers_the_family(client, alice):
    signed_in(client, alice)
    response = client.post(NEW_PARENT, parent_post())
    parent = Person.objects.get(kind=RecordKind.CLIENT)
    assert response.status_code == 302
    assert response["Location"] == detail(parent)
    assert Person.objects.count() == 3
    children = Person.objects.filter(kind=RecordKind.DESCRIBED)
    assert {c.family_role for c in children} == {FamilyRole.CHILD}
    assert {c.given_names for c in children} == {"Dulce María", "Kevin Josué"}
    links = FamilyLink.objects.all()
    assert len(links) == 2
    assert all(
        link.relative == parent and link.relationship == Relationship.MOTHER for link in links
    )
    separation = Separation.objects.get()
    assert separation.members.count() == 3
    assert separation.place == "El Paso sector"
    assert parent.identifiers.get().value == "A201555123"
    assert parent.custody_events.get().kind == CustodyKind.ICE
    assert {c.scope for c in parent.consents.all()} == {ConsentScope.TRACING, ConsentScope.SHARING}
    assert parent.languages == "cac,es" and parent.needs_interpreter
    types = list(AuditEvent.objects.values_list("event_type", flat=True))
    assert types.count(EventType.PERSON_CREATED) == 3
    assert types.count(EventType.FAMILY_LINK_CLAIMED) == 2
    assert EventType.SEPARATION_RECORDED in types
    assert EventType.IDENTIFIER_ADDED in types
    follow = client.get(response["Location"])
    assert "Client registered, with 2 relatives as described." in follow.content.decode()


def test_invalid_intake_keeps_every_typed_value_and_saves_nothing(client, alice):
    signed_in(client, alice)
    data = parent_post(**{"person-birth_date": "1989-13-45", "relatives-1-relationship": ""})
    response = client.post(NEW_PARENT, data)
    assert response.status_code == 400
    assert (
        Person.objects.count() == 0
        and AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED).count() == 0
    )
    body = response.content.decode()
    # The summary names each problem and links to its field.
    assert "Nothing was saved: 2 things to correct." in body
    assert 'href="#id_person-birth_date"' in body
    assert 'href="#id_relatives-1-relationship"' in body
    assert "Date of birth: use YYYY-MM-DD, YYYY-MM or YYYY" in body
    # Every typed value is back, in every section and every row.
    for name, value in data.items():
        if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS")) or name == "save" or value in ("", "on"):
            continue
        for one in value if isinstance(value, list) else [value]:
            if name.endswith(
                (
                    "-kind",
                    "-sex",
                    "-relationship",
                    "-agency",
                    "-reason",
                    "-method",
                    "-language",
                    "languages",
                )
            ):
                assert re.search(
                    rf'value="{re.escape(one)}"[^>]*(selected|checked)', body
                ) or re.search(rf'(selected|checked)[^>]*value="{re.escape(one)}"', body), (
                    name,
                    one,
                )
            else:
                assert one in body, (name, one)
    assert re.search(
        r'name="person-needs_interpreter"[^>]*checked|checked[^>]*name="person-needs_interpreter"',
        body,
    )
    assert re.search(r'name="consent-tracing"[^>]*checked|checked[^>]*name="consent-tracing"', body)
    assert 'name="relatives-TOTAL_FORMS" value="2"' in body


def test_an_empty_child_row_is_skipped_and_a_name_is_required(client, alice):
    signed_in(client, alice)
    data = parent_post(**management("relatives", 3))
    response = client.post(NEW_PARENT, data)  # the third row is empty: skipped
    assert response.status_code == 302
    assert Person.objects.count() == 3
    nameless = parent_post(
        **{"person-given_names": "", "person-paternal_surname": "", "person-maternal_surname": ""}
    )
    response = client.post(NEW_PARENT, nameless)
    assert response.status_code == 400
    assert "Give at least one name." in response.content.decode()


def test_add_another_child_keeps_what_was_typed_without_errors(client, alice):
    signed_in(client, alice)
    data = parent_post(**{"person-birth_date": "not a date", "add": "relatives"})
    del data["save"]
    response = client.post(NEW_PARENT, data)
    body = response.content.decode()
    assert response.status_code == 200 and Person.objects.count() == 0
    assert 'name="relatives-TOTAL_FORMS" value="3"' in body
    assert 'name="relatives-2-given_names"' in body
    assert "Kevin Josué" in body and "not a date" in body and "Port Isabel Detention Center" in body
    assert "errorlist" not in body  # no premature errors


def test_a_bad_identifier_is_reported_next_to_it(client, alice):
    signed_in(client, alice)
    response = client.post(NEW_PARENT, parent_post(**{"ids-0-value": "12345"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "An A-number has 8 or 9 digits" in body and 'href="#id_ids-0-value"' in body
    assert Person.objects.count() == 0


def test_child_intake_registers_the_child_and_the_parents_named(client, bob):
    signed_in(client, bob)
    data = {
        "person-given_names": "Ixchel",
        "person-paternal_surname": "Batz",
        "person-sex": "F",
        "person-approximate_age": "7",
        **management("ids", 2),
        "ids-0-kind": "orr",
        "ids-0-value": "uac-2018-0412",
        "ids-1-kind": "orr",
        "custody-kind": "orr",
        "custody-facility": "Casa Esperanza",
        **management("relatives", 2),
        "relatives-0-given_names": "Juana",
        "relatives-0-paternal_surname": "Batz",
        "relatives-0-relationship": "mother",
        "relatives-1-given_names": "Edwin",
        "relatives-1-relationship": "sibling",
        "separation-place": "Yuma",
        "save": "1",
    }
    response = client.post(NEW_CHILD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    child = Person.objects.get(kind=RecordKind.CLIENT)
    assert child.family_role == FamilyRole.CHILD
    roles = dict(
        Person.objects.filter(kind=RecordKind.DESCRIBED).values_list("given_names", "family_role")
    )
    assert roles == {"Juana": FamilyRole.PARENT, "Edwin": FamilyRole.RELATIVE}
    assert {
        (link.relative.given_names, link.relationship) for link in child.family_links.all()
    } == {
        ("Juana", Relationship.MOTHER),
        ("Edwin", Relationship.SIBLING),
    }
    assert Separation.objects.get().members.count() == 2  # the child and the mother
    assert Identifier.objects.get().value == "UAC20180412"


# --- List and search -------------------------------------------------------------------


@pytest.fixture
def family(alice):
    """A mother (client) and two children she describes, with an A-number."""
    mother = make_person(
        alice, given_names="Rosa Elvira", paternal_surname="García", maternal_surname="Hernández"
    )
    services.identifier_add(
        actor=member(alice), person=mother, kind=IdentifierKind.A_NUMBER, value="201555123"
    )
    kids = [
        make_person(
            alice,
            family_role=FamilyRole.CHILD,
            kind=RecordKind.DESCRIBED,
            given_names=given,
            paternal_surname="García",
            maternal_surname="Hernández",
            birth_date=born,
        )
        for given, born in (("Dulce María", "2011-04-23"), ("Kevin", "2013"))
    ]
    other = make_person(alice, given_names="Wilmer", paternal_surname="Ajanel")
    return {"mother": mother, "kids": kids, "other": other}


def names_in(response):
    return response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "Garsia",
        "Hernandes",
        "hernández garcía",
        "garcia",
        "HERNANDEZ",
        "rosa hernandez",
        "A-201-555-123",
        "201 555 123",
    ],
)
def test_search_finds_by_misspelt_reordered_or_partial_names_and_numbers(
    client, alice, family, query
):
    signed_in(client, alice)
    body = search(client, query).content.decode()
    assert "Rosa Elvira" in body, query
    assert "Wilmer" not in body
    if not query[0].isdigit() and not query.startswith("A-") and "rosa" not in query:
        assert "Dulce María" in body and "Kevin" in body


def test_list_shows_role_kind_age_and_current_custody(client, alice, family):
    services.custody_record(
        actor=member(alice),
        person=family["mother"],
        data=CustodyInput(
            kind=CustodyKind.ICE,
            facility="Otero County Processing Center",
            start_date=timezone.localdate() - timedelta(days=90),
            last_verified_on=timezone.localdate() - timedelta(days=60),
        ),
    )
    signed_in(client, alice)
    body = client.get(LIST).content.decode()
    assert "Otero County Processing Center" in body and "ICE detention" in body and "stale" in body
    assert "Sought person, as described" in body and "Client" in body
    assert "2011-04-23" in body and "Child" in body


def test_list_records_one_audit_event_without_the_query(client, alice, family):
    signed_in(client, alice)
    search(client, "Garsia")
    event = AuditEvent.objects.filter(event_type=EventType.PEOPLE_LISTED).get()
    assert event.data == {"count": 3, "searched": True}
    assert "Garsia" not in str(event.data) and "garsia" not in str(event.fields).lower()


def test_list_pages_25_at_a_time_without_counting(client, alice, django_assert_num_queries):
    for i in range(27):
        make_person(alice, given_names=f"Persona{i}", paternal_surname="Coyoy")
    signed_in(client, alice)
    first = client.get(LIST).content.decode()
    assert first.count('<th scope="row">') == 25
    assert "Next page" in first and "Previous page" not in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert second.count('<th scope="row">') == 2
    assert "Persona0 " in second and "Persona1 " in second  # the oldest come last
    assert "Previous page" in second and "Next page" not in second


def _list_queries(client, django_assert_max_num_queries, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    assert response.status_code == 200
    people_counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"].upper() and "people_person" in q["sql"]
    ]
    assert people_counts == []
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_people(client, alice, django_assert_max_num_queries):
    signed_in(client, alice)
    for i in range(5):
        person = make_person(alice, given_names=f"Uno{i}", paternal_surname="Tzoc")
        services.custody_record(
            actor=member(alice), person=person, data=CustodyInput(kind=CustodyKind.ORR)
        )
    few = _list_queries(client, django_assert_max_num_queries, 5)
    for i in range(25):
        person = make_person(alice, given_names=f"Dos{i}", paternal_surname="Tzoc")
        services.custody_record(
            actor=member(alice), person=person, data=CustodyInput(kind=CustodyKind.ORR)
        )
    many = _list_queries(client, django_assert_max_num_queries, 30)
    assert few == many
    url = search_url(client, "tzoc")
    with django_assert_max_num_queries(few):
        client.get(url)


def test_search_terms_never_reach_a_url_and_pages_keep_the_search(client, alice):
    """ASVS 14.2.1: the form posts the terms; the results and their pages are named by a
    short token kept in the session. The terms are in no URL, no Location, no link."""
    for i in range(30):
        make_person(alice, given_names=f"Uno{i}", paternal_surname="Tzoc")
    make_person(alice, given_names="Rosa", paternal_surname="García")
    signed_in(client, alice)
    page = client.get(LIST).content.decode()
    assert re.search(r'<form method="post" action="/people/" class="search"', page)
    url = search_url(client, "Tzoc")
    assert re.fullmatch(r"/people/\?s=[\w-]{8}", url)
    first = client.get(url).content.decode()
    assert "Uno" in first and "Rosa" not in first
    assert 'value="Tzoc"' in first  # the box still shows what was searched
    links = re.findall(r'href="([^"]*)"', first)
    assert not [link for link in links if "tzoc" in link.lower() or "q=" in link]
    (next_page,) = [link for link in links if "page=2" in link]
    second = client.get(LIST + next_page.replace("&amp;", "&")).content.decode()
    assert "Uno" in second and "Rosa" not in second
    assert client.get(url).content.decode().count("Uno") == first.count("Uno")  # back button
    # The session table holds the terms sealed, as every client value in the database.
    from django.contrib.sessions.models import Session

    stored = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert stored["reunite.people.searches"] and "tzoc" not in repr(stored).lower()


def test_an_unknown_token_or_a_query_in_the_url_gives_no_search(client, alice):
    make_person(alice, given_names="Rosa", paternal_surname="García")
    make_person(alice, given_names="Ana", paternal_surname="Tzoc")
    signed_in(client, alice)
    body = client.get(LIST, {"s": "not-mine"}).content.decode()
    assert "That search is no longer kept" in body
    assert "Rosa" in body and "Tzoc" in body  # the plain list
    response = client.get(LIST, {"q": "Tzoc"})
    assert response.status_code == 302 and response["Location"] == LIST
    # Another member's token names nothing in this session.
    other = search_url(signed_in(client.__class__(), alice), "Tzoc")
    assert "That search is no longer kept" in client.get(other).content.decode()
    response = client.post(LIST, {"q": "x" * 201}, follow=True)
    assert "Rosa" in response.content.decode() and "at most 200" in response.content.decode()


def test_charlie_sees_none_of_org_a_in_list_or_search(client, charlie, family):
    signed_in(client, charlie)
    body = search(client, "Garcia").content.decode()
    assert "Rosa" not in body and "No one matches" in body


def test_the_auditor_gets_no_list(client, dana, family):
    signed_in(client, dana)
    assert client.get(LIST).status_code == 403


# --- The person page -------------------------------------------------------------------


@pytest.fixture
def full_record(alice, family):
    """The mother with a bit of everything recorded."""
    actor, mother = member(alice), family["mother"]
    services.name_add(
        actor=actor,
        person=mother,
        kind="misspelling",
        given_names="Roza",
        family_names="Garsia",
        source="ICE",
    )
    services.custody_record(
        actor=actor, person=mother, data=CustodyInput(kind=CustodyKind.ICE, facility="Port Isabel")
    )
    services.contact_add(
        actor=actor, person=mother, kind="whatsapp", value="+502 5555 0101", safe_to_contact=True
    )
    services.consent_record(
        actor=actor,
        person=mother,
        data=ConsentInput(scope=ConsentScope.TRACING, method=ConsentMethod.PHONE, language="es"),
        now=timezone.now(),
    )
    for kid in family["kids"]:
        services.family_link_claim(
            actor=actor, person=kid, relative=mother, relationship=Relationship.MOTHER
        )
    return mother


def test_person_page_shows_the_record_and_records_the_view(client, alice, full_record):
    signed_in(client, alice)
    response = client.get(detail(full_record))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Rosa Elvira",
        "Roza",
        "Garsia",
        "A-201-555-123",
        "Port Isabel",
        "+502 5555 0101",
        "Safe to contact",
        "Dulce María",
        "Kevin",
        "Tracing: search for their family",
        "Withdraw",
    ):
        assert text in body, text
    event = AuditEvent.objects.filter(event_type=EventType.PERSON_VIEWED).get()
    assert event.target_id == str(full_record.public_id)
    assert {"given_names", "identifiers", "contacts", "notes", "custody"} <= set(event.fields)
    assert "Rosa" not in str(event.data) and "Rosa" not in " ".join(event.fields)
    assert "Access history" not in body  # alice has no audit capability


def test_person_page_query_count_is_fixed(
    client, alice, full_record, family, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, alice)
    with CaptureQueriesContext(connection) as before:
        client.get(detail(full_record))
    actor = member(alice)
    for i in range(4):
        services.name_add(
            actor=actor, person=full_record, kind="alias", given_names=f"Alias{i}", family_names="X"
        )
        services.custody_record(
            actor=actor, person=full_record, data=CustodyInput(kind=CustodyKind.JAIL)
        )
        services.contact_add(
            actor=actor, person=full_record, kind="phone", value=f"555-{i}", safe_to_contact=False
        )
        kid = make_person(alice, family_role=FamilyRole.CHILD, given_names=f"Hijo{i}")
        services.family_link_claim(
            actor=actor, person=kid, relative=full_record, relationship=Relationship.MOTHER
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(detail(full_record))
    assert "Hijo3" in response.content.decode()


def test_org_admin_sees_the_access_history_on_the_page(client, ada, full_record):
    signed_in(client, ada)
    body = client.get(detail(full_record)).content.decode()
    history = body.split('id="history"')[1]
    assert "Identifier recorded" in history and "Alice Attorney" in history


def test_charlie_gets_404_on_every_org_a_person_page(client, charlie, full_record):
    signed_in(client, charlie, reauthenticated=True)
    for name in ("people:detail", "people:edit", "people:history", "people:delete"):
        assert client.get(detail(full_record, name)).status_code == 404, name
    for name in ("people:name_add", "people:custody_add", "people:restore", "people:share_grant"):
        assert client.post(detail(full_record, name), {}).status_code == 404, name


def test_bob_views_and_edits_dana_gets_only_the_history(client, bob, dana, full_record):
    signed_in(client, bob)
    assert client.get(detail(full_record)).status_code == 200
    assert client.get(detail(full_record, "people:history")).status_code == 404
    form = client.get(detail(full_record, "people:edit")).content.decode()
    assert 'value="Rosa Elvira"' in form
    response = client.post(
        detail(full_record, "people:edit"),
        {
            "person-given_names": "Rosa Elvira",
            "person-paternal_surname": "García",
            "person-sex": "F",
            "person-birth_date": "1990",
        },
    )
    assert response.status_code == 302
    full_record.refresh_from_db()
    assert full_record.birth_date == "1990" and full_record.maternal_surname == ""
    updated = AuditEvent.objects.filter(event_type=EventType.PERSON_UPDATED).get()
    assert set(updated.fields) == {"birth_date", "maternal_surname", "sex"}

    client.logout()
    signed_in(client, dana)
    assert client.get(detail(full_record)).status_code == 403
    history = client.get(detail(full_record, "people:history"))
    body = history.content.decode()
    assert history.status_code == 200
    assert (
        "Person record viewed" in body
        and "Person record changed" in body
        and "Bob Paralegal" in body
    )
    assert "Rosa" not in body and "García" not in body


def test_a_shared_person_is_visible_to_charlie_until_revoked(
    client, alice, charlie, org_b, full_record
):
    signed_in(client, alice, reauthenticated=True)
    response = client.post(
        detail(full_record, "people:share_grant"),
        {"organization": str(org_b.public_id), "level": ShareLevel.READ},
    )
    assert response.status_code == 302
    share = PersonShare.objects.get()
    client.logout()
    signed_in(client, charlie)
    page = client.get(detail(full_record))
    assert page.status_code == 200 and "Shared by Border Legal Aid" in page.content.decode()
    assert "Rosa Elvira" in search(client, "garcia").content.decode()
    assert (
        client.post(
            detail(full_record, "people:name_add"), {"kind": "alias", "given_names": "X"}
        ).status_code
        == 404
    )
    client.logout()
    signed_in(client, alice)
    client.post(detail(full_record, "people:share_revoke"), {"record": str(share.public_id)})
    client.logout()
    signed_in(client, charlie)
    assert client.get(detail(full_record)).status_code == 404


# --- Small forms -----------------------------------------------------------------------


def test_small_forms_save_and_redirect_with_a_message(client, alice, full_record):
    signed_in(client, alice)
    posts = [
        (
            "people:name_add",
            {
                "kind": "agency",
                "given_names": "Rosa",
                "family_names": "Garcia Ernandes",
                "source": "ORR",
            },
        ),
        (
            "people:identifier_add",
            {"kind": "eoir", "value": "208-555-001", "source": "EOIR portal"},
        ),
        ("people:custody_add", {"kind": "removed", "country": "GT", "start_date": "2018-07-20"}),
        ("people:contact_add", {"kind": "phone", "value": "+1 555 0100", "holder": "cousin"}),
        ("people:consent_add", {"scope": "sharing", "method": "written", "language": "es"}),
    ]
    for name, data in posts:
        response = client.post(detail(full_record, name), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        assert response["Location"].startswith(detail(full_record) + "#")
    body = client.get(detail(full_record)).content.decode()
    for text in (
        "Garcia Ernandes",
        "208555001",
        "Removed / deported",
        "+1 555 0100",
        "Sharing with other counsel",
    ):
        assert text in body, text


def test_an_invalid_small_form_reshows_the_page_with_what_was_typed(client, alice, full_record):
    signed_in(client, alice)
    response = client.post(
        detail(full_record, "people:custody_add"),
        {
            "kind": "ice",
            "facility": "Stewart Detention Center",
            "start_date": "2018-07-01",
            "end_date": "2018-06-01",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Custody cannot end before it starts." in body and "Stewart Detention Center" in body
    assert "<details open>" in body
    response = client.post(
        detail(full_record, "people:identifier_add"), {"kind": "a_number", "value": "201555123"}
    )
    assert response.status_code == 400
    assert "This person already has this identifier." in response.content.decode()


def test_consent_can_be_withdrawn(client, alice, full_record):
    signed_in(client, alice)
    consent = Consent.objects.get()
    response = client.post(
        detail(full_record, "people:consent_withdraw"), {"record": str(consent.public_id)}
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert (
        client.post(
            detail(full_record, "people:consent_withdraw"), {"record": "not-an-id"}
        ).status_code
        == 404
    )


def test_only_a_verified_attorney_verifies_a_family_link(client, alice, bob, full_record):
    link = FamilyLink.objects.first()
    signed_in(client, bob)
    body = client.get(detail(full_record)).content.decode()
    assert (
        "Only a verified attorney can verify a family link." in body and "Mark verified" not in body
    )
    assert (
        client.post(
            detail(full_record, "people:link_verify"), {"record": str(link.public_id)}
        ).status_code
        == 403
    )
    client.logout()
    signed_in(client, alice)
    assert "Mark verified" in client.get(detail(full_record)).content.decode()
    response = client.post(
        detail(full_record, "people:link_verify"), {"record": str(link.public_id)}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkStatus.VERIFIED


def test_delete_asks_first_then_restore_from_the_banner(client, alice, bob, full_record):
    signed_in(client, alice, reauthenticated=True)
    assert (
        "Delete this record?" in client.get(detail(full_record, "people:delete")).content.decode()
    )
    response = client.post(detail(full_record, "people:delete"))
    assert response.status_code == 302 and response["Location"] == LIST
    assert "Rosa Elvira" not in client.get(LIST).content.decode()
    page = client.get(detail(full_record)).content.decode()
    assert "This record is deleted." in page and "Restore this record" in page
    assert (
        client.post(
            detail(full_record, "people:name_add"), {"kind": "alias", "given_names": "X"}
        ).status_code
        == 302
    )
    assert full_record.other_names.count() == 1  # only the fixture's misspelling
    client.post(detail(full_record, "people:restore"))
    full_record.refresh_from_db()
    assert full_record.deleted_at is None
    assert "Rosa Elvira" in client.get(LIST).content.decode()


def test_person_page_names_the_languages(client, alice):
    signed_in(client, alice)
    response = client.post(NEW_PARENT, parent_post())
    body = client.get(response["Location"]).content.decode()
    i = body.find("<dt>Languages")
    assert "<dd>Chuj, Spanish" in body, body[i : i + 200]


def test_sharing_and_deleting_ask_for_the_password_again(client, alice, org_b, full_record):
    signed_in(client, alice)
    share = client.post(
        detail(full_record, "people:share_grant"),
        {"organization": str(org_b.public_id), "level": ShareLevel.READ},
    )
    assert share["Location"].startswith(reverse("account_reauthenticate"))
    delete = client.post(detail(full_record, "people:delete"))
    assert delete["Location"].startswith(reverse("account_reauthenticate"))
    assert not PersonShare.objects.exists()
    full_record.refresh_from_db()
    assert full_record.deleted_at is None
