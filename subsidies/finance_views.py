"""Finance pages: due instalments, batches (make, check, export), bank results, reversals, reconciliation."""

import tempfile
from datetime import date, timedelta

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications.models import Round, scheme_choices
from huzhou_craftsman.accounts.access import allowed, can
from huzhou_craftsman.accounts.feedback import report_errors
from huzhou_craftsman.accounts.models import District
from huzhou_craftsman.accounts.services import audit_record
from huzhou_craftsman.background import BROKER_ERRORS

from . import bank_files, payee_changes, payments, reconciliation, tax
from .models import Award
from .payment_models import PaymentBatch, PaymentLine
from .tasks import export_batch_file


class DueFilter(django_filters.FilterSet):
    due_by = django_filters.DateFilter(
        label=gettext_lazy("应付日期不晚于"), field_name="due_on", lookup_expr="lte",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )  # fmt: skip
    scheme = django_filters.ChoiceFilter(label=gettext_lazy("类别"), field_name="award__scheme", choices=scheme_choices)
    level = django_filters.CharFilter(label=gettext_lazy("级别代码"), field_name="award__level")
    district = django_filters.ModelChoiceFilter(
        label=gettext_lazy("区县"), field_name="award__organisation__district", queryset=District.objects.all()
    )
    round = django_filters.ModelChoiceFilter(
        label=gettext_lazy("批次"), field_name="award__application__round", queryset=Round.objects.all()
    )
    organisation = django_filters.CharFilter(
        label=gettext_lazy("单位"), field_name="award__organisation__name", lookup_expr="icontains"
    )


@allowed("finance.view")
def due_list(request):
    filterset = DueFilter(request.GET, queryset=payments.instalments_due())
    queryset = filterset.qs.order_by("due_on", "pk")
    totals = queryset.aggregate(
        all_count=Count("pk"),
        all_amount=Sum("amount"),
        held_count=Count("pk", filter=payments.payee_held()),
        held_amount=Sum("amount", filter=payments.payee_held()),
    )
    totals.update(count=totals.pop("all_count"), amount=totals.pop("all_amount"))
    return render(
        request,
        "finance/due_list.html",
        {
            "filter": filterset,
            "instalments": queryset[:500],
            "totals": totals,
            "can_make": can(request.user, "finance.batch.make"),
            "legacy": payee_changes.legacy_person_awards(),
            "can_confirm": can(request.user, "award.payee_confirm"),
        },
    )


