"""Synthetic demo families for `make run`: parents represented by one organisation,
their children by another, each side spelling the names as its agency recorded them.

All names come from the matching engine's synthetic generator: never real people.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from reunite.accounts.models import Membership
from reunite.matching.synth import Synth
from reunite.people import services
from reunite.people.choices import (
    Agency,
    ConsentMethod,
    ConsentScope,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    NameKind,
    Relationship,
    SeparationReason,
)
from reunite.people.services import ConsentInput, CustodyInput, PersonInput, SeparationInput

# Fictional facilities: the demo must not point at real places either.
DETENTION = ["South Texas Family Processing Center (demo)", "Rio Grande County Detention (demo)"]
SHELTERS = [
    ("Casa Esperanza Shelter (demo)", "Harlingen", "TX"),
    ("Hogar Los Pinos (demo)", "Phoenix", "AZ"),
    ("Bright Harbor Children's Home (demo)", "Chicago", "IL"),
]
PORTS = ["El Paso sector", "Rio Grande Valley sector", "San Ysidro port of entry", "Yuma sector"]


def _dob(person) -> str:
    year, month, day = person.dob
    return f"{year:04d}-{month:02d}-{day:02d}"


def load_demo_families(
    *, parents_org: Membership, children_org: Membership, families: int, today: date, now: datetime
) -> int:
    """Register `families` separated families; returns how many people were created."""
    synth = Synth(seed=2018)
    created = 0
    for n in range(families):
        children = synth.family()
        parent = children[0].mother if n % 3 else children[0].father
        relationship = Relationship.MOTHER if parent.sex == "F" else Relationship.FATHER
        deported = n % 4 == 3
        separated_on = date(2018, 5, 1) + timedelta(days=synth.rng.randrange(0, 60))
        custody = (
            CustodyInput(
                kind=CustodyKind.REMOVED,
                country=parent.country,
                city=parent.place,
                start_date=separated_on + timedelta(days=40),
                source="ICE removal record",
                last_verified_on=today - timedelta(days=synth.rng.randrange(5, 90)),
            )
            if deported
            else CustodyInput(
                kind=CustodyKind.ICE,
                facility=synth.rng.choice(DETENTION),
                state="TX",
                country="US",
                start_date=separated_on,
                source="ICE detainee locator",
                last_verified_on=today - timedelta(days=synth.rng.randrange(1, 45)),
            )
        )
        # The parent's side: the parent as a client, and the children as the parent knows them.
        services.intake(
            actor=parents_org,
            client=PersonInput(
                family_role=FamilyRole.PARENT,
                given_names=parent.given,
                paternal_surname=parent.paternal,
                maternal_surname=parent.maternal,
                sex=parent.sex,
                birth_date=_dob(parent),
                country_of_birth=parent.country,
                place_of_birth=parent.place,
                languages=["es"] if n % 5 else ["mam", "es"],
                needs_interpreter=n % 5 == 0,
            ),
            relatives=[
                (
                    PersonInput(
                        family_role=FamilyRole.CHILD,
                        given_names=c.given,
                        paternal_surname=c.paternal,
                        maternal_surname=c.maternal,
                        sex=c.sex,
                        approximate_age=str(max(1, 2018 - c.dob[0])),
                    ),
                    relationship,
                )
                for c in children
            ],
            identifiers=[(IdentifierKind.A_NUMBER, parent.a_number)],
            custody=custody,
            separation=SeparationInput(
                occurred_on=separated_on,
                place=synth.rng.choice(PORTS),
                agency=Agency.BORDER_PATROL,
                reason=SeparationReason.PROSECUTION,
            ),
            consents=[
                ConsentInput(
                    scope=ConsentScope.TRACING, method=ConsentMethod.IN_PERSON, language="es"
                )
            ],
            today=today,
            now=now,
        )
        created += 1 + len(children)
        # The children's side: each child as ORR recorded them, naming the parent.
        for child in children:
            shelter, city, state = synth.rng.choice(SHELTERS)
            recorded_given = synth.misspell(child.given, 0.5)
            recorded_paternal = synth.misspell(child.paternal, 0.5)
            record = services.intake(
                actor=children_org,
                client=PersonInput(
                    family_role=FamilyRole.CHILD,
                    given_names=recorded_given,
                    paternal_surname=recorded_paternal,
                    maternal_surname=child.maternal if n % 2 else "",
                    sex=child.sex,
                    birth_date=synth.officer_dob(child.dob).isoformat(),
                    country_of_birth=child.country,
                ),
                relatives=[
                    (
                        PersonInput(
                            family_role=FamilyRole.PARENT,
                            given_names=parent.given.split()[-1],
                            paternal_surname=parent.paternal,
                            sex=parent.sex,
                        ),
                        relationship,
                    )
                ],
                identifiers=[(IdentifierKind.ORR, f"UAC-{synth.rng.randrange(100000, 999999)}")],
                custody=CustodyInput(
                    kind=CustodyKind.ORR,
                    facility=shelter,
                    city=city,
                    state=state,
                    country="US",
                    start_date=separated_on + timedelta(days=3),
                    source="ORR portal",
                    last_verified_on=today - timedelta(days=synth.rng.randrange(1, 60)),
                ),
                consents=[
                    ConsentInput(
                        scope=ConsentScope.TRACING,
                        method=ConsentMethod.IN_PERSON,
                        language="es",
                        given_by="the child, with a child advocate",
                    )
                ],
                today=today,
                now=now,
            )
            if recorded_given != child.given or recorded_paternal != child.paternal:
                services.name_add(
                    actor=children_org,
                    person=record,
                    kind=NameKind.AGENCY,
                    given_names=child.given,
                    family_names=child.paternal,
                    source="birth certificate copy",
                )
            created += 2
    return created
