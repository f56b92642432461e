"""Users, the organisations they work for, and what they may do there."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reunite.accounts.roles import Role
from reunite.core.models import PublicModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class User(PublicModel, AbstractUser):
    """A member of staff of one or more legal organisations. Logs in by email."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name"]

    def __str__(self):
        return f"user {self.public_id}"


class Organization(PublicModel):
    """A legal service provider: the unit that owns clients and their data."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(PublicModel):
    """A user's role in one organisation, with attorney credentials where they apply."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    bar_number = models.CharField(_("bar number"), max_length=32, blank=True)
    bar_state = models.CharField(_("bar state"), max_length=2, blank=True)
    eoir_id = models.CharField(_("EOIR ID (accredited representative)"), max_length=32, blank=True)
    attorney_verified_at = models.DateTimeField(null=True, blank=True)
    attorney_verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
            models.CheckConstraint(
                condition=Q(attorney_verified_at__isnull=True) | Q(role=Role.ATTORNEY),
                name="only_attorneys_are_verified",
            ),
        ]

    def __str__(self):
        return f"membership {self.public_id} ({self.role})"

    @property
    def is_verified_attorney(self) -> bool:
        return self.role == Role.ATTORNEY and self.attorney_verified_at is not None


class Invitation(PublicModel):
    """An organisation admin's invitation to join; the token is stored only as a hash."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # Empty for the first admin of an organisation, invited from the command line.
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"invitation {self.public_id}"

    def is_open(self, *, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
