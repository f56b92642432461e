"""The fund ledger's writers: gifts in, disbursements out, journal entries, reversals.

Every posting goes through `_post`, which checks what the database checks again (legs
sum to zero, posted once) and what only the service can (no cash account goes negative;
restricted cash is spent only within its own fund).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reunite.accounts.access import has, require
from reunite.accounts.models import Membership, Organization
from reunite.accounts.roles import Capability
from reunite.accounts.uploads import scan_upload
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.funds import screening
from reunite.funds.models import (
    ACCOUNT_KINDS,
    FUND_PURPOSES,
    Account,
    AccountCode,
    Approval,
    DecisionReason,
    Disbursement,
    DisbursementKind,
    DisbursementStatus,
    Donor,
    Entry,
    ExclusionEntry,
    ExclusionSource,
    Fund,
    Gift,
    GiftStatus,
    Transaction,
    TransactionKind,
)

# The disbursement lifecycle. Approval happens in steps (one per approver) and moves to
# APPROVED once enough approvers have signed; refunds and forfeits are for bonds only.
TRANSITIONS: dict[str, frozenset[str]] = {
    DisbursementStatus.REQUESTED: frozenset(
        {DisbursementStatus.APPROVED, DisbursementStatus.REJECTED}
    ),
    DisbursementStatus.APPROVED: frozenset({DisbursementStatus.PAID, DisbursementStatus.REJECTED}),
    DisbursementStatus.PAID: frozenset({DisbursementStatus.REFUNDED, DisbursementStatus.FORFEITED}),
    DisbursementStatus.REJECTED: frozenset(),
    DisbursementStatus.REFUNDED: frozenset(),
    DisbursementStatus.FORFEITED: frozenset(),
}


def _same_org(actor: Membership, obj) -> None:
    if obj.organization_id != actor.organization_id:
        raise NotFound()


def _move(disbursement: Disbursement, to: str) -> None:
    if to not in TRANSITIONS[disbursement.status]:
        raise Conflict(
            _("A disbursement that is %(status)s cannot become %(to)s.")
            % {"status": disbursement.get_status_display().lower(), "to": to},
            code="invalid_transition",
        )
    disbursement.status = to


# --- Accounts and postings -----------------------------------------------------------


def account_get(*, organization: Organization, fund: str, code: str) -> Account:
    """The organisation's account for (fund, code), opened on first use."""
    account, _created = Account.objects.get_or_create(
        organization=organization,
        fund=fund,
        code=code,
        defaults={"kind": ACCOUNT_KINDS[code], "restricted": fund != Fund.GENERAL},
    )
    return account


def _balance(account: Account) -> int:
    total = Entry.objects.filter(account=account, transaction__posted=True).aggregate(
        total=Sum("amount_cents")
    )["total"]
    return int(total or 0)


