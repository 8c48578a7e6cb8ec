"""Public notice pages: the public list (no login), and the bureau's list, opening, detail and objections."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huzhou_craftsman.accounts.access import allowed, can, require

from . import notices
from .models import Application, PublicNotice
from .workflow import State


class NoticeOpenForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("公示标题"), max_length=200)
    # Any application may be ticked: the service says clearly which one is no longer awaiting a notice.
    applications = forms.ModelMultipleChoiceField(
        label=gettext_lazy("公示申报"),
        queryset=Application.objects.all(),
        error_messages={"required": gettext_lazy("请至少选择一份待公示的申报。")},
    )


class ObjectionForm(forms.Form):
    application = forms.IntegerField(widget=forms.HiddenInput)
    received_on = forms.DateField(
        label=gettext_lazy("收到日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _objection_contact() -> dict:
    return {
        "name": settings.NOTICE_CONTACT_NAME,
        "phone": settings.NOTICE_CONTACT_PHONE,
        "address": settings.NOTICE_CONTACT_ADDRESS,
        "email": settings.NOTICE_CONTACT_EMAIL,
    }


def notice_public_list(request):
    """The public notice page (no login): the notices open now in full, and the archive by year."""
    open_notices = [(notice, notices.public_rows(notice)) for notice in notices.notices_public_open()]
    return render(
        request,
        "notices/public_list.html",
        {"open_notices": open_notices, "years": notices.notice_archive_years(), "contact": _objection_contact()},
    )


# Years a notice can be published in; anything else is not a page (and not a date the database can take).
ARCHIVE_YEARS = range(2000, 2101)


def notice_public_archive(request, year):
    """The public archive of one year: every notice published in it, open or closed, each with its own page."""
    if year not in ARCHIVE_YEARS:
        raise Http404
    return render(
        request,
        "notices/public_archive.html",
        {"year": year, "notices": notices.notices_public_in_year(year), "years": notices.notice_archive_years()},
    )


def notice_public_detail(request, pk):
    """One notice as it was published, open or closed (no login)."""
    try:
        notice = notices.notice_public(pk)
    except PublicNotice.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "notices/public_detail.html",
        {"notice": notice, "rows": notices.public_rows(notice), "contact": _objection_contact()},
    )


@allowed("notice.view")
def notice_staff_list(request):
    is_approver = can(request.user, "notice.open")
    form = NoticeOpenForm(initial={"title": notices.default_notice_title()})
    if request.method == "POST":
        require(request.user, "notice.open")
        form = NoticeOpenForm(request.POST)
        if form.is_valid():
            try:
                notice = notices.notice_open(
                    applications=list(form.cleaned_data["applications"]),
                    title=form.cleaned_data["title"],
                    by=request.user,
                    request=request,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("公示已发布：%(start)s 至 %(end)s。")
                    % {"start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat()},
                )
                return redirect("notice-detail", pk=notice.pk)
    staff_notices = notices.notices_for_staff().annotate(
        application_count=Count("applications", distinct=True), objection_count=Count("objections", distinct=True)
    )
    page = Paginator(staff_notices, 50).get_page(request.GET.get("page"))
    selected = {str(pk) for pk in form["applications"].value() or []}
    return render(
        request,
        "notices/staff_list.html",
        {
            "page": page,
            "notices": page.object_list,
            "form": form,
            "is_approver": is_approver,
            "awaiting": notices.applications_awaiting_notice() if is_approver else [],
            "selected": selected,
            "today": timezone.localdate(),
            "working_days": settings.PUBLIC_NOTICE_WORKING_DAYS,
        },
    )


@allowed("notice.view")
def notice_staff_detail(request, pk):
    try:
        notice = notices.notice_for_staff(pk)
    except PublicNotice.DoesNotExist:
        raise Http404 from None
    today = timezone.localdate()
    objections = {}
    for objection in notice.objections.all():
        objections.setdefault(objection.application_id, []).append(objection)
    rows = [
        {
            "application": application,
            "objections": objections.get(application.pk, []),
            "may_object": notice.closed_at is None and application.state == State.PUBLIC_NOTICE,
        }
        for application in notice.applications.all()
    ]
    return render(
        request,
        "notices/staff_detail.html",
        {
            "notice": notice,
            "rows": rows,
            "objections": notice.objections.all(),
            "today": today,
            "may_close": (can(request.user, "notice.close") and notice.closed_at is None and today > notice.ends_on),
            "may_close_early": (
                settings.DEMO_MODE
                and can(request.user, "notice.close")
                and notice.closed_at is None
                and today <= notice.ends_on
            ),
        },
    )


@require_POST
@allowed("notice.object")
def objection_create(request, pk):
    notice = get_object_or_404(PublicNotice, pk=pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("notice-detail", pk=pk)
    application = get_object_or_404(notice.applications, pk=form.cleaned_data["application"])
    try:
        notices.objection_record(
            notice=notice,
            application=application,
            reason=form.cleaned_data["reason"],
            received_on=form.cleaned_data["received_on"],
            by=request.user,
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已登记异议，申报 %(number)s 已退回市级复审。") % {"number": application.number})
    return redirect("notice-detail", pk=pk)
