"""The vocabularies of the registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FamilyRole(models.TextChoices):
    PARENT = "parent", _("Parent or legal guardian")
    CHILD = "child", _("Child")
    RELATIVE = "relative", _("Other relative")


class RecordKind(models.TextChoices):
    CLIENT = "client", _("Client")
    DESCRIBED = "described", _("Sought person, as described")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other")
    UNKNOWN = "U", _("Unknown")


class NameKind(models.TextChoices):
    ALIAS = "alias", _("Alias")
    NICKNAME = "nickname", _("Nickname")
    MISSPELLING = "misspelling", _("Misspelling")
    AGENCY = "agency", _("As an agency recorded it")
    DOCUMENT = "document", _("As a document shows it")


class IdentifierKind(models.TextChoices):
    A_NUMBER = "a_number", _("A-number")
    ORR = "orr", _("ORR / UAC number")
    CBP = "cbp", _("CBP apprehension or event number")
    EOIR = "eoir", _("EOIR case number")
    USM = "usm", _("US Marshals number")
    BOOKING = "booking", _("State or county booking number")
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National ID (DPI, DUI, ...)")
    PFIF = "pfif", _("PFIF record id")
    OTHER = "other", _("Other")


class CustodyKind(models.TextChoices):
    CBP = "cbp", _("CBP hold")
    ICE = "ice", _("ICE detention")
    ORR = "orr", _("ORR shelter")
    USM = "usm", _("US Marshals custody")
    JAIL = "jail", _("State or county jail")
    RELEASED = "released", _("Released in the US")
    REMOVED = "removed", _("Removed / deported")
    ABROAD = "abroad", _("Located abroad")
    UNKNOWN = "unknown", _("Unknown")


class Agency(models.TextChoices):
    BORDER_PATROL = "usbp", _("Border Patrol")
    OFO = "ofo", _("CBP Office of Field Operations")
    ICE = "ice", _("ICE")
    OTHER = "other", _("Other")


class SeparationReason(models.TextChoices):
    PROSECUTION = "prosecution", _("Referred for prosecution")
    CRIMINAL_HISTORY = "criminal_history", _("Criminal history")
    PARENTAGE_DOUBT = "parentage_doubt", _("Parentage questioned")
    HEALTH = "health", _("Health or medical")
    NONE_GIVEN = "none_given", _("No reason given")
    OTHER = "other", _("Other")


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GUARDIAN = "guardian", _("Legal guardian")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


class LinkStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed, not verified")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    RELATIVE_PHONE = "relative_phone", _("A relative's phone")
    EMAIL = "email", _("Email")
    ADDRESS = "address", _("Address")
    OTHER = "other", _("Other")


class ConsentScope(models.TextChoices):
    TRACING = "tracing", _("Tracing: search for their family")
    SHARING = "sharing", _("Sharing with other counsel")


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video call")
    WRITTEN = "written", _("In writing")


class ShareLevel(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("mam", "Mam"),
    ("quc", "K'iche'"),
    ("kjb", "Q'anjob'al"),
    ("kek", "Q'eqchi'"),
    ("cak", "Kaqchikel"),
    ("knj", "Akateko"),
    ("cac", "Chuj"),
    ("ixl", "Ixil"),
    ("tzj", "Tz'utujil"),
    ("poh", "Poqomchi'"),
    ("jac", "Popti' (Jakaltek)"),
    ("acr", "Achi"),
    ("gar", "Garifuna"),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("ht", _("Haitian Creole")),
    ("other", _("Other")),
]
