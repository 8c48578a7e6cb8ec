"""Pages of 免申即享: the bureau's official lists (import, template, file, unmatched rows and the invitation letter)
and the organisation's offers (confirm, decline, the person's account)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huzhou_craftsman.accounts.access import allowed, can
from huzhou_craftsman.accounts.bank_selectors import payee_account_for
from huzhou_craftsman.accounts.feedback import report_errors
from huzhou_craftsman.accounts.forms import PersonPayeeAccountForm
from huzhou_craftsman.accounts.services import audit_record
from subsidies import rules

from . import official_list_rows, official_list_selectors, schemes, selectors
from . import official_list_services as services
from .models import Application, Round
from .official_lists import KIND_SCHEMES, UNMATCHED, ListKind, OfficialList, OfficialListRow, RowStatus
from .workflow import ANSWERABLE_STATES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROW_PAGE = 200


class OfficialListForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("名单类别"), choices=ListKind.choices)
    round = forms.ModelChoiceField(
        label=gettext_lazy("计发批次"),
        queryset=Round.objects.none(),
        help_text=gettext_lazy("按该批次的政策版本计算金额；类别须与名单对应（称号名单选称号批次）。"),
    )
    document_number = forms.CharField(label=gettext_lazy("来源文件文号"), max_length=100)
    document_date = forms.DateField(label=gettext_lazy("来源文件日期"), widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=gettext_lazy("名单文件（XLSX）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schemes_ = {s for group in KIND_SCHEMES.values() for s in group}
        self.fields["round"].queryset = Round.objects.filter(scheme__in=schemes_).order_by("-opens_at")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(limit)s MB 的上限。") % {"limit": settings.UPLOAD_MAX_BYTES // 1048576}
            )
        return upload


# --- The bureau -------------------------------------------------------------------------------------------------


@allowed("official_list.view")
def official_list_index(request):
    form = OfficialListForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can(request.user, "official_list.import"):
            raise PermissionDenied(_("只有市级复审人员或系统管理员可以导入官方名单。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = services.official_list_import(
                    kind=data["kind"], round=data["round"], document_number=data["document_number"],
                    document_date=data["document_date"], upload=data["file"], by=request.user, request=request,
                )  # fmt: skip
            except ValidationError as error:
                messages.error(request, _("名单未导入，请修改以下问题后重新上传（所有行均未保存）："))
                report_errors(request, error)
            else:
                if outcome.rows_added:
                    messages.success(
                        request,
                        _("已导入 %(rows)s 行：生成待确认资助 %(offered)s 项，未匹配 %(unmatched)s 行。")
                        % {"rows": outcome.rows_added, "offered": outcome.offered, "unmatched": outcome.unmatched},
                    )
                else:
                    messages.info(request, _("该名单此前已导入，本次没有新增内容。"))
                return redirect("official-list-detail", pk=outcome.official_list.pk)
    lists = OfficialList.objects.select_related("round", "imported_by").annotate(row_count=Count("rows"))[:100]
    return render(
        request,
        "official_lists/index.html",
        {
            "form": form,
            "lists": lists,
            "kinds": ListKind.choices,
            "may_import": can(request.user, "official_list.import"),
        },
    )


@allowed("official_list.view")
def official_list_template(request, kind):
    if kind not in ListKind.values:
        raise Http404
    response = HttpResponse(official_list_rows.template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="official-list-{kind}.xlsx"'
    return response


@allowed("official_list.view")
def official_list_detail(request, pk):
    official_list = get_object_or_404(OfficialList.objects.select_related("round", "imported_by"), pk=pk)
    counts = dict(official_list.rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    status = request.GET.get("status", "")
    rows = official_list.rows.select_related("organisation", "offer").order_by("row_number")
    if status in RowStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "official_lists/detail.html",
        {
            "official_list": official_list,
            "counts": [(RowStatus(code), counts.get(code, 0)) for code in RowStatus.values],
            "rows": rows[:ROW_PAGE],
            "status": status,
            "page_size": ROW_PAGE,
        },
    )


@allowed("official_list.view")
def official_list_file(request, pk):
    official_list = get_object_or_404(OfficialList, pk=pk)
    audit_record(action="official_list.download", actor=request.user, target=official_list, request=request)
    response = FileResponse(
        official_list.file.open("rb"), content_type=XLSX, as_attachment=True, filename=official_list.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@allowed("official_list.view")
def unmatched_rows(request):
    """Rows waiting for their organisation to register (one letter per organisation) or for the bureau to trace."""
    groups = (
        OfficialListRow.objects.filter(status__in=UNMATCHED)
        .values("status", "uscc", "organisation_name")
        .annotate(n=Count("pk"))
        .order_by("status", "organisation_name")
    )
    lists = (
        OfficialList.objects.filter(rows__status__in=UNMATCHED)
        .annotate(unmatched=Count("rows"))
        .select_related("round")
        .order_by("-imported_at", "-pk")
    )
    return render(
        request,
        "official_lists/unmatched.html",
        {"groups": groups[:500], "lists": lists[:100], "may_rematch": can(request.user, "official_list.import")},
    )


@require_POST
@allowed("official_list.import")
def official_list_rematch(request, pk):
    """重新匹配: offer what is due to the organisations of a list's unmatched rows that are known by now."""
    official_list = get_object_or_404(OfficialList, pk=pk)
    remaining, offered = services.official_list_rematch(official_list=official_list, by=request.user, request=request)
    messages.success(
        request,
        _("“%(list)s”重新匹配完成：生成待确认资助 %(offered)s 项，仍未匹配 %(remaining)s 行。")
        % {"list": official_list.document_number, "offered": offered, "remaining": remaining},
    )
    return redirect("official-list-unmatched")