def _post(
    *,
    organization: Organization,
    kind: str,
    legs: list[tuple[Account, int]],
    occurred_on: date,
    actor: Membership | None,
    memo: str = "",
    key: str = "",
    case_id: uuid.UUID | None = None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Write a transaction with its legs, then post it (the database checks the sum)."""
    if len(legs) < 2 or any(amount == 0 for _account, amount in legs):
        raise Invalid(_("A ledger transaction needs two legs or more, none of them zero."))
    if any(not isinstance(amount, int) or isinstance(amount, bool) for _a, amount in legs):
        raise Invalid(_("Amounts are whole cents."))
    if sum(amount for _account, amount in legs) != 0:
        raise Invalid(_("The legs of a ledger transaction must sum to zero."), code="unbalanced")
    if any(account.organization_id != organization.pk for account, _amount in legs):
        raise Invalid(_("Every leg must be in the organisation's own ledger."))
    # Restricted money stays restricted: cash leaving a restricted fund may only meet
    # accounts of that same fund.
    funds = {account.fund for account, _amount in legs}
    for account, amount in legs:
        spends_restricted = account.restricted and account.code == AccountCode.CASH and amount < 0
        if spends_restricted and funds != {account.fund}:
            raise Conflict(
                _("Restricted money in the %(fund)s cannot pay for another fund's purpose.")
                % {"fund": account.get_fund_display().lower()},
                code="restricted_fund",
            )
    # Lock the cash accounts this posting touches (in a fixed order), then check that
    # none goes below zero: two payments from one fund queue here.
    cash_ids = sorted({a.pk for a, _m in legs if a.code == AccountCode.CASH})
    list(Account.objects.select_for_update().filter(pk__in=cash_ids).order_by("pk"))
    for account, amount in legs:
        if account.code == AccountCode.CASH and amount < 0 and _balance(account) + amount < 0:
            raise Conflict(
                _("Not enough money in the %(fund)s.")
                % {"fund": account.get_fund_display().lower()},
                code="insufficient_funds",
            )
    txn = Transaction(
        organization=organization,
        kind=kind,
        memo=memo,
        occurred_on=occurred_on,
        created_by=actor,
        key=key,
        case_id=case_id,
        reverses=reverses,
    )
    # Uniqueness (the settlement key, one reversal) is the database's to enforce, so
    # that two concurrent postings of the same thing meet a constraint, not a race.
    txn.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            txn.save()
    except IntegrityError as exc:
        raise Conflict(_("This has already been posted."), code="already_posted") from exc
    Entry.objects.bulk_create(
        [Entry(transaction=txn, account=account, amount_cents=amount) for account, amount in legs]
    )
    txn.posted = True
    txn.save(update_fields=["posted", "updated_at"])
    return txn


@dataclass(frozen=True)
class Leg:
    fund: str
    code: str
    amount_cents: int  # positive: debit; negative: credit


@transaction.atomic
def transaction_post(
    *,
    actor: Membership,
    legs: list[Leg],
    memo: str,
    occurred_on: date,
) -> Transaction:
    """A journal entry by hand (opening balances, a transfer between funds, a fee)."""
    require(actor, Capability.MANAGE_FUNDS)
    organization = actor.organization
    accounts = [
        (account_get(organization=organization, fund=leg.fund, code=leg.code), leg.amount_cents)
        for leg in legs
    ]
    txn = _post(
        organization=organization,
        kind=TransactionKind.ADJUSTMENT,
        legs=accounts,
        occurred_on=occurred_on,
        actor=actor,
        memo=memo,
    )
    record(
        event_type=EventType.LEDGER_ENTRY_POSTED,
        actor=actor.user,
        organization=organization,
        target=txn,
        fields=["memo"] if memo else [],
        data={"legs": len(legs), "debits_cents": sum(a for _x, a in accounts if a > 0)},
    )
    return txn


# Settled through their own lifecycle (refund, forfeit), never reversed by hand.
_LIFECYCLE_KINDS = {TransactionKind.PAYMENT, TransactionKind.REFUND, TransactionKind.FORFEITURE}


@transaction.atomic
def transaction_reverse(
    *,
    actor: Membership,
    transaction: Transaction,
    memo: str,
    occurred_on: date,
) -> Transaction:
    """The correction of a posted transaction: a new one with every leg negated."""
    require(actor, Capability.MANAGE_FUNDS)
    _same_org(actor, transaction)
    original = Transaction.objects.select_for_update().get(pk=transaction.pk)
    if not original.posted:
        raise Conflict(_("Only a posted transaction can be reversed."))
    if original.kind == TransactionKind.REVERSAL:
        raise Conflict(_("A reversal is not reversed; post the entry again instead."))
    if original.kind in _LIFECYCLE_KINDS:
        raise Conflict(
            _("A disbursement's postings are corrected through the disbursement."),
            code="use_disbursement",
        )
    if Transaction.objects.filter(reverses=original).exists():
        raise Conflict(_("This transaction has already been reversed."), code="already_reversed")
    legs = [(e.account, -e.amount_cents) for e in original.entries.select_related("account")]
    reversal = _post(
        organization=original.organization,
        kind=TransactionKind.REVERSAL,
        legs=legs,
        occurred_on=occurred_on,
        actor=actor,
        memo=memo,
        key=f"reversal:{original.public_id}",
        case_id=original.case_id,
        reverses=original,
    )
    record(
        event_type=EventType.LEDGER_ENTRY_REVERSED,
        actor=actor.user,
        organization=original.organization,
        target=reversal,
        fields=["memo"] if memo else [],
        data={"reverses": str(original.public_id), "kind": original.kind},
    )
    return reversal


# --- Gifts in -----------------------------------------------------------------------


@transaction.atomic
def donor_create(*, actor: Membership, kind: str, name: str, contact: str = "") -> Donor:
    require(actor, Capability.MANAGE_FUNDS)
    donor = Donor(
        organization=actor.organization,
        kind=kind,
        name=name.strip(),
        contact=contact.strip(),
        created_by=actor,
    )
    donor.full_clean()
    donor.save()
    record(
        event_type=EventType.DONOR_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=donor,
        fields=["name", "contact"] if contact else ["name"],
        data={"kind": kind},
    )
    return donor


@transaction.atomic
def donor_wipe(*, actor: Membership, donor: Donor, now: datetime) -> Donor:
    """Blank a donor's name and contact (their gifts' amounts stay in the ledger)."""
    require(actor, Capability.MANAGE_FUNDS)
    _same_org(actor, donor)
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    donor.name, donor.contact, donor.wiped_at = "—", "", now
    donor.save()
    Gift.objects.filter(donor=donor).update(reason="")
    record(
        event_type=EventType.DONOR_WIPED,
        actor=actor.user,
        organization=donor.organization,
        target=donor,
        fields=["name", "contact"],
        at=now,
    )
    return donor


@transaction.atomic
def gift_record(
    *, actor: Membership, donor: Donor, amount_cents: int, fund: str, received_on: date
) -> Gift:
    """A gift received and waiting for screening: it touches no fund yet."""
    require(actor, Capability.MANAGE_FUNDS)
    _same_org(actor, donor)
    gift = Gift(
        organization=actor.organization,
        donor=donor,
        amount_cents=amount_cents,
        fund=fund,
        received_on=received_on,
        recorded_by=actor,
    )
    gift.full_clean()
    gift.save()
    record(
        event_type=EventType.GIFT_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=gift,
        data={"donor": str(donor.public_id), "amount_cents": amount_cents, "fund": fund},
    )
    return gift


def gift_screen(*, actor: Membership, gift: Gift) -> list[ExclusionEntry]:
    """The organisation's exclusion entries the gift's donor matches (none: clear)."""
    require(actor, Capability.MANAGE_FUNDS)
    _same_org(actor, gift)
    name = gift.donor.name
    return [
        entry
        for entry in ExclusionEntry.objects.filter(organization=gift.organization)
        if screening.is_excluded_name(name, entry.normalized)
    ]


def _pending(actor: Membership, gift: Gift) -> Gift:
    require(actor, Capability.MANAGE_FUNDS)
    _same_org(actor, gift)
    gift = Gift.objects.select_for_update().select_related("donor").get(pk=gift.pk)
    if gift.status != GiftStatus.PENDING:
        raise Conflict(_("This gift has already been decided."), code="already_decided")
    return gift


@transaction.atomic
def gift_accept(*, actor: Membership, gift: Gift, reason: str = "", now: datetime) -> Gift:
    """Accept a gift the screening clears, and post it: debit the fund's cash, credit the
    fund's donations. A donor on the exclusion list cannot be accepted."""
    gift = _pending(actor, gift)
    matches = gift_screen(actor=actor, gift=gift)
    if matches:
        raise Conflict(
            _("The donor matches the organisation's exclusion list; the gift must be refused."),
            code="donor_excluded",
        )
    organization = gift.organization
    txn = _post(
        organization=organization,
        kind=TransactionKind.GIFT,
        legs=[
            (account_get(organization=organization, fund=gift.fund, code=AccountCode.CASH), gift.amount_cents),
            (account_get(organization=organization, fund=gift.fund, code=AccountCode.DONATIONS), -gift.amount_cents),
        ],
        occurred_on=gift.received_on,
        actor=actor,
        key=f"gift:{gift.public_id}",
    )  # fmt: skip
    gift.status, gift.decided_by, gift.decided_at = GiftStatus.ACCEPTED, actor, now
    gift.reason_code, gift.reason, gift.transaction = DecisionReason.SCREENED_CLEAR, reason, txn
    gift.screening_matches = []
    gift.full_clean()
    gift.save()
    record(
        event_type=EventType.GIFT_ACCEPTED,
        actor=actor.user,
        organization=organization,
        target=gift,
        fields=["reason"] if reason else [],
        data={
            "amount_cents": gift.amount_cents,
            "fund": gift.fund,
            "reason_code": gift.reason_code,
            "transaction": str(txn.public_id),
        },
        at=now,
    )
    return gift


