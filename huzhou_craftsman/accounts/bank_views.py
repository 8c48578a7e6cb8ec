"""Payee account pages: the verification queue, one account with its proof, and the verify/reject decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import bank_services
from .access import allowed, can, require
from .bank_models import BankAccount
from .bank_selectors import bank_accounts_visible_to
from .feedback import report_errors
from .forms import BankAccountFilter, BankDecisionForm
from .services import audit_record
from .uploads import CONTENT_TYPES

PAGE_SIZE = 50


@allowed("bank_account.list")
def bank_account_queue(request):
    """Staff list of payee accounts; by default the pending changes, oldest first."""
    data = request.GET.copy()
    data.setdefault("state", BankAccount.State.PENDING)
    filterset = BankAccountFilter(data, queryset=bank_accounts_visible_to(request.user))
    queryset = filterset.qs.order_by("submitted_at", "pk") if data["state"] == "pending" else filterset.qs
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/bank_account_queue.html", {"filter": filterset, "page": page})


@login_required  # visible() decides: an account outside one\'s reach is a 404, as if it did not exist
def bank_account_detail(request, pk):
    """One account: the full number only for whoever may verify it (and only while it awaits them)."""
    account = get_object_or_404(bank_accounts_visible_to(request.user), pk=pk)
    can_decide = account.state == BankAccount.State.PENDING and can(request.user, "bank_account.verify", account)
    can_decide = can_decide and account.submitted_by_id != request.user.pk
    if can_decide:
        # Seeing a full account number is itself recorded.
        audit_record(action="bank_account.view_full", actor=request.user, target=account, request=request)
    return render(
        request,
        "accounts/bank_account_detail.html",
        {"account": account, "can_decide": can_decide, "form": BankDecisionForm()},
    )


@login_required  # visible() decides: an account outside one\'s reach is a 404, as if it did not exist
def bank_account_proof(request, pk):
    """Serve the proof inline to whoever may see the account; every viewing is recorded."""
    account = get_object_or_404(bank_accounts_visible_to(request.user), pk=pk)
    if not account.proof:
        raise Http404
    audit_record(action="bank_account.proof_view", actor=request.user, target=account, request=request)
    response = FileResponse(
        account.proof.open("rb"),
        content_type=CONTENT_TYPES.get(account.proof_kind, "application/octet-stream"),
        as_attachment=request.GET.get("inline") != "1",
        filename=account.proof_name or f"proof.{account.proof_kind}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@allowed("bank_account.verify")
def bank_account_decide(request, pk):
    account = get_object_or_404(bank_accounts_visible_to(request.user), pk=pk)
    require(request.user, "bank_account.verify", account)
    form = BankDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择核验通过或退回。"))
        return redirect("bank-account-detail", pk=pk)
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "verify":
            bank_services.bank_account_verify(account=account, by=request.user, note=note, request=request)
            messages.success(request, _("收款账户已核验，自即日起付款使用该账户。"))
        else:
            bank_services.bank_account_reject(account=account, by=request.user, reason=note, request=request)
            messages.success(request, _("收款账户变更已退回，原账户继续有效。"))
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
        return redirect("bank-account-detail", pk=pk)
    return redirect("bank-account-queue")
