"""The funds pages: overview, ledger, donors and gifts (screening, acceptance, refusal
letters), the exclusion list, and the disbursement queue.

Funds sits below cases: these pages name a case only by its id and link to it by URL
name, never importing the cases app.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reunite.accounts.access import has
from reunite.accounts.decorators import member_view, require_step_up
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, Forbidden, Invalid, Unavailable
from reunite.funds import forms, selectors, services
from reunite.funds.access import (
    access_disbursement,
    access_gift,
    access_transaction,
    can_read_ledger,
)
from reunite.funds.models import (
    AccountCode,
    DisbursementKind,
    DisbursementStatus,
    Fund,
    GiftStatus,
    TransactionKind,
)

PAGE_SIZE = 25
# Reversed by hand; a disbursement's postings are corrected through the disbursement.
REVERSIBLE = {TransactionKind.GIFT, TransactionKind.ADJUSTMENT}


def _viewed(request, *, page: str, fields: list[str], target=None, **data) -> None:
    """Reading sealed fund records (donor names, memos, bond details) is recorded."""
    record(
        event_type=EventType.FUNDS_VIEWED,
        actor=request.user,
        organization=request.membership.organization,
        target=target,
        fields=fields,
        data={"page": page, **data},
    )


def _require_ledger(request) -> None:
    if not can_read_ledger(request.membership):
        raise Forbidden(_("Your role in this organisation does not allow this."))


# --- Overview and ledger --------------------------------------------------------------


@require_GET
@member_view()
def overview(request):
    """Every fund's cash, bonds out, money in and out, and whether the books reconcile."""
    _require_ledger(request)
    actor = request.membership
    balances = selectors.fund_balances(actor=actor)
    rows = []
    for fund in Fund:
        accounts = balances[fund].accounts if fund in balances else {}
        rows.append(
            {
                "fund": fund,
                "restricted": fund != Fund.GENERAL,
                "received": -accounts.get(AccountCode.DONATIONS, 0),
                "spent": accounts.get(AccountCode.PROGRAM_EXPENSE, 0),
                "bonds_outstanding": accounts.get(AccountCode.BONDS_RECEIVABLE, 0),
                "forfeited": accounts.get(AccountCode.BOND_FORFEITURES, 0),
                "cash": accounts.get(AccountCode.CASH, 0),
            }
        )
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("received", "spent", "bonds_outstanding", "forfeited", "cash")
    }
    context = {
        "rows": rows,
        "totals": totals,
        "reconciliation": selectors.ledger_reconcile(actor=actor),
        "waiting": selectors.funds_waiting(actor=actor),
    }
    return render(request, "funds/overview.html", context)