def _letter(gift: Gift) -> str:
    return render_to_string(
        "funds/refusal_letter.txt",
        {
            "donor_name": gift.donor.name,
            "organization": gift.organization.name,
            "amount": f"{gift.amount_cents // 100:,}.{gift.amount_cents % 100:02d}",
            "received_on": gift.received_on,
            "excluded": gift.reason_code == DecisionReason.EXCLUDED,
            "date": gift.decided_at.date(),
        },
    )


@transaction.atomic
def gift_refusal_letter(*, actor: Membership, gift: Gift) -> str:
    """The refusal letter of a refused gift, written again from the template and the
    decision (the letter itself, which names the donor, is never stored). Reading it is
    recorded."""
    require(actor, Capability.MANAGE_FUNDS)
    _same_org(actor, gift)
    if gift.status != GiftStatus.REFUSED:
        raise Conflict(_("Only a refused gift has a refusal letter."), code="not_refused")
    letter = _letter(gift)
    record(
        event_type=EventType.GIFT_LETTER_VIEWED,
        actor=actor.user,
        organization=gift.organization,
        target=gift,
        fields=["donor.name"],
    )
    return letter


@dataclass(frozen=True)
class Refusal:
    gift: Gift
    letter: str  # names the donor: shown once to the finance officer, never stored


