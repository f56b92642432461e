"""The registry: people, the names and numbers agencies gave them, where they are held,
the separation that split them and who they say their family is.

Every value that identifies or locates a person is an EncryptedTextField: the database
and its backups hold only ciphertext. Lookups go through SearchKey, a table of keyed
blind indexes. `__str__` never shows a name (it ends up in logs).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reunite.accounts.models import Organization
from reunite.core.fields import EncryptedTextField
from reunite.core.models import PublicModel
from reunite.people.choices import (
    Agency,
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
    SeparationReason,
    Sex,
    ShareLevel,
)


class Person(PublicModel):
    """Someone an organisation represents (a client), or someone a client is looking for,
    as the client describes them."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="people")
    kind = models.CharField(max_length=16, choices=RecordKind.choices, default=RecordKind.CLIENT)
    family_role = models.CharField(max_length=16, choices=FamilyRole.choices)
    given_names = EncryptedTextField(blank=True)
    paternal_surname = EncryptedTextField(blank=True)
    maternal_surname = EncryptedTextField(blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    # Partial ISO date: "2011", "2011-04" or "2011-04-23".
    birth_date = EncryptedTextField(blank=True)
    # When no date is known: "6" or "5-7" (years).
    approximate_age = EncryptedTextField(blank=True)
    country_of_birth = EncryptedTextField(blank=True)
    place_of_birth = EncryptedTextField(blank=True)
    # Comma-separated language codes (see choices.LANGUAGES).
    languages = EncryptedTextField(blank=True)
    needs_interpreter = models.BooleanField(default=False)
    # Privileged attorney notes.
    notes = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retention_until = models.DateField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "deleted_at", "-created_at"]),
            # The few purged people, for "not purged" asked as an anti-join (a filter on
            # every visible match candidate: see tracing.access.visible_matches).
            models.Index(fields=["id"], condition=Q(purged_at__isnull=False), name="people_purged"),
        ]

    def __str__(self):
        return f"person {self.public_id}"


class PersonName(PublicModel):
    """Another name under which an agency or document recorded the person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_names")
    kind = models.CharField(max_length=16, choices=NameKind.choices)
    given_names = EncryptedTextField(blank=True)
    family_names = EncryptedTextField(blank=True)
    source = models.CharField(max_length=120, blank=True)

    def __str__(self):
        return f"name {self.public_id}"


class Identifier(PublicModel):
    """One entry of the identifiers crosswalk. `lookup` is a blind index of the
    normalised value, so that any identifier finds the person without plaintext."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=16, choices=IdentifierKind.choices)
    value = EncryptedTextField()
    lookup = models.CharField(max_length=32, db_index=True)
    issuing_country = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "lookup"], name="one_identifier_per_kind")
        ]

    def __str__(self):
        return f"identifier {self.public_id} ({self.kind})"


class CustodyEvent(PublicModel):
    """Where the person was or is held, and how fresh that information is."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="custody_events")
    kind = models.CharField(max_length=16, choices=CustodyKind.choices)
    facility = EncryptedTextField(blank=True)
    city = EncryptedTextField(blank=True)
    state = EncryptedTextField(blank=True)
    country = EncryptedTextField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=120, blank=True)
    last_verified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="custody_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"custody {self.public_id} ({self.kind})"


class Separation(PublicModel):
    """The event that separated a child from the adult(s) they arrived with."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(null=True, blank=True)
    place = EncryptedTextField(blank=True)  # port of entry or Border Patrol sector
    agency = models.CharField(max_length=8, choices=Agency.choices, blank=True)
    reason = models.CharField(max_length=24, choices=SeparationReason.choices, blank=True)
    reason_detail = EncryptedTextField(blank=True)
    reported_by = EncryptedTextField(blank=True)
    people = models.ManyToManyField(Person, through="SeparationMember", related_name="separations")

    def __str__(self):
        return f"separation {self.public_id}"


class SeparationMember(models.Model):
    separation = models.ForeignKey(Separation, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    is_child = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["separation", "person"], name="once_per_separation")
        ]

    def __str__(self):
        return f"separation member {self.pk}"


class FamilyLink(PublicModel):
    """A claimed relationship: `relative` is the `relationship` of `person`
    (e.g. relative=mother of person=child). Unverified until verified."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_links")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relative_links")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    status = models.CharField(max_length=16, choices=LinkStatus.choices, default=LinkStatus.CLAIMED)
    claimed_by = models.CharField(max_length=120, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "relationship"], name="one_link_per_relationship"
            ),
            models.CheckConstraint(condition=~Q(person=models.F("relative")), name="no_self_link"),
        ]

    def __str__(self):
        return f"family link {self.public_id}"


class ContactChannel(PublicModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=16, choices=ContactKind.choices)
    value = EncryptedTextField()
    holder = EncryptedTextField(blank=True)  # whose phone, when it is a relative's
    safe_to_contact = models.BooleanField(default=False)

    def __str__(self):
        return f"contact {self.public_id} ({self.kind})"


class Consent(PublicModel):
    """Consent to tracing or to sharing with other counsel, and its withdrawal."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=16, choices=ConsentScope.choices)
    given_by = EncryptedTextField(blank=True)  # the client, or who consented for a child
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    language = models.CharField(max_length=8)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"consent {self.public_id} ({self.scope})"


class PersonShare(PublicModel):
    """One person's record shared with another organisation, revocably."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shares")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=8, choices=ShareLevel.choices)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_share_per_org",
            )
        ]

    def __str__(self):
        return f"share {self.public_id}"


class SearchKey(models.Model):
    """A keyed blind index of one name token, phonetic code or identifier of a person.

    The same digest in two rows means the same normalised value, and nothing more can
    be learnt from the table without the blind-index key.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_keys")
    digest = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["digest", "person"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "digest"], name="one_key_per_person")
        ]

    def __str__(self):
        return f"search key {self.pk}"
