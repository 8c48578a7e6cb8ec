"""The policy dashboard (with CSV/XLSX of the same numbers) and the studios' reviews and exit."""

import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications.schemes import registry
from huzhou_craftsman.accounts.access import allowed, can
from huzhou_craftsman.accounts.feedback import report_errors
from huzhou_craftsman.accounts.services import audit_record
from huzhou_craftsman.exports import csv_writer, xlsx_append

from . import dashboard, dashboard_window, evaluation, studios
from .models import Studio, StudioReview


def _window(request):
    return dashboard_window.window_for(request.GET.get("window"))


@allowed("dashboard.view")
def dashboard_page(request):
    window = _window(request)
    return render(
        request,
        "policy/dashboard.html",
        {
            "tables": dashboard.build(window),
            "window": window,
            "windows": dashboard_window.windows(),
            "policy_end": dashboard_window.POLICY_END,
        },
    )


@allowed("dashboard.view")
def dashboard_export(request, file_format):
    window = _window(request)
    tables = [evaluation.evaluation_table(window), *dashboard.build(window)]
    audit_record(
        action="dashboard.export", actor=request.user, request=request,
        data={"format": file_format, "window": window.key},
    )  # fmt: skip
    name = f"huzhou-craftsman-{window.key}"
    about = [
        [_("湖州工匠培育工程 政策执行情况")],
        [_("统计区间"), window.label],
        [_("导出时间"), f"{timezone.localtime():%Y-%m-%d %H:%M}"],
        [_("导出人"), request.user.get_full_name() or request.user.username],
        [_("口径"), _("申报按提交时间、批准与资金按批准时间计入区间（北京时间）；金额单位为元；标注“人工录入”的数字由管理员按来源录入。")],
    ]  # fmt: skip
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("说明"))
        for row in about:
            xlsx_append(sheet, row)
        for table in tables:
            sheet = workbook.create_sheet(table.key)
            xlsx_append(sheet, [table.title])
            xlsx_append(sheet, table.columns)
            for row in table.rows:
                xlsx_append(sheet, row)
            if table.note:
                xlsx_append(sheet, [table.note])
        target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
        workbook.save(target)
        target.seek(0)
        return FileResponse(target, as_attachment=True, filename=f"{name}.xlsx")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")
    writer = csv_writer(response)
    writer.writerows(about)
    writer.writerow([])
    for table in tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        writer.writerow([])
    return response


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("考核年度"), min_value=2021, max_value=2100)
    result = forms.ChoiceField(label=gettext_lazy("考核结果"), choices=StudioReview.Result.choices)
    notes = forms.CharField(label=gettext_lazy("考核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class LevelChangeForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("调整为"), choices=[])
    reason = forms.CharField(label=gettext_lazy("调整理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = registry.get("master_studio").level_choices()


class ExitForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退出原因"), widget=forms.Textarea(attrs={"rows": 2}))


@allowed("studio.view")
def studio_list(request):
    studios_qs = Studio.objects.select_related("organisation").prefetch_related("reviews")
    return render(
        request, "policy/studio_list.html", {"studios": studios_qs, "exit_after": studios.exit_after_failed_reviews()}
    )


@allowed("studio.view")
def studio_detail(request, pk):
    studio = get_object_or_404(Studio.objects.select_related("organisation", "exited_by"), pk=pk)
    return render(
        request,
        "policy/studio_detail.html",
        {
            "studio": studio,
            "reviews": studio.reviews.select_related("reviewed_by"),
            "level_changes": studio.level_changes.select_related("decided_by"),
            "level_form": LevelChangeForm(),
            "exit_after": studios.exit_after_failed_reviews(),
            "awards": studio.awards.prefetch_related("instalments"),
            "review_form": ReviewForm(initial={"year": timezone.localdate().year - 1}),
            "exit_form": ExitForm(),
            "can_decide": can(request.user, "studio.decide"),
        },
    )


@require_POST
@allowed("studio.decide")
def studio_review(request, pk):
    studio = get_object_or_404(Studio, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            studios.studio_review_record(studio=studio, by=request.user, request=request, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            report_errors(request, error)
        else:
            messages.success(request, _("考核结果已登记。"))
    else:
        messages.error(request, _("请填写考核年度和结果。"))
    return redirect("studio-detail", pk=pk)


@require_POST
@allowed("studio.decide")
def studio_level(request, pk):
    studio = get_object_or_404(Studio, pk=pk)
    form = LevelChangeForm(request.POST)
    if form.is_valid():
        try:
            studios.studio_level_change(studio=studio, by=request.user, request=request, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            report_errors(request, error)
        else:
            messages.success(request, _("工作室级别已调整，历史记录保留。"))
    else:
        messages.error(request, _("请选择调整后的级别并填写理由。"))
    return redirect("studio-detail", pk=pk)


@require_POST
@allowed("studio.decide")
def studio_exit(request, pk):
    studio = get_object_or_404(Studio, pk=pk)
    form = ExitForm(request.POST)
    if form.is_valid():
        try:
            studios.studio_exit(studio=studio, reason=form.cleaned_data["reason"], by=request.user, request=request)
        except (ValidationError, PermissionDenied) as error:
            report_errors(request, error)
        else:
            messages.success(request, _("工作室已退出，其后续款项不再支付。"))
    return redirect("studio-detail", pk=pk)
