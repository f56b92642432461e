"""Factories for the registry (synthetic Central American names, never real people).

They write rows directly; tests of business rules go through the services instead.
`PersonFactory` builds the blind-index search keys too, so a factory person can be found.
"""

import datetime

import factory
from django.utils import timezone

from reunite.accounts.tests.factories import OrganizationFactory, UserFactory
from reunite.people import search
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    ContactKind,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    NameKind,
    Relationship,
    ShareLevel,
)
from reunite.people.identifiers import normalize_identifier
from reunite.people.models import (
    Consent,
    ContactChannel,
    CustodyEvent,
    FamilyLink,
    Identifier,
    Person,
    PersonName,
    PersonShare,
    Separation,
    SeparationMember,
)

GIVEN = [
    "Yesenia",
    "Wilmer",
    "Ixchel",
    "Brayan",
    "Dulce María",
    "Kevin Josué",
    "Rosa Elvira",
    "Edwin",
]
SURNAMES = ["Xiloj", "Cux", "Batz", "Chumil", "Tzoc", "Ajanel", "Quiej", "Sicán", "Coyoy", "Ixcot"]


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    family_role = FamilyRole.PARENT
    given_names = factory.Sequence(lambda n: GIVEN[n % len(GIVEN)])
    paternal_surname = factory.Sequence(lambda n: SURNAMES[n % len(SURNAMES)])
    maternal_surname = factory.Sequence(lambda n: SURNAMES[(n * 3 + 1) % len(SURNAMES)])
    birth_date = "1988-03"
    country_of_birth = "GT"
    languages = "es,mam"
    retention_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365 * 7)
    )

    @factory.post_generation
    def search_keys(self, create, extracted, **kwargs):
        if create:
            from reunite.people.services import refresh_search_keys

            refresh_search_keys(self)


class PersonNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonName

    person = factory.SubFactory(PersonFactory)
    kind = NameKind.MISSPELLING
    given_names = "Yecenia"
    family_names = "Shiloj"
    source = "CBP I-213"


class IdentifierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identifier

    person = factory.SubFactory(PersonFactory)
    kind = IdentifierKind.A_NUMBER
    value = factory.Sequence(lambda n: normalize_identifier(IdentifierKind.A_NUMBER, f"2{n:08d}"))
    lookup = factory.LazyAttribute(lambda o: search.identifier_digest(o.value))


class CustodyEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustodyEvent

    person = factory.SubFactory(PersonFactory)
    kind = CustodyKind.ICE
    facility = "Centro de Detención Ficticio Los Pinos"
    city = "Ciudad Inventada"
    state = "TX"
    start_date = datetime.date(2018, 6, 1)


class ContactChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactChannel

    person = factory.SubFactory(PersonFactory)
    kind = ContactKind.WHATSAPP
    value = "+502 5555 0142"
    safe_to_contact = True


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    scope = ConsentScope.TRACING
    method = ConsentMethod.IN_PERSON
    language = "mam"
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)


class SeparationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Separation

    organization = factory.SubFactory(OrganizationFactory)
    occurred_on = datetime.date(2018, 5, 20)
    place = "Puerto de entrada ficticio"


class SeparationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeparationMember

    separation = factory.SubFactory(SeparationFactory)
    person = factory.SubFactory(PersonFactory)
    is_child = False


class FamilyLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyLink

    person = factory.SubFactory(PersonFactory, family_role=FamilyRole.CHILD)
    relative = factory.SubFactory(
        PersonFactory, organization=factory.SelfAttribute("..person.organization")
    )
    organization = factory.SelfAttribute("person.organization")
    relationship = Relationship.MOTHER


class PersonShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonShare

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    level = ShareLevel.READ
    granted_by = factory.SubFactory(UserFactory)