@require_POST
@allowed("award.payee_confirm")
def payee_confirm(request, pk):
    award = get_object_or_404(Award, pk=pk)
    try:
        payee_changes.award_payee_confirm(award=award, by=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
    else:
        messages.success(request, _("已确认：该资助其后的款项拨付领奖人本人账户。"))
    return redirect("finance-due")


@require_POST
@allowed("finance.batch.make")
def batch_create(request):
    ids = [int(i) for i in request.POST.getlist("instalments") if i.isdigit()]
    try:
        batch = payments.batch_create(instalment_ids=ids, by=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
        return redirect("finance-due")
    messages.success(
        request, _("已编制批次 %(n)s，共 %(c)s 笔，等待复核。") % {"n": batch.number, "c": batch.line_count}
    )
    if batch.held_count:
        messages.warning(
            request, _("另有 %(n)s 笔款项的收款账户待核验，暂缓支付，未列入本批次。") % {"n": batch.held_count}
        )
    return redirect("finance-batch", pk=batch.pk)


@allowed("finance.view")
def batch_list(request):
    batches = PaymentBatch.objects.select_related("created_by", "checked_by")
    if can(request.user, "finance.batch.check") and "all" not in request.GET:
        batches = batches.filter(state=PaymentBatch.State.AWAITING_CHECK)
    return render(request, "finance/batch_list.html", {"batches": batches[:200]})


@allowed("finance.view")
def batch_detail(request, pk):
    batch = get_object_or_404(PaymentBatch.objects.select_related("created_by", "checked_by"), pk=pk)
    can_export = can(request.user, "finance.export")
    return render(
        request,
        "finance/batch_detail.html",
        {
            "batch": batch,
            "lines": batch.lines.select_related("instalment__award__application")[:1000],
            "totals": payments.batch_totals(batch),
            "imports": batch.imports.select_related("imported_by"),
            "can_check": can(request.user, "finance.batch.check") and batch.created_by_id != request.user.pk,
            "is_maker": can(request.user, "finance.batch.make"),
            "can_export": can_export,
            "bank_files": _bank_files(batch) if can_export and batch.state in EXPORTABLE else [],
            "export_formats": EXPORT_FORMATS,
            "gbk_advice": bank_files.GBK_ADVICE,
        },
    )


EXPORTABLE = (PaymentBatch.State.APPROVED, PaymentBatch.State.EXPORTED, PaymentBatch.State.SETTLED)
EXPORT_FORMATS = [
    ("xlsx", "XLSX"),
    ("csv", "CSV（UTF-8）"),
    ("csv-gb18030", "CSV（GB18030）"),
    ("csv-gbk", "CSV（GBK）"),
]


def _bank_files(batch):
    """The batch's files (persons → 代发, organisations → 批量转账), each with its totals and the lines a GBK file
    cannot carry, so finance sees them (and what to do) before exporting."""
    return [
        {"layout": layout, "totals": totals, "gbk_problems": bank_files.non_gbk_lines(batch, layout)}
        for layout, totals in bank_files.batch_files(batch)
    ]


@require_POST
@allowed("finance.batch.check")
def batch_check(request, pk):
    batch = get_object_or_404(PaymentBatch, pk=pk)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("decision") == "approve":
            payments.batch_approve(batch=batch, by=request.user, note=note, request=request)
            messages.success(request, _("批次已复核通过，可以导出。"))
        else:
            payments.batch_return(batch=batch, by=request.user, note=note, request=request)
            messages.success(request, _("批次已退回，款项回到待付清单。"))
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
    return redirect("finance-batch", pk=pk)


@require_POST  # the first export moves the batch to "exported": a state change is never a GET
@allowed("finance.export")
def batch_export(request, pk, file_format):
    """One file of an approved batch: the summary PDF, or a layout's file (代发 or 批量转账, POST field ``layout``)."""
    layout = bank_files.LAYOUTS.get(request.POST.get("layout", ""))
    if file_format != "summary-pdf" and (file_format not in bank_files.FILE_FORMATS or layout is None):
        raise Http404
    batch = get_object_or_404(PaymentBatch, pk=pk)
    try:
        batch = payments.batch_record_export(
            batch=batch, by=request.user, file_format=file_format, layout=layout.code if layout else "",
            request=request,
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
        return redirect("finance-batch", pk=pk)
    if file_format == "summary-pdf":
        response = HttpResponse(bank_files.batch_summary_pdf(batch), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{batch.number}-summary.pdf"'
        return response
    if batch.line_count > settings.EXPORT_ASYNC_LINES:
        return _large_export(request, batch, layout, file_format)
    name = f"{batch.number}-{layout.code}"
    if file_format == "xlsx":
        # openpyxl's write-only mode writes row by row into a temporary file, which is then streamed.
        target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
        bank_files.write_xlsx(batch, target, layout)
        target.seek(0)
        return FileResponse(target, as_attachment=True, filename=f"{name}.xlsx")
    encoding = bank_files.CSV_ENCODINGS[file_format]
    response = StreamingHttpResponse(
        bank_files.csv_rows(batch, layout, encoding=encoding),
        content_type=f"text/csv; charset={'utf-8' if encoding == 'utf-8-sig' else encoding}",
    )
    suffix = "" if encoding == "utf-8-sig" else f"-{encoding}"
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}.csv"'
    return response


def _large_export(request, batch, layout, file_format):
    """A large batch's file is written once by a Celery worker and then streamed from disk."""
    path = bank_files.export_path(batch, layout, file_format)
    if not path.exists():
        try:
            export_batch_file.delay(batch.pk, file_format, layout.code)
        except BROKER_ERRORS:  # the broker is unreachable: say so, nothing is lost
            messages.error(request, _("后台任务服务暂时不可用，请稍后再试。"))
            return redirect("finance-batch", pk=batch.pk)
    if not path.exists():
        messages.info(request, _("该批次笔数较多，文件正在后台生成，请一两分钟后再次点击导出下载。"))
        return redirect("finance-batch", pk=batch.pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@allowed("finance.results.template")
def result_template(request):
    response = HttpResponse(
        bank_files.result_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="bank-result-template.xlsx"'
    return response


@require_POST
@allowed("finance.results.import")
def results_upload(request, pk):
    batch = get_object_or_404(PaymentBatch, pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择银行回盘文件。"))
        return redirect("finance-batch", pk=pk)
    if upload.size > 20 * 1024 * 1024:
        messages.error(request, _("回盘文件超过 20 MB。"))
        return redirect("finance-batch", pk=pk)
    content = upload.read()
    upload.seek(0)
    try:
        rows = bank_files.read_results(upload, upload.name)
        record = payments.results_import(
            batch=batch, rows=rows, file_name=upload.name, content=content, by=request.user, request=request
        )
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
        return redirect("finance-batch", pk=pk)
    messages.success(
        request,
        _("回盘已导入：成功 %(p)s 笔，失败 %(f)s 笔，此前已处理 %(u)s 笔。")
        % {"p": record.paid, "f": record.failed, "u": record.unchanged},
    )
    for problem in record.problems:
        messages.warning(request, problem)
    return redirect("finance-batch", pk=pk)


@require_POST
@allowed("finance.reverse")
def line_reverse(request, pk):
    line = get_object_or_404(PaymentLine, pk=pk)
    try:
        payments.payment_reverse(line=line, by=request.user, reason=request.POST.get("reason", ""), request=request)
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
    else:
        messages.success(request, _("已冲正，该笔款项回到待付清单。"))
    return redirect("finance-batch", pk=line.batch_id)


@allowed("finance.view")
def withholding_report(request):
    """The month's 个税代扣明细 (XLSX) for the tax declaration; ``?month=2026-11``, default the previous month."""
    today = timezone.localdate()
    default = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    text = request.GET.get("month", default)
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError:
        raise Http404 from None
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    totals = tax.withholding_report(year=year, month=month, target=target)
    target.seek(0)
    audit_record(action="withholding.export", actor=request.user, request=request,
                 data={"month": text, "count": totals["count"], "tax": str(totals["tax"])})  # fmt: skip
    return FileResponse(target, as_attachment=True, filename=f"withholding-{year:04d}-{month:02d}.xlsx")


@allowed("finance.view")
def reconciliation_report(request):
    report = reconciliation.build(period=request.GET.get("period", "month"))
    if request.GET.get("format") == "xlsx":
        target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
        reconciliation.write_xlsx(report, target)
        target.seek(0)
        audit_record(action="reconciliation.export", actor=request.user, request=request)
        return FileResponse(target, as_attachment=True, filename="reconciliation.xlsx")
    return render(request, "finance/reconciliation.html", {"report": report})
