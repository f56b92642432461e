"""The fund ledger: double-entry accounts, gifts in, disbursements out.

Money is integer cents everywhere. A Transaction's legs (Entry rows) sum to zero; the
database refuses to post one that does not (see migration 0002), and refuses any change
to a posted transaction's legs: corrections are reversing transactions.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reunite.accounts.models import Membership, Organization
from reunite.core.fields import EncryptedTextField
from reunite.core.models import PublicModel


class Fund(models.TextChoices):
    GENERAL = "general", _("General fund")
    BOND = "bond", _("Bond fund")
    TRAVEL = "travel", _("Travel fund")


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")
    NET_ASSETS = "net_assets", _("Net assets")


class AccountCode(models.TextChoices):
    """The organisation's chart of accounts: one of each per fund."""

    CASH = "cash", _("Cash")
    BONDS_RECEIVABLE = "bonds_receivable", _("Bonds posted (receivable)")
    PAYABLES = "payables", _("Payables")
    DONATIONS = "donations", _("Donations")
    PROGRAM_EXPENSE = "program_expense", _("Travel and support paid")
    BOND_FORFEITURES = "bond_forfeitures", _("Bonds forfeited")
    NET_ASSETS = "net_assets", _("Net assets")


ACCOUNT_KINDS: dict[str, str] = {
    AccountCode.CASH: AccountKind.ASSET,
    AccountCode.BONDS_RECEIVABLE: AccountKind.ASSET,
    AccountCode.PAYABLES: AccountKind.LIABILITY,
    AccountCode.DONATIONS: AccountKind.INCOME,
    AccountCode.PROGRAM_EXPENSE: AccountKind.EXPENSE,
    AccountCode.BOND_FORFEITURES: AccountKind.EXPENSE,
    AccountCode.NET_ASSETS: AccountKind.NET_ASSETS,
}


class Account(PublicModel):
    """One account of an organisation's ledger, e.g. "Cash — bond fund"."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    fund = models.CharField(_("fund"), max_length=16, choices=Fund.choices)
    code = models.CharField(_("account"), max_length=32, choices=AccountCode.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    # Money given for a purpose (bonds, travel) may only be spent on that purpose.
    restricted = models.BooleanField(_("restricted"), default=False)

    class Meta:
        ordering = ["fund", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fund", "code"], name="funds_one_account_per_fund_code"
            ),
            models.CheckConstraint(
                condition=Q(restricted=False) | ~Q(fund=Fund.GENERAL),
                name="funds_general_fund_is_unrestricted",
            ),
        ]

    def __str__(self):
        return f"{self.get_code_display()} — {self.get_fund_display().lower()}"


class TransactionKind(models.TextChoices):
    GIFT = "gift", _("Gift received")
    PAYMENT = "payment", _("Disbursement paid")
    REFUND = "refund", _("Bond refunded")
    FORFEITURE = "forfeiture", _("Bond forfeited")
    ADJUSTMENT = "adjustment", _("Journal entry")
    REVERSAL = "reversal", _("Reversal")


class Transaction(PublicModel):
    """A balanced set of legs. Written unposted, legs added, then `posted` flipped last:
    the database checks the legs at that moment (and, on PostgreSQL, again at commit)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=TransactionKind.choices)
    memo = EncryptedTextField(_("memo"), blank=True)  # free text: may name people
    occurred_on = models.DateField(_("date"))
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # What the transaction settles ("disbursement:<id>:payment"): unique, so the database
    # itself refuses to pay a disbursement or accept a gift twice.
    key = models.CharField(max_length=100, blank=True)
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    posted = models.BooleanField(default=False)

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=~Q(key=""),
                name="funds_transaction_settles_once",
            ),
        ]

    def __str__(self):
        return f"transaction {self.public_id} ({self.kind})"


class Entry(models.Model):
    """One leg: positive amounts are debits, negative amounts credits."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_cents = models.BigIntegerField(_("amount (cents)"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="funds_entry_not_zero"),
        ]

    def __str__(self):
        return f"entry {self.pk}: {self.amount_cents}"


# --- Gifts in ---------------------------------------------------------------------------


class DonorKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ORGANIZATION = "organization", _("Company or foundation")


class Donor(PublicModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=DonorKind.choices)
    name = EncryptedTextField(_("name"))
    contact = EncryptedTextField(_("contact"), blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    wiped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"donor {self.public_id}"


class GiftStatus(models.TextChoices):
    PENDING = "pending", _("Pending screening")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class DecisionReason(models.TextChoices):
    SCREENED_CLEAR = "screened_clear", _("Screened: not on the exclusion list")
    EXCLUDED = "excluded", _("Donor on the exclusion list")
    POLICY = "policy", _("Refused under the gift acceptance policy")


class Gift(PublicModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="gifts")
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    fund = models.CharField(_("fund"), max_length=16, choices=Fund.choices)
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=GiftStatus.choices, default=GiftStatus.PENDING)
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=32, choices=DecisionReason.choices, blank=True)
    reason = EncryptedTextField(_("reason"), blank=True)  # the officer's words may name the donor
    # Exclusion entries the screening matched, by public id (the decision's evidence).
    screening_matches = models.JSONField(default=list, blank=True)
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="gift"
    )

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="funds_gift_positive"),
            # A refused or pending gift never touches a fund; an accepted one always does.
            models.CheckConstraint(
                condition=(
                    Q(status=GiftStatus.ACCEPTED, transaction__isnull=False)
                    | (~Q(status=GiftStatus.ACCEPTED) & Q(transaction__isnull=True))
                ),
                name="funds_only_accepted_gifts_are_posted",
            ),
            models.CheckConstraint(
                condition=Q(status=GiftStatus.PENDING) | Q(decided_by__isnull=False),
                name="funds_gift_decision_has_a_decider",
            ),
        ]

    def __str__(self):
        return f"gift {self.public_id} ({self.status})"


class ExclusionSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CONTRACT_AWARDS = "contract_awards", _("Federal contract awards")


class ExclusionEntry(PublicModel):
    """A company the organisation will not take money from. Company names from public
    contract data: not personal data, kept in clear so that screening can compare them."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=300)
    normalized = models.CharField(max_length=300)
    source = models.CharField(max_length=32, choices=ExclusionSource.choices)
    agency = models.CharField(_("awarding agency"), max_length=200, blank=True)
    reference = models.CharField(_("award reference"), max_length=100, blank=True)
    added_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["normalized"]
        verbose_name_plural = "exclusion entries"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "normalized"], name="funds_exclusion_once_per_org"
            ),
            models.CheckConstraint(condition=~Q(normalized=""), name="funds_exclusion_named"),
        ]

    def __str__(self):
        return f"exclusion {self.public_id}"


