"""What the API reads and writes. Output serializers are fed plain dicts built by the
views from the same selectors and rules as the pages, so a response never holds more
than the page shows, and nothing is ever turned into text by a model's __str__."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reunite.people.choices import (
    LANGUAGES,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    RecordKind,
    Sex,
)
from reunite.tracing.models import CandidateStatus, Decision

# --- People ----------------------------------------------------------------------------


class OrganizationNameSerializer(serializers.Serializer):
    name = serializers.CharField()


class CurrentCustodySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CustodyKind.choices)
    facility = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    country = serializers.CharField()
    last_verified_on = serializers.DateField(allow_null=True)
    stale = serializers.BooleanField(help_text="Not verified for CUSTODY_STALE_DAYS days.")


class PersonRowSerializer(serializers.Serializer):
    """One row of the people list: what the list page shows."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    family_role = serializers.ChoiceField(choices=FamilyRole.choices)
    given_names = serializers.CharField()
    paternal_surname = serializers.CharField()
    maternal_surname = serializers.CharField()
    birth_date = serializers.CharField(help_text="Partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD.")
    approximate_age = serializers.CharField()
    custody = CurrentCustodySerializer(allow_null=True)
    shared_by = OrganizationNameSerializer(
        allow_null=True, help_text="The owning organisation, when the record is shared with yours."
    )


class PersonSerializer(serializers.Serializer):
    """A person's own fields, as the person page shows them."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    family_role = serializers.ChoiceField(choices=FamilyRole.choices)
    given_names = serializers.CharField()
    paternal_surname = serializers.CharField()
    maternal_surname = serializers.CharField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.CharField()
    approximate_age = serializers.CharField()
    country_of_birth = serializers.CharField(help_text="ISO 3166-1 alpha-2 code when known.")
    place_of_birth = serializers.CharField()
    languages = serializers.ListField(child=serializers.ChoiceField(choices=LANGUAGES))
    needs_interpreter = serializers.BooleanField()
    notes = serializers.CharField(help_text="Privileged attorney notes.")
    owned = serializers.BooleanField(help_text="Your organisation owns the record.")
    shared_by = OrganizationNameSerializer(allow_null=True)
    deleted = serializers.BooleanField(
        help_text="Deleted and restorable; read-only until restored."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PersonWriteSerializer(serializers.Serializer):
    """Registering a client, or changing a person's own fields (PATCH: any subset).
    The services apply the registry's rules (a name, a valid partial date, an age range)."""

    family_role = serializers.ChoiceField(
        choices=FamilyRole.choices, help_text="Set at registration; cannot be changed."
    )
    given_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    paternal_surname = serializers.CharField(max_length=200, required=False, allow_blank=True)
    maternal_surname = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_date = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text="YYYY-MM-DD, YYYY-MM or YYYY."
    )
    approximate_age = serializers.CharField(
        max_length=5, required=False, allow_blank=True, help_text="Years, or a range like 5-7."
    )
    country_of_birth = serializers.CharField(max_length=60, required=False, allow_blank=True)
    place_of_birth = serializers.CharField(max_length=200, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGES), required=False, max_length=len(LANGUAGES)
    )
    needs_interpreter = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class PersonUpdateSerializer(PersonWriteSerializer):
    family_role = None  # fixed at registration, as on the edit page


class IdentifierSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(
        max_length=64, help_text="Any spelling; stored and shown in canonical form."
    )
    issuing_country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", write_only=True
    )
    source = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class CustodySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=CustodyKind.choices)
    facility = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    state = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    source = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    last_verified_on = serializers.DateField(required=False, allow_null=True, default=None)
    current = serializers.BooleanField(read_only=True)

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [_("Custody cannot end before it starts.")]}
            )
        return attrs


# --- Match candidates ------------------------------------------------------------------


class CustodyGlanceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CustodyKind.choices)
    facility = serializers.CharField()


class PersonCardSerializer(serializers.Serializer):
    """A person as the match page's card shows them."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    family_role = serializers.ChoiceField(choices=FamilyRole.choices)
    given_names = serializers.CharField()
    paternal_surname = serializers.CharField()
    maternal_surname = serializers.CharField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.CharField()
    approximate_age = serializers.CharField()
    country_of_birth = serializers.CharField()
    custody = CustodyGlanceSerializer(allow_null=True)


class AttorneySerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()


class SummarySerializer(serializers.Serializer):
    """The other side before both counsel confirm: nothing that identifies the client."""

    family_role = serializers.CharField(help_text="As a label in the reader's language.")
    age_band = serializers.CharField()
    country = serializers.CharField()
    custody = serializers.CharField(help_text="As a label in the reader's language.")
    attorneys = AttorneySerializer(many=True)


class EvidenceSerializer(serializers.Serializer):
    field = serializers.CharField()
    level = serializers.CharField()
    weight = serializers.FloatField()
    text = serializers.CharField(help_text="The evidence in the reader's language.")


class ReviewSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    ours = serializers.BooleanField(help_text="Made by your organisation.")
    reviewer = serializers.CharField(allow_null=True, help_text="Only for your organisation's.")
    reason = serializers.CharField(allow_null=True, help_text="Only for your organisation's.")


class PersonNameSerializer(serializers.Serializer):
    """A person as the match list names them."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    given_names = serializers.CharField()
    paternal_surname = serializers.CharField()
    maternal_surname = serializers.CharField()


class MatchRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=CandidateStatus.choices)
    probability = serializers.FloatField()
    cross_organization = serializers.BooleanField()
    disclosed = serializers.BooleanField()
    ours = PersonNameSerializer()
    theirs = PersonNameSerializer(allow_null=True, help_text="Only once disclosed.")
    theirs_organization = OrganizationNameSerializer()
    created_at = serializers.DateTimeField()


class MatchSerializer(MatchRowSerializer):
    ours = PersonCardSerializer()
    theirs = PersonCardSerializer(allow_null=True, help_text="Only once disclosed.")
    summary = SummarySerializer(allow_null=True, help_text="Until disclosed, instead of theirs.")
    seekers = PersonCardSerializer(
        many=True, help_text="The clients looking for the sought person."
    )
    evidence = EvidenceSerializer(many=True)
    subject_confirmed_at = serializers.DateTimeField(allow_null=True)
    candidate_confirmed_at = serializers.DateTimeField(allow_null=True)
    reviews = ReviewSerializer(many=True)
    reviewable = serializers.BooleanField()
    can_confirm = serializers.BooleanField(help_text="You are a verified attorney.")


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to reject or to ask for more information.",
    )