@transaction.atomic
def gift_refuse(*, actor: Membership, gift: Gift, reason: str = "", now: datetime) -> Refusal:
    """Refuse a gift (on an exclusion match, or under the policy) and write the refusal
    letter. The gift never touches a fund."""
    gift = _pending(actor, gift)
    matches = gift_screen(actor=actor, gift=gift)
    gift.status, gift.decided_by, gift.decided_at = GiftStatus.REFUSED, actor, now
    gift.reason_code = DecisionReason.EXCLUDED if matches else DecisionReason.POLICY
    gift.reason = reason
    gift.screening_matches = [str(m.public_id) for m in matches]
    gift.full_clean()
    gift.save()
    letter = _letter(gift)
    record(
        event_type=EventType.GIFT_REFUSED,
        actor=actor.user,
        organization=gift.organization,
        target=gift,
        fields=["reason"] if reason else [],
        data={
            "amount_cents": gift.amount_cents,
            "reason_code": gift.reason_code,
            "matches": len(matches),
        },
        at=now,
    )
    return Refusal(gift=gift, letter=letter)


@transaction.atomic
def exclusion_add(*, actor: Membership, name: str, agency: str = "") -> ExclusionEntry:
    require(actor, Capability.MANAGE_FUNDS)
    normalized = screening.normalize_name(name)
    if not normalized:
        raise Invalid(_("Give the name of the company to exclude."))
    if ExclusionEntry.objects.filter(
        organization=actor.organization, normalized=normalized
    ).exists():
        raise Conflict(_("This name is already on the exclusion list."), code="duplicate")
    entry = ExclusionEntry(
        organization=actor.organization,
        name=name.strip()[:300],
        normalized=normalized[:300],
        source=ExclusionSource.MANUAL,
        agency=agency.strip()[:200],
        added_by=actor,
    )
    entry.full_clean()
    entry.save()
    record(
        event_type=EventType.EXCLUSION_ADDED,
        actor=actor.user,
        organization=actor.organization,
        target=entry,
        data={"source": entry.source},
    )
    return entry


