"""The vocabularies of the reunification case."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    LOCATED = "located", _("Located")
    CONTACT_ESTABLISHED = "contact_established", _("Contact established")
    PARENTAGE_VERIFICATION = "parentage_verification", _("Parentage verification")
    ELIGIBILITY_REVIEW = "eligibility_review", _("Eligibility review")
    PARENT_DECISION = "parent_decision", _("Parent's decision")
    LOGISTICS = "logistics", _("Logistics")
    REUNIFIED = "reunified", _("Reunified")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    REUNIFIED = "reunified", _("Reunified")
    REUNIFIED_ELSEWHERE = "reunified_elsewhere", _("Reunified elsewhere")
    PARENT_DECLINED = "parent_declined", _("Parent declined reunification")
    OTHER_SPONSOR = "other_sponsor", _("Child released to another sponsor")
    AGED_OUT = "aged_out", _("Child aged out")
    OTHER = "other", _("Other")


class MemberRole(models.TextChoices):
    CHILD = "child", _("Child")
    ADULT = "adult", _("Adult")


class TaskKind(models.TextChoices):
    COURT_DEADLINE = "court_deadline", _("Court deadline")
    CALL = "call", _("Call")
    DOCUMENT = "document", _("Document")
    OTHER = "other", _("Other")


class CheckKind(models.TextChoices):
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate reviewed")
    ID_DOCUMENT = "id_document", _("Identity document reviewed")
    INTERVIEW = "interview", _("Interview")
    DNA_TEST = "dna_test", _("DNA test (result only)")


class CheckResult(models.TextChoices):
    CONSISTENT = "consistent", _("Consistent with parentage")
    INCONSISTENT = "inconsistent", _("Inconsistent with parentage")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class FlagCategory(models.TextChoices):
    """The categories the Ms. L. v. ICE court and the parties used for ineligibility."""

    CRIMINAL_HISTORY = "criminal_history", _("Serious criminal history")
    NOT_PARENT = "not_parent", _("Not the parent")
    ABUSE = "abuse", _("Credible evidence of abuse")
    DANGER_IN_HOUSEHOLD = "danger_household", _("Danger in the intended household")
    COMMUNICABLE_DISEASE = "communicable_disease", _("Communicable disease")
    OTHER_CUSTODY = "other_custody", _("In US Marshals or state custody")
    RED_FLAG = "red_flag", _("Red-flagged for case review")


class FlagSource(models.TextChoices):
    ICE = "ice", _("ICE")
    ORR = "orr", _("ORR")
    CBP = "cbp", _("CBP")
    COURT = "court", _("Court filing")
    COUNSEL = "counsel", _("Counsel's own review")
    OTHER = "other", _("Other")


class FlagStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    CLEARED = "cleared", _("Cleared")
    UPHELD = "upheld", _("Upheld")


class ChallengeStatus(models.TextChoices):
    NONE = "none", _("Not challenged")
    CHALLENGED = "challenged", _("Challenged")
    UPHELD = "challenge_upheld", _("Challenge upheld")
    DENIED = "challenge_denied", _("Challenge denied")


class DecisionChoice(models.TextChoices):
    REUNIFY_US = "reunify_us", _("Reunify in the United States")
    REUNIFY_HOME = "reunify_home", _("Reunify in the home country")
    DECLINE = "decline", _("Decline reunification")


class DecisionForm(models.TextChoices):
    WRITTEN = "written", _("Written")
    RECORDED = "recorded", _("Recorded")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    PARTNER = "partner", _("Partner organisation in the country")
    RADIO = "radio", _("Radio")


class OutreachOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    WANTS_REUNIFICATION = "wants_reunification", _("Wants reunification")
    UNDECIDED = "undecided", _("Undecided")
    UNREACHABLE = "unreachable", _("Unreachable")
    DECLINED = "declined", _("Declined")