@allowed("official_list.view")
def invitation_letter(request, uscc):
    """A letter inviting an organisation named in a list to register and confirm its awards: the preview of the PDF
    (``subsidies.documents``) the bureau downloads and sends."""
    rows = official_list_selectors.invitation_rows(uscc)
    if not rows:
        raise Http404
    return render(
        request,
        "official_lists/letter.html",
        {"rows": rows, "organisation_name": rows[0].organisation_name, "uscc": uscc, "today": timezone.localdate()},
    )


# --- The organisation -------------------------------------------------------------------------------------------


@allowed("application.apply")
def people_claims(request):
    """可以申领什么, per person of the organisation (its own page, so the home stays a short read)."""
    page = official_list_selectors.people_claims(request.user.organisation, request.GET.get("page", 1))
    return render(request, "official_lists/people.html", {"people": page.object_list, "page": page})


def _offer(request, pk) -> Application:
    offer = get_object_or_404(selectors.applications_visible_to(request.user).filter(official_row__isnull=False), pk=pk)
    return offer


@allowed("application.apply")
def offer_detail(request, pk):
    offer = _offer(request, pk)
    is_open = offer.state in ANSWERABLE_STATES
    payee = None
    if offer.person_id and offer.definition.payee(offer) == schemes.Payee.PERSON:
        payee = payee_account_for(person_resident_id=offer.person.resident_id)
    try:
        decision = schemes.decide(offer)
    except rules.RuleError:  # the page still shows the estimate stored with the offer
        decision = None
    return render(
        request,
        "official_lists/offer.html",
        {
            "offer": offer,
            "row": offer.official_row,
            "details": schemes.details_display(offer),
            "installments": decision.installments if decision else (),
            "payee": payee,
            "payee_form": PersonPayeeAccountForm(initial={"account_name": offer.person.name}) if payee else None,
            "problems": services.offer_problems(offer) if is_open else [],
            "is_open": is_open,
            "return_reason": official_list_selectors.offer_return_reason(offer),
        },
    )


@require_POST
@allowed("application.apply")
def offer_confirm(request, pk):
    offer = _offer(request, pk)
    try:
        services.offer_confirm(application=offer, by=request.user, request=request)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("已确认领取，等待区县人力社保部门核对。"))
    return redirect("offer-detail", pk=pk)


@require_POST
@allowed("application.apply")
def offer_decline(request, pk):
    offer = _offer(request, pk)
    try:
        services.offer_decline(
            application=offer, by=request.user, reason=request.POST.get("reason", "")[:500], request=request
        )
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("已放弃领取。"))
    return redirect("offer-detail", pk=pk)


@require_POST
@allowed("application.apply")
def offer_payee(request, pk):
    offer = _offer(request, pk)
    form = PersonPayeeAccountForm(request.POST, request.FILES)
    if not form.is_valid():
        report_errors(request, ValidationError([f"{form.fields[f].label}：{e}" if f in form.fields else e
                                                 for f, errors in form.errors.items() for e in errors]))  # fmt: skip
        return redirect("offer-detail", pk=pk)
    details = {k: v for k, v in form.cleaned_data.items() if k != "proof"}
    try:
        services.offer_payee_account_propose(
            application=offer, details=details, proof=form.cleaned_data["proof"], by=request.user, request=request
        )
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("领奖人账户已提交，财务人员核验后生效。"))
    return redirect("offer-detail", pk=pk)