@require_GET
@member_view()
def ledger(request):
    _require_ledger(request)
    page = Paginator(selectors.transaction_list(actor=request.membership), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _viewed(request, page="ledger", fields=["memo"], count=len(page.object_list))
    return render(request, "funds/ledger.html", {"page": page})


@require_http_methods(["GET", "POST"])
@member_view(Capability.MANAGE_FUNDS)
def transaction_new(request):
    """A journal entry by hand (opening balances, transfers between funds, fees)."""
    if request.method == "GET":
        form = forms.JournalEntryForm(initial={"occurred_on": timezone.localdate()})
        return render(request, "funds/transaction_new.html", {"form": form})
    require_step_up(request)
    form = forms.JournalEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            txn = services.transaction_post(
                actor=request.membership,
                legs=[
                    services.Leg(data["debit_fund"], data["debit_account"], data["amount"]),
                    services.Leg(data["credit_fund"], data["credit_account"], -data["amount"]),
                ],
                memo=data["memo"],
                occurred_on=data["occurred_on"],
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The journal entry is posted."))
            return redirect("funds:transaction", public_id=txn.public_id)
    return render(request, "funds/transaction_new.html", {"form": form}, status=400)


def _transaction_page(request, txn, form=None, status=200):
    txn = selectors.transaction_list(actor=request.membership).get(pk=txn.pk)
    reversed_by = getattr(txn, "reversed_by", None)  # None when it was never reversed
    can_reverse = (
        has(request.membership, Capability.MANAGE_FUNDS)
        and txn.kind in REVERSIBLE
        and reversed_by is None
    )
    context = {
        "txn": txn,
        "reversed_by": reversed_by,
        "can_reverse": can_reverse,
        "form": form or forms.ReverseForm(initial={"occurred_on": timezone.localdate()}),
    }
    return render(request, "funds/transaction.html", context, status=status)


@require_GET
@member_view()
def transaction_detail(request, public_id):
    txn = access_transaction(actor=request.membership, public_id=public_id)
    _viewed(request, page="transaction", fields=["memo"], target=txn)
    return _transaction_page(request, txn)


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def transaction_reverse(request, public_id):
    txn = access_transaction(actor=request.membership, public_id=public_id)
    require_step_up(request)
    form = forms.ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.transaction_reverse(
                actor=request.membership,
                transaction=txn,
                memo=form.cleaned_data["memo"],
                occurred_on=form.cleaned_data["occurred_on"],
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The transaction is reversed."))
            return redirect("funds:transaction", public_id=reversal.public_id)
    return _transaction_page(request, txn, form, status=400)


# --- Donors and gifts -----------------------------------------------------------------


def _donors_page(request, donor_form=None, status=200):
    actor = request.membership
    donors = list(selectors.donor_list(actor=actor)[:200])
    gifts = Paginator(selectors.gift_list(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    _viewed(request, page="donors", fields=["donor.name"], count=len(donors))
    context = {
        "donors": donors,
        "page": gifts,
        "pending": selectors.gift_list(actor=actor, status=GiftStatus.PENDING).count(),
        "form": donor_form or forms.DonorForm(),
    }
    return render(request, "funds/donors.html", context, status=status)


@require_GET
@member_view(Capability.MANAGE_FUNDS)
def donors(request):
    return _donors_page(request)


@require_POST
@member_view(Capability.MANAGE_FUNDS)
def donor_add(request):
    form = forms.DonorForm(request.POST)
    if form.is_valid():
        try:
            donor = services.donor_create(actor=request.membership, **form.cleaned_data)
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The donor is recorded. Record their gift below."))
            response = redirect("funds:gift_new")
            response["Location"] += f"?donor={donor.public_id}"
            return response
    return _donors_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@member_view(Capability.MANAGE_FUNDS)
def gift_new(request):
    actor = request.membership
    donors = {str(d.public_id): d for d in selectors.donor_list(actor=actor).filter(wiped_at=None)}
    choices = [(key, donor.name) for key, donor in donors.items()]
    if request.method == "POST":
        form = forms.GiftForm(request.POST, donors=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                gift = services.gift_record(
                    actor=actor,
                    donor=donors[data["donor"]],
                    amount_cents=data["amount"],
                    fund=data["fund"],
                    received_on=data["received_on"],
                )
            except (Invalid, Conflict) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The gift is recorded. Screen it, then decide."))
                return redirect("funds:gift", public_id=gift.public_id)
        status = 400
    else:
        initial = {"received_on": timezone.localdate(), "donor": request.GET.get("donor", "")}
        form, status = forms.GiftForm(donors=choices, initial=initial), 200
    _viewed(request, page="gift_new", fields=["donor.name"], count=len(choices))
    return render(request, "funds/gift_new.html", {"form": form}, status=status)


def _gift_page(request, gift, bound: dict | None = None, status=200):
    actor = request.membership
    if gift.status == GiftStatus.PENDING:
        matches = services.gift_screen(actor=actor, gift=gift)
    else:
        matches = selectors.exclusions_by_id(actor=actor, public_ids=gift.screening_matches)
    bound = bound or {}
    context = {
        "gift": gift,
        "matches": matches,
        "accept_form": bound.get("accept") or forms.GiftDecisionForm(prefix="accept"),
        "refuse_form": bound.get("refuse") or forms.GiftDecisionForm(prefix="refuse"),
    }
    return render(request, "funds/gift.html", context, status=status)


@require_GET
@member_view()  # the gate decides: another organisation or role gets a 404
def gift_detail(request, public_id):
    gift = access_gift(actor=request.membership, public_id=public_id)
    _viewed(request, page="gift", fields=["donor.name", "reason"], target=gift)
    return _gift_page(request, gift)


def _decide_gift(request, public_id, *, prefix: str, decide, done: str, then: str):
    """Accept or refuse a gift from its page: the service decides, the page says why not."""
    gift = access_gift(actor=request.membership, public_id=public_id)
    form = forms.GiftDecisionForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            decide(
                actor=request.membership,
                gift=gift,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect(then, public_id=gift.public_id)
    gift.refresh_from_db()
    return _gift_page(request, gift, {prefix: form}, status=409)


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def gift_accept(request, public_id):
    return _decide_gift(
        request,
        public_id,
        prefix="accept",
        decide=services.gift_accept,
        done=_("The gift is accepted and posted to its fund."),
        then="funds:gift",
    )


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def gift_refuse(request, public_id):
    return _decide_gift(
        request,
        public_id,
        prefix="refuse",
        decide=services.gift_refuse,
        done=_("The gift is refused; it touches no fund. Send the donor this letter."),
        then="funds:gift_letter",
    )


def _letter(request, public_id):
    gift = access_gift(actor=request.membership, public_id=public_id)
    try:
        return gift, services.gift_refusal_letter(actor=request.membership, gift=gift)
    except Conflict as exc:
        messages.error(request, exc.message)
        return gift, None


@require_GET
@member_view()  # the gate decides: another organisation or role gets a 404
def gift_letter(request, public_id):
    """The refusal letter, to print (the page prints as the letter alone) or download."""
    gift, letter = _letter(request, public_id)
    if letter is None:
        return redirect("funds:gift", public_id=gift.public_id)
    return render(request, "funds/refusal_letter.html", {"gift": gift, "letter": letter})


@require_GET
@member_view()  # the gate decides: another organisation or role gets a 404
def gift_letter_download(request, public_id):
    gift, letter = _letter(request, public_id)
    if letter is None:
        return redirect("funds:gift", public_id=gift.public_id)
    response = HttpResponse(letter, content_type="text/plain; charset=utf-8")
    name = f"refusal-letter-{gift.received_on:%Y-%m-%d}-{str(gift.public_id)[:8]}.txt"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store, private"
    return response


# --- The exclusion list ---------------------------------------------------------------


def _exclusions_page(request, *, form=None, import_form=None, result=None, status=200):
    page = Paginator(selectors.exclusion_list(actor=request.membership), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "form": form or forms.ExclusionForm(),
        "import_form": import_form or forms.ExclusionImportForm(),
        "result": result,
    }
    return render(request, "funds/exclusions.html", context, status=status)


@require_GET
@member_view(Capability.MANAGE_FUNDS)
def exclusions(request):
    return _exclusions_page(request)


@require_POST
@member_view(Capability.MANAGE_FUNDS)
def exclusion_add(request):
    form = forms.ExclusionForm(request.POST)
    if form.is_valid():
        try:
            services.exclusion_add(actor=request.membership, **form.cleaned_data)
        except (Invalid, Conflict) as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Added to the exclusion list."))
            return redirect("funds:exclusions")
    return _exclusions_page(request, form=form, status=400)


MAX_IMPORT_BYTES = 20 * 1024 * 1024


@require_POST
@member_view(Capability.MANAGE_FUNDS)
def exclusions_import(request):
    form = forms.ExclusionImportForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            if uploaded.size > MAX_IMPORT_BYTES:  # refuse before reading it
                raise Invalid(_("The file is too large."), code="too_large")
            result = services.exclusions_import(actor=request.membership, data=uploaded.read())
        except (Invalid, Conflict, Unavailable) as exc:
            form.add_error("file", exc.message)
        else:
            return _exclusions_page(request, result=result)
    return _exclusions_page(request, import_form=form, status=400)


# --- Disbursements --------------------------------------------------------------------

WAITING = "waiting"
ALL = "all"


@require_GET
@member_view()
def disbursements(request):
    """The queue: what waits for approval or payment first; any status on request."""
    statuses = [
        (WAITING, _("Waiting (requested or approved)")),
        (ALL, _("All")),
        *DisbursementStatus.choices,
    ]
    form = forms.QueueFilterForm(request.GET or None, statuses=statuses)
    data = form.cleaned_data if form.is_valid() else {}
    status, kind = data.get("status") or WAITING, data.get("kind") or ""
    queryset = selectors.disbursement_list(actor=request.membership)
    if status == WAITING:
        queryset = queryset.filter(
            status__in=[DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED]
        )
    elif status != ALL:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    queryset = queryset.select_related("requested_by__user").annotate(
        approvals_given=Count("approvals")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "status": status}
    return render(request, "funds/disbursements.html", context)


def _disbursement_page(request, disbursement, bound: dict | None = None, error="", status=200):
    actor = request.membership
    disbursement = (
        selectors.disbursement_list(actor=actor)
        .select_related("requested_by__user", "decided_by__user", "paid_by__user")
        .prefetch_related("approvals__approver__user")
        .get(pk=disbursement.pk)
    )
    approvals = list(disbursement.approvals.all())
    mine = disbursement.requested_by_id == actor.pk
    approved_by_me = any(a.approver_id == actor.pk for a in approvals)
    requested = disbursement.status == DisbursementStatus.REQUESTED
    approver = has(actor, Capability.APPROVE_PAYMENTS)
    manager = has(actor, Capability.MANAGE_FUNDS)
    is_bond = disbursement.kind == DisbursementKind.BOND
    today = timezone.localdate()
    bound = bound or {}
    context = {
        "d": disbursement,
        "approvals": approvals,
        "error": error,
        "is_bond": is_bond,
        "mine": mine,
        "can_approve": approver and requested and not mine and not approved_by_me,
        "can_reject": approver
        and disbursement.status in (DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED),
        "can_pay": manager and disbursement.status == DisbursementStatus.APPROVED,
        "can_settle": manager and is_bond and disbursement.status == DisbursementStatus.PAID,
        "reject_form": bound.get("reject") or forms.RejectForm(prefix="reject"),
        "pay_form": bound.get("pay") or forms.PayForm(prefix="pay", initial={"paid_on": today}),
        "refund_form": bound.get("refund")
        or forms.SettleForm(prefix="refund", initial={"on": today}),
        "forfeit_form": bound.get("forfeit")
        or forms.SettleForm(prefix="forfeit", initial={"on": today}),
    }
    return render(request, "funds/disbursement.html", context, status=status)


@require_GET
@member_view()
def disbursement_detail(request, public_id):
    disbursement = access_disbursement(actor=request.membership, public_id=public_id)
    _viewed(
        request,
        page="disbursement",
        fields=["facility", "obligor", "receipt_number", "details", "reason"],
        target=disbursement,
    )
    return _disbursement_page(request, disbursement)


def _done(request, disbursement, message: str):
    messages.success(request, message)
    return redirect("funds:disbursement", public_id=disbursement.public_id)


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def disbursement_approve(request, public_id):
    disbursement = access_disbursement(actor=request.membership, public_id=public_id, write=True)
    require_step_up(request)
    try:
        disbursement = services.disbursement_approve(
            actor=request.membership, disbursement=disbursement, now=timezone.now()
        )
    except Forbidden as exc:  # one's own request: shown on the page, not as a bare 403
        return _disbursement_page(request, disbursement, error=exc.message, status=403)
    except Conflict as exc:
        return _disbursement_page(request, disbursement, error=exc.message, status=409)
    if disbursement.status == DisbursementStatus.APPROVED:
        return _done(request, disbursement, _("Approved: it can be paid."))
    return _done(
        request,
        disbursement,
        _("Your approval is recorded; a second finance officer must approve."),
    )


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def disbursement_reject(request, public_id):
    disbursement = access_disbursement(actor=request.membership, public_id=public_id, write=True)
    form = forms.RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.disbursement_reject(
                actor=request.membership,
                disbursement=disbursement,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, disbursement, _("Rejected."))
    return _disbursement_page(request, disbursement, {"reject": form}, status=400)


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def disbursement_pay(request, public_id):
    disbursement = access_disbursement(actor=request.membership, public_id=public_id, write=True)
    require_step_up(request)
    form = forms.PayForm(request.POST, prefix="pay")
    if form.is_valid():
        try:
            services.disbursement_pay(
                actor=request.membership,
                disbursement=disbursement,
                paid_on=form.cleaned_data["paid_on"],
                memo=form.cleaned_data["memo"],
                now=timezone.now(),
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, disbursement, _("Paid from the fund."))
    return _disbursement_page(request, disbursement, {"pay": form}, status=400)


def _settle(request, public_id, key: str, service, message: str, **names):
    disbursement = access_disbursement(actor=request.membership, public_id=public_id, write=True)
    require_step_up(request)
    form = forms.SettleForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            service(
                actor=request.membership,
                disbursement=disbursement,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
                **{names["on"]: form.cleaned_data["on"]},
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, disbursement, message)
    return _disbursement_page(request, disbursement, {key: form}, status=400)


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def disbursement_refund(request, public_id):
    return _settle(
        request,
        public_id,
        "refund",
        services.disbursement_refund,
        _("The bond is refunded to its fund."),
        on="refunded_on",
    )


@require_POST
@member_view()  # the gate decides: another organisation or role gets a 404
def disbursement_forfeit(request, public_id):
    return _settle(
        request,
        public_id,
        "forfeit",
        services.disbursement_forfeit,
        _("The bond is recorded as forfeited."),
        on="breached_on",
    )