@dataclass(frozen=True)
class ExclusionImport:
    created: int
    already_listed: int
    other_agency: int
    rejected: list[tuple[int, str]]  # (line, reason)


def exclusions_import(
    *,
    actor: Membership,
    data: bytes | str,
    agencies: frozenset[str] = screening.DEFAULT_AGENCIES,
) -> ExclusionImport:
    """Add the contractors of the given agencies from a federal contract-awards CSV to
    the organisation's exclusion list. Each good row is added whole; each bad row is
    reported with its line and reason. An uploaded file goes past the virus scanner
    first (when one is configured), outside the transaction, so that the audit event of
    an infected file stays."""
    require(actor, Capability.MANAGE_FUNDS)
    if isinstance(data, bytes):
        scan_upload(actor=actor, data=data, upload="exclusions")
    return _exclusions_keep(actor=actor, data=data, agencies=agencies)


@transaction.atomic
def _exclusions_keep(
    *, actor: Membership, data: bytes | str, agencies: frozenset[str]
) -> ExclusionImport:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid(_("The file is not UTF-8 text."), code="bad_encoding") from exc
    try:
        parsed = screening.read_contract_awards(data, agencies=agencies)
    except ValueError as exc:
        raise Invalid(str(exc), code="bad_header") from exc
    organization = actor.organization
    known = set(
        ExclusionEntry.objects.filter(organization=organization).values_list(
            "normalized", flat=True
        )
    )
    new = []
    for row in parsed.rows:
        if row.normalized in known:
            continue
        known.add(row.normalized)
        new.append(
            ExclusionEntry(
                organization=organization,
                name=row.name,
                normalized=row.normalized,
                source=ExclusionSource.CONTRACT_AWARDS,
                agency=row.agency,
                reference=row.reference,
                added_by=actor,
            )
        )
    ExclusionEntry.objects.bulk_create(new)
    result = ExclusionImport(
        created=len(new),
        already_listed=len(parsed.rows) - len(new),
        other_agency=parsed.other_agency,
        rejected=parsed.rejected,
    )
    record(
        event_type=EventType.EXCLUSIONS_IMPORTED,
        actor=actor.user,
        organization=organization,
        data={
            "created": result.created,
            "already_listed": result.already_listed,
            "other_agency": result.other_agency,
            "rejected": len(result.rejected),
        },
    )
    return result


# --- Money out ----------------------------------------------------------------------


def approvals_required(amount_cents: int) -> int:
    return 2 if amount_cents > settings.SECOND_APPROVAL_CENTS else 1


@transaction.atomic
def disbursement_request(
    *,
    actor: Membership,
    case_id: uuid.UUID,
    kind: str,
    amount_cents: int,
    fund: str,
    person_id: uuid.UUID | None = None,
    facility: str = "",
    obligor: str = "",
    receipt_number: str = "",
    details: str = "",
) -> Disbursement:
    """A request for money on a case. The cases app checks the actor's access to the case
    and passes its public id; a bond names the detained parent (`person_id`)."""
    if not (has(actor, Capability.EDIT_CLIENTS) or has(actor, Capability.MANAGE_FUNDS)):
        raise Forbidden(_("Your role in this organisation does not allow this."))
    if kind not in FUND_PURPOSES.get(fund, frozenset()):
        raise Conflict(
            _("Restricted money in the %(fund)s cannot pay for this.")
            % {"fund": Fund(fund).label.lower() if fund in Fund.values else fund},
            code="restricted_fund",
        )
    if kind == DisbursementKind.BOND and person_id is None:
        raise Invalid(_("A bond names the detained parent it is for."))
    disbursement = Disbursement(
        organization=actor.organization,
        case_id=case_id,
        person_id=person_id,
        kind=kind,
        amount_cents=amount_cents,
        fund=fund,
        facility=facility.strip(),
        obligor=obligor.strip(),
        receipt_number=receipt_number.strip(),
        details=details.strip(),
        requested_by=actor,
        approvals_required=approvals_required(amount_cents),
    )
    disbursement.full_clean()
    disbursement.save()
    record(
        event_type=EventType.DISBURSEMENT_REQUESTED,
        actor=actor.user,
        organization=actor.organization,
        target=disbursement,
        fields=[f for f in ("facility", "obligor", "receipt_number", "details") if getattr(disbursement, f)],
        data={
            "case": str(case_id),
            "kind": kind,
            "amount_cents": amount_cents,
            "fund": fund,
            "approvals_required": disbursement.approvals_required,
        },
    )  # fmt: skip
    return disbursement