# --- Money out --------------------------------------------------------------------------


class DisbursementKind(models.TextChoices):
    BOND = "bond", _("Immigration bond")
    TRAVEL = "travel", _("Travel (tickets, escort, lodging)")
    PHONE_OR_COMMISSARY = "phone_or_commissary", _("Phone or commissary credit")


class DisbursementStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")
    REFUNDED = "refunded", _("Bond cancelled, refunded to the fund")
    FORFEITED = "forfeited", _("Bond breached, forfeited")


# Which fund may pay for what: restricted money stays with its purpose.
FUND_PURPOSES: dict[str, frozenset[str]] = {
    Fund.GENERAL: frozenset(DisbursementKind.values),
    Fund.BOND: frozenset({DisbursementKind.BOND}),
    Fund.TRAVEL: frozenset({DisbursementKind.TRAVEL}),
}


class Disbursement(PublicModel):
    """Money out for a case. The case and the person are named by public id: the cases
    app (above this one) owns them, and the registry is this app's sibling."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    case_id = models.UUIDField(db_index=True)
    person_id = models.UUIDField(null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=DisbursementKind.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    fund = models.CharField(_("fund charged"), max_length=16, choices=Fund.choices)
    facility = EncryptedTextField(_("detention facility"), blank=True)
    obligor = EncryptedTextField(_("obligor"), blank=True)
    receipt_number = EncryptedTextField(_("bond receipt number"), blank=True)
    details = EncryptedTextField(_("details"), blank=True)  # tickets, escort, lodging
    status = models.CharField(
        max_length=16, choices=DisbursementStatus.choices, default=DisbursementStatus.REQUESTED
    )
    requested_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    approvals_required = models.PositiveSmallIntegerField(default=1)
    decided_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(_("reason"), blank=True)  # rejection, refund or breach notes
    paid_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(null=True, blank=True)
    settled_on = models.DateField(null=True, blank=True)
    payment = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="paid"
    )
    settlement = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="settled"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="funds_disbursement_positive"
            ),
            models.CheckConstraint(
                condition=Q(fund=Fund.GENERAL)
                | Q(fund=Fund.BOND, kind=DisbursementKind.BOND)
                | Q(fund=Fund.TRAVEL, kind=DisbursementKind.TRAVEL),
                name="funds_restricted_money_keeps_its_purpose",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DisbursementKind.BOND) | Q(person_id__isnull=False),
                name="funds_bond_names_the_detained_person",
            ),
            models.CheckConstraint(
                condition=Q(kind=DisbursementKind.BOND)
                | ~Q(status__in=[DisbursementStatus.REFUNDED, DisbursementStatus.FORFEITED]),
                name="funds_only_bonds_are_settled",
            ),
            models.CheckConstraint(
                condition=Q(payment__isnull=True)
                | Q(
                    status__in=[
                        DisbursementStatus.PAID,
                        DisbursementStatus.REFUNDED,
                        DisbursementStatus.FORFEITED,
                    ]
                ),
                name="funds_payment_only_when_paid",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        DisbursementStatus.PAID,
                        DisbursementStatus.REFUNDED,
                        DisbursementStatus.FORFEITED,
                    ]
                )
                | Q(payment__isnull=False),
                name="funds_paid_has_a_payment",
            ),
            models.CheckConstraint(
                condition=Q(settlement__isnull=True)
                | Q(status__in=[DisbursementStatus.REFUNDED, DisbursementStatus.FORFEITED]),
                name="funds_settlement_only_when_settled",
            ),
            models.CheckConstraint(
                condition=Q(approvals_required__gte=1), name="funds_someone_approves"
            ),
        ]

    def __str__(self):
        return f"disbursement {self.public_id} ({self.kind}, {self.status})"


class Approval(PublicModel):
    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "approver"], name="funds_one_approval_per_approver"
            ),
        ]

    def __str__(self):
        return f"approval {self.public_id}"
