"""Finance's budget page: each scheme's appropriation, committed, paid and left for a year, and the audited form."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huzhou_craftsman.accounts.access import allowed, can
from huzhou_craftsman.accounts.feedback import report_errors
from huzhou_craftsman.accounts.models import District

from . import budget
from .models import AppropriationRevision


class AppropriationForm(forms.Form):
    fiscal_year = forms.IntegerField(label=gettext_lazy("预算年度"), min_value=2000, max_value=2100)
    scheme = forms.ChoiceField(label=gettext_lazy("资助类别"), choices=budget.scheme_choices)
    district = forms.ModelChoiceField(
        label=gettext_lazy("区县"),
        queryset=District.objects.all(),
        required=False,
        empty_label=gettext_lazy("全市（不分区县）"),
    )
    amount = forms.DecimalField(label=gettext_lazy("资金指标（元）"), max_digits=14, decimal_places=2, min_value=0.01)
    reason = forms.CharField(
        label=gettext_lazy("理由（如预算文件文号）"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def _year(raw) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@allowed("budget.view")
def budget_page(request, form=None):
    year = _year(request.GET.get("year") or (form.data.get("fiscal_year") if form else None))
    revisions = (
        AppropriationRevision.objects.filter(appropriation__fiscal_year=year)
        .select_related("appropriation__district", "made_by")
        .order_by("-made_at", "-id")[:200]
    )
    for revision in revisions:
        revision.scheme_label = budget.scheme_label(revision.appropriation.scheme)
    return render(
        request,
        "finance/budget.html",
        {
            "year": year,
            "years": range(year - 2, year + 3),
            "lines": budget.budget_overview(year),
            "revisions": revisions,
            "form": form or AppropriationForm(initial={"fiscal_year": year}),
            "can_edit": can(request.user, "budget.set"),
        },
    )


@require_POST
@allowed("budget.set")
def budget_set(request):
    form = AppropriationForm(request.POST)
    if not form.is_valid():
        return budget_page(request, form=form)
    data = form.cleaned_data
    try:
        row = budget.appropriation_set(
            fiscal_year=data["fiscal_year"],
            scheme=data["scheme"],
            district=data["district"],
            amount=data["amount"],
            reason=data["reason"],
            by=request.user,
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
        return budget_page(request, form=form)
    messages.success(
        request,
        _("已设定 %(year)s年度 %(scope)s 资金指标 %(amount)s 元。")
        % {
            "year": row.fiscal_year,
            "scope": budget.BudgetLine(row.fiscal_year, row.scheme, row.district, row, budget.Usage()).scope,
            "amount": budget.money(row.amount),
        },
    )
    return redirect(f"{reverse('finance-budget')}?year={row.fiscal_year}")