def _locked(actor: Membership, disbursement: Disbursement) -> Disbursement:
    _same_org(actor, disbursement)
    return Disbursement.objects.select_for_update().get(pk=disbursement.pk)


@transaction.atomic
def disbursement_approve(
    *, actor: Membership, disbursement: Disbursement, now: datetime
) -> Disbursement:
    """One finance officer's approval. Nobody approves their own request, nobody twice;
    above SECOND_APPROVAL_CENTS a second officer must approve too."""
    require(actor, Capability.APPROVE_PAYMENTS)
    disbursement = _locked(actor, disbursement)
    if disbursement.requested_by_id == actor.pk:
        raise Forbidden(_("Nobody approves their own request."), code="self_approval")
    if disbursement.status != DisbursementStatus.REQUESTED:
        raise Conflict(_("This disbursement is not waiting for approval."), code="not_requested")
    if disbursement.approvals.filter(approver=actor).exists():
        raise Conflict(_("You have already approved this disbursement."), code="already_approved")
    try:
        with transaction.atomic():
            Approval.objects.create(disbursement=disbursement, approver=actor, at=now)
    except IntegrityError as exc:
        raise Conflict(_("You have already approved this disbursement."), code="already_approved") from exc  # fmt: skip
    count = disbursement.approvals.count()
    if count >= disbursement.approvals_required:
        _move(disbursement, DisbursementStatus.APPROVED)
        disbursement.decided_by = actor
        disbursement.full_clean()
        disbursement.save()
    record(
        event_type=EventType.DISBURSEMENT_APPROVAL,
        actor=actor.user,
        organization=disbursement.organization,
        target=disbursement,
        data={
            "approvals": count,
            "approvals_required": disbursement.approvals_required,
            "status": disbursement.status,
        },
        at=now,
    )
    return disbursement


@transaction.atomic
def disbursement_reject(
    *, actor: Membership, disbursement: Disbursement, reason: str, now: datetime
) -> Disbursement:
    require(actor, Capability.APPROVE_PAYMENTS)
    disbursement = _locked(actor, disbursement)
    _move(disbursement, DisbursementStatus.REJECTED)
    disbursement.decided_by, disbursement.reason = actor, reason
    disbursement.full_clean()
    disbursement.save()
    record(
        event_type=EventType.DISBURSEMENT_REJECTED,
        actor=actor.user,
        organization=disbursement.organization,
        target=disbursement,
        fields=["reason"] if reason else [],
        data={"status": disbursement.status},
        at=now,
    )
    return disbursement


def _accounts(disbursement: Disbursement, *codes: str) -> list[Account]:
    return [
        account_get(organization=disbursement.organization, fund=disbursement.fund, code=code)
        for code in codes
    ]


