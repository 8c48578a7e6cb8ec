"""Enterprise intake pages: open rounds, scheme forms, materials, roster, submission, withdrawal, home."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huzhou_craftsman.accounts.access import allowed, can
from huzhou_craftsman.accounts.bank_selectors import payee_account_for
from huzhou_craftsman.accounts.feedback import report_errors
from huzhou_craftsman.accounts.forms import PersonPayeeAccountForm
from huzhou_craftsman.accounts.identifiers import non_gbk_characters
from huzhou_craftsman.accounts.services import audit_record
from huzhou_craftsman.accounts.uploads import CONTENT_TYPES

from . import official_list_selectors, schemes, selectors, services
from .claims import claim_clashes
from .forms import ApprenticeFormSet, AttachmentForm, RosterUploadForm, WithdrawForm
from .models import Application, MaterialRequirement
from .queue import Page, page_number
from .roster import read_roster, roster_template

HOME_PAGE = 50


@allowed("application.apply")
def enterprise_home(request):
    organisation = request.user.organisation
    open_rounds = list(selectors.open_rounds())  # read once: the side list and "what can be claimed" both show them
    # 50 applications a page, most recently changed first, without counting them (as the reviewers' queue).
    page = Page(selectors.home_rows(request.user), page_number(request.GET), size=HOME_PAGE, row=selectors.HomeRow)
    return render(
        request,
        "applications/enterprise_home.html",
        {
            "organisation": organisation,
            "page": page,
            "open_rounds": open_rounds,
            # The list links to the application by its id: its row (with its large details) is not read.
            "notifications": organisation.notifications.only(
                "organisation_id", "created_at", "message", "kind", "params", "application_id"
            )[:10],
            # 免申即享: awards from official lists waiting for confirmation, and what else the organisation could claim.
            "offers": official_list_selectors.offers_for(organisation)[:50],
            "claimable": official_list_selectors.claimable_for(organisation, rounds=open_rounds),
        },
    )


@allowed("application.apply")
def round_list(request):
    return render(request, "applications/round_list.html", {"rounds": selectors.open_rounds()})


def _person_initial(application: Application) -> dict:
    person = application.person
    if person is None:
        return {}
    return {
        "person_name": application.person_display_name,
        "person_resident_id": person.resident_id,
        "person_mobile": application.entered_mobile if application.entered_name else person.mobile,
    }


def _scheme_form(round, *, application=None, correction=None, data=None):
    """The scheme's form; for a returned application every field the reviewer did not open is locked (disabled
    fields keep their current value, whatever the browser sends)."""
    initial = {**application.details, **_person_initial(application)} if application else None
    form = schemes.form_for(round, data=data, initial=initial)
    if correction is not None:
        open_fields = correction.open_fields
        for name, field in form.fields.items():
            owner = "person" if name in schemes.PERSON_FIELDS else name
            if owner not in open_fields:
                field.disabled = True
    return form


def _save_form(request, *, round, application=None, correction=None):
    """Validate a scheme form and save the draft; return (form, saved application or None)."""
    form = _scheme_form(round, application=application, correction=correction, data=request.POST)
    if form.is_valid():
        try:
            saved = services.application_save_draft(
                by=request.user, round=round, cleaned=form.cleaned_data, application=application, request=request
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            # Saving never refuses a clash (a draft is the applicant's own), but says so now, not at submission.
            for clash in claim_clashes(saved):
                messages.warning(request, clash)
            return form, saved
    return form, None


@allowed("application.apply")
def application_create(request, round_pk):
    round = get_object_or_404(selectors.open_rounds(), pk=round_pk)
    if request.method == "POST":
        form, saved = _save_form(request, round=round)
        if saved:
            messages.success(request, _("草稿已保存（编号 %(number)s）。") % {"number": saved.number})
            return redirect("application-detail", pk=saved.pk)
    else:
        form = schemes.form_for(round)
    return render(request, "applications/application_form.html", {"form": form, "round": round})


@allowed("application.apply")
def application_edit(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    if not application.is_editable:
        messages.info(request, _("申报已提交，不能修改。"))
        return redirect("application-detail", pk=pk)
    correction = application.corrections.filter(resolved_at__isnull=True).first()
    if request.method == "POST":
        form, saved = _save_form(request, round=application.round, application=application, correction=correction)
        if saved:
            messages.success(request, _("已保存。"))
            return redirect("application-detail", pk=pk)
    else:
        form = _scheme_form(application.round, application=application, correction=correction)
    return render(
        request,
        "applications/application_form.html",
        {"form": form, "round": application.round, "application": application, "correction": correction},
    )


@allowed("application.view")
def application_detail(request, pk):
    try:
        application = selectors.application_for_page(request.user, pk)
    except Application.DoesNotExist:
        raise Http404 from None
    current = [a for a in application.attachments.all() if a.replaced_at is None]
    by_requirement = {a.requirement_id: a for a in current}
    checklist = [(req, by_requirement.get(req.pk)) for req in application.round.materials.all()]
    correction = next((c for c in application.corrections.all() if c.resolved_at is None), None)
    payee = None
    if application.person_id and services.pays_person(application):
        payee = payee_account_for(person_resident_id=application.person.resident_id)
    problems = services.submission_problems(application, payee=payee) if application.is_editable else []
    return render(
        request,
        "applications/application_detail.html",
        {
            "application": application,
            "checklist": checklist,
            "details": schemes.details_display(application),
            "correction": correction,
            "problems": problems,
            "payee": payee,
            "payee_form": PersonPayeeAccountForm(initial={"account_name": application.person_display_name})
            if payee is not None
            else None,
            "is_owner": can(request.user, "application.apply"),
        },
    )


@require_POST
@allowed("application.apply")
def application_submit(request, pk):
    # The service's locked read is the scope check (one read of the row for each click of a double click, issue 18).
    try:
        services.application_submit(application=pk, by=request.user, request=request)
    except Application.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        if getattr(error, "code", None) == "already_submitted":
            # A double click (its page follows this answer, not the first one's) or a second tab: not an error.
            messages.info(request, error.message)
        else:
            report_errors(request, error)
    else:
        messages.success(request, _("申报已提交，请等待区县人力社保部门审核。"))
    return redirect("application-detail", pk=pk)


@require_POST
@allowed("application.apply")
def application_withdraw(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.application_withdraw(
            application=application, by=request.user, reason=form.cleaned_data.get("reason", ""), request=request
        )
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("申报已撤回。"))
    return redirect("application-detail", pk=pk)


@require_POST
@allowed("application.apply")
def attachment_upload(request, pk, requirement_pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    requirement = get_object_or_404(MaterialRequirement, pk=requirement_pk, round_id=application.round_id)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            services.attachment_add(
                application=application, requirement=requirement, upload=form.cleaned_data["file"], by=request.user,
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            report_errors(request, error)
        else:
            messages.success(request, _("材料“%(name)s”已上传。") % {"name": requirement.name})
    return redirect("application-detail", pk=pk)


@require_POST
@allowed("application.apply")
def application_payee(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    form = PersonPayeeAccountForm(request.POST, request.FILES)
    if not form.is_valid():
        report_errors(request, ValidationError([f"{form.fields[f].label}：{e}" if f in form.fields else e
                                                 for f, errors in form.errors.items() for e in errors]))  # fmt: skip
        return redirect("application-detail", pk=pk)
    details = {k: v for k, v in form.cleaned_data.items() if k != "proof"}
    try:
        services.payee_account_propose(
            application=application, details=details, proof=form.cleaned_data["proof"], by=request.user,
            request=request,
        )  # fmt: skip
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("领奖人账户已提交，财务人员核验后生效。"))
        for character in non_gbk_characters(details.get("account_name", "")):
            messages.warning(
                request, _("提示：姓名中的“%(c)s”不在 GBK 字符集内，付款时可能需按银行规定处理。") % {"c": character}
            )
    return redirect("application-detail", pk=pk)


@allowed("application.view")
def attachment_download(request, pk):
    attachment = get_object_or_404(selectors.attachments_visible_to(request.user), pk=pk)
    audit_record(action="attachment.download", actor=request.user, target=attachment.application, request=request,
                 data={"attachment": attachment.pk})  # fmt: skip
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=CONTENT_TYPES[attachment.kind],
        as_attachment=request.GET.get("inline") != "1",
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if request.GET.get("inline") == "1":  # the review page's preview: only the portal's own pages may frame it
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'; sandbox"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@allowed("application.apply")
def roster_template_download(request):
    response = HttpResponse(
        roster_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="apprentice-roster-template.xlsx"'
    return response


@require_POST
@allowed("application.apply")
def roster_upload(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要导入的 XLSX 文件。"))
        return redirect("application-detail", pk=pk)
    try:
        rows = read_roster(form.cleaned_data["file"])
        services.roster_replace(application=application, rows=rows, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, _("名册未导入，请修改以下问题后重新上传（所有行均未保存）："))
        report_errors(request, error)
    else:
        messages.success(request, _("已导入学徒 %(n)s 人。") % {"n": len(rows)})
        for clash in claim_clashes(application):
            messages.warning(request, clash)
    return redirect("application-detail", pk=pk)


@allowed("application.apply")
def roster_edit(request, pk):
    application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    if request.method == "POST":
        formset = ApprenticeFormSet(request.POST)
        if formset.is_valid():
            try:
                services.roster_replace(application=application, rows=formset.rows(), by=request.user, request=request)
            except ValidationError as error:
                report_errors(request, error)
            else:
                messages.success(request, _("学徒名册已保存。"))
                return redirect("application-detail", pk=pk)
    else:
        initial = [
            {
                "name": a.display_name,
                "resident_id": a.person.resident_id,
                "occupation": a.occupation,
                "contract_months": a.contract_months,
                "filed_months": a.filed_months,
                "start_month": f"{a.start_month:%Y-%m}",
                "end_month": f"{a.end_month:%Y-%m}",
            }
            for a in application.apprentices.select_related("person")
        ]
        formset = ApprenticeFormSet(initial=initial)
    return render(request, "applications/roster_form.html", {"application": application, "formset": formset})