@transaction.atomic
def disbursement_pay(
    *, actor: Membership, disbursement: Disbursement, paid_on: date, memo: str = "", now: datetime
) -> Disbursement:
    """Pay an approved disbursement from its fund: credit the fund's cash, debit bonds
    receivable (a bond comes back when it is cancelled) or the fund's expense."""
    require(actor, Capability.MANAGE_FUNDS)
    disbursement = _locked(actor, disbursement)
    _move(disbursement, DisbursementStatus.PAID)
    target = (
        AccountCode.BONDS_RECEIVABLE
        if disbursement.kind == DisbursementKind.BOND
        else AccountCode.PROGRAM_EXPENSE
    )
    debit, cash = _accounts(disbursement, target, AccountCode.CASH)
    txn = _post(
        organization=disbursement.organization,
        kind=TransactionKind.PAYMENT,
        legs=[(debit, disbursement.amount_cents), (cash, -disbursement.amount_cents)],
        occurred_on=paid_on,
        actor=actor,
        memo=memo,
        key=f"disbursement:{disbursement.public_id}:payment",
        case_id=disbursement.case_id,
    )
    disbursement.payment, disbursement.paid_by, disbursement.paid_on = txn, actor, paid_on
    disbursement.full_clean()
    disbursement.save()
    record(
        event_type=EventType.DISBURSEMENT_PAID,
        actor=actor.user,
        organization=disbursement.organization,
        target=disbursement,
        data={
            "amount_cents": disbursement.amount_cents,
            "fund": disbursement.fund,
            "transaction": str(txn.public_id),
        },
        at=now,
    )
    return disbursement


def _settle(
    *,
    actor: Membership,
    disbursement: Disbursement,
    to: str,
    debit_code: str,
    kind: str,
    event: EventType,
    on: date,
    reason: str,
    now: datetime,
) -> Disbursement:
    require(actor, Capability.MANAGE_FUNDS)
    disbursement = _locked(actor, disbursement)
    if disbursement.kind != DisbursementKind.BOND:
        raise Conflict(_("Only a bond is refunded or forfeited."), code="not_a_bond")
    _move(disbursement, to)
    debit, receivable = _accounts(disbursement, debit_code, AccountCode.BONDS_RECEIVABLE)
    txn = _post(
        organization=disbursement.organization,
        kind=kind,
        legs=[(debit, disbursement.amount_cents), (receivable, -disbursement.amount_cents)],
        occurred_on=on,
        actor=actor,
        key=f"disbursement:{disbursement.public_id}:settlement",
        case_id=disbursement.case_id,
    )
    disbursement.settlement, disbursement.settled_on, disbursement.reason = txn, on, reason
    disbursement.full_clean()
    disbursement.save()
    record(
        event_type=event,
        actor=actor.user,
        organization=disbursement.organization,
        target=disbursement,
        fields=["reason"] if reason else [],
        data={"amount_cents": disbursement.amount_cents, "transaction": str(txn.public_id)},
        at=now,
    )
    return disbursement


@transaction.atomic
def disbursement_refund(
    *,
    actor: Membership,
    disbursement: Disbursement,
    refunded_on: date,
    reason: str = "",
    now: datetime,
) -> Disbursement:
    """The bond was cancelled (the case ended, the parent appeared) and the money came
    back: debit the fund's cash, credit bonds receivable."""
    return _settle(
        actor=actor, disbursement=disbursement, to=DisbursementStatus.REFUNDED,
        debit_code=AccountCode.CASH, kind=TransactionKind.REFUND,
        event=EventType.BOND_REFUNDED, on=refunded_on, reason=reason, now=now,
    )  # fmt: skip


@transaction.atomic
def disbursement_forfeit(
    *,
    actor: Membership,
    disbursement: Disbursement,
    breached_on: date,
    reason: str = "",
    now: datetime,
) -> Disbursement:
    """The bond was breached: write the receivable off to the fund's forfeiture expense."""
    return _settle(
        actor=actor, disbursement=disbursement, to=DisbursementStatus.FORFEITED,
        debit_code=AccountCode.BOND_FORFEITURES, kind=TransactionKind.FORFEITURE,
        event=EventType.BOND_FORFEITED, on=breached_on, reason=reason, now=now,
    )  # fmt: skip
