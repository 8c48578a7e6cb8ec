"""The public notice (公示): its working-day period, opening it, objections during it, and what the public sees.

Closing a notice approves the applications and creates their awards, so it lives with the money in
``subsidies.services.notice_close`` (``applications`` never imports ``subsidies`` beyond its pure rules).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from .models import Application, Objection, PublicNotice
from .transitions import application_transition
from .workflow import Action, State


def is_working_day(day: date) -> bool:
    """Whether the bureau works on a day: the State Council's holidays and make-up working days count.

    ``chinese_calendar`` only knows the years the State Council has published (it raises NotImplementedError
    for others, e.g. next year's schedule before it is announced each November); for those days we fall back
    to Monday–Friday, which can only be wrong on a holiday or make-up day not yet published.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def notice_period(start: date, working_days: int) -> tuple[date, date]:
    """Return (starts_on, ends_on) of a notice published on ``start``.

    The notice starts on the publication day if that is a working day, otherwise on the next working day,
    and ends on the ``working_days``-th working day counted from its start day inclusive.
    """
    if working_days < 1:
        raise ValueError("a notice lasts at least one working day")
    starts_on = start
    while not is_working_day(starts_on):
        starts_on += timedelta(days=1)
    return starts_on, add_working_days(starts_on, working_days)


def add_working_days(start: date, n: int) -> date:
    """Return the n-th working day counted from ``start`` inclusive (the first working day on or after it is 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)


# --- Writes -----------------------------------------------------------------------------------------------------


@transaction.atomic
def notice_open(*, applications: list[Application], title: str, by: User, request=None) -> PublicNotice:
    """Publish a notice for applications awaiting it; every one moves to public notice, or none does."""
    pks = sorted({a.pk for a in applications})
    if not pks:
        raise ValidationError(_("请至少选择一份待公示的申报。"))
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("请填写公示标题。"))
    # Locked in primary-key order, so two approvers publishing overlapping lists cannot deadlock.
    locked = list(Application.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    if len(locked) != len(pks):
        raise ValidationError(_("所选申报中有的已不存在，请刷新页面后重新选择。"))
    not_ready = [a for a in locked if a.state != State.AWAITING_NOTICE]
    if not_ready:
        raise ValidationError(
            [
                _("申报 %(number)s 当前状态为“%(state)s”，不是“待公示”，不能列入公示（可能已被他人处理，请刷新页面）。")
                % {"number": a.number, "state": State(a.state).label}
                for a in not_ready
            ]
        )
    working_days = settings.PUBLIC_NOTICE_WORKING_DAYS
    starts_on, ends_on = notice_period(timezone.localdate(), working_days)
    notice = PublicNotice.objects.create(
        title=title, working_days=working_days, starts_on=starts_on, ends_on=ends_on, opened_by=by
    )
    for application in locked:
        # The workflow table checks the role (city approver) for every application.
        application_transition(application, Action.OPEN_NOTICE, by, request=request)
    notice.applications.set(locked)
    audit_record(
        action="notice.open",
        actor=by,
        target=notice,
        request=request,
        data={
            "title": title,
            "applications": [a.number for a in locked],
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "working_days": working_days,
        },
    )
    return notice


@transaction.atomic
def objection_record(
    *, notice: PublicNotice, application: Application, reason: str, received_on: date, by: User, request=None
) -> Objection:
    """Record an objection received during a notice and send the application back to city review."""
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    application = Application.objects.select_for_update().get(pk=application.pk)
    reason = (reason or "").strip()
    if notice.closed_at is not None:
        raise ValidationError(_("公示已结束，不能再登记异议。"))
    if not notice.applications.filter(pk=application.pk).exists():
        raise ValidationError(_("申报 %(number)s 不在本次公示中。") % {"number": application.number})
    if application.state != State.PUBLIC_NOTICE:
        raise ValidationError(
            _("申报 %(number)s 当前状态为“%(state)s”，不在公示中（可能已登记过异议）。")
            % {"number": application.number, "state": State(application.state).label}
        )
    if not reason:
        raise ValidationError(_("请填写异议内容。"))
    if received_on > timezone.localdate():
        raise ValidationError(_("收到日期不能晚于今天。"))
    if received_on < notice.starts_on:
        raise ValidationError(
            _("收到日期早于公示开始日 %(d)s，不属于本次公示的异议。") % {"d": notice.starts_on.isoformat()}
        )
    objection = Objection.objects.create(
        notice=notice, application=application, received_on=received_on, reason=reason, recorded_by=by
    )
    # The workflow table checks the role (city reviewer or approver) and writes the audit event.
    application_transition(application, Action.OBJECT, by, reason=reason, request=request)
    return objection


# --- Reads ------------------------------------------------------------------------------------------------------


# Open notices (closed_at is NULL) first, then the most recently closed.
_OPEN_FIRST = F("closed_at").desc(nulls_first=True)


def _published_applications() -> Prefetch:
    return Prefetch(
        "applications",
        queryset=Application.objects.select_related("organisation", "person").order_by("number"),
    )


def notices_public_open() -> QuerySet[PublicNotice]:
    """Notices open now, for the public page in full: two queries whatever the number of notices and applications."""
    return (
        PublicNotice.objects.filter(closed_at__isnull=True)
        .prefetch_related(_published_applications())
        .order_by("-starts_on", "-pk")
    )


def notices_public_in_year(year: int) -> QuerySet[PublicNotice]:
    """The public archive of one year: every notice that started in it, open or closed (a notice never leaves it)."""
    return (
        PublicNotice.objects.filter(starts_on__year=year)
        .annotate(application_count=Count("applications"))
        .order_by("-starts_on", "-pk")
    )


def notice_archive_years() -> list[dict]:
    """The years of the public archive, newest first, each with how many notices it holds."""
    return list(
        PublicNotice.objects.annotate(year=ExtractYear("starts_on"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )


def notice_public(pk: int) -> PublicNotice:
    """One notice as the public sees it, open or closed, with its applications (two queries)."""
    return PublicNotice.objects.prefetch_related(_published_applications()).get(pk=pk)


@dataclass(frozen=True)
class PublicNoticeRow:
    """One line of a notice as published: who, where they work, their trade, the level and the amount.

    No ID number and no phone number: colleagues recognise a person by name, work unit and trade.
    """

    number: str
    name: str
    organisation: str
    occupation: str
    scheme: str
    level: str
    amount: Decimal | None


def _occupation(application: Application) -> str:
    details = application.details or {}
    # The nominee's trade (§3), the competition's trade (§4), or the studio's name (§6); none for the organisation
    # schemes (§5 bases, §9 apprentices), whose notice line is the organisation itself.
    return details.get("occupation") or details.get("trade") or details.get("studio_name") or ""


def public_rows(notice: PublicNotice) -> list[PublicNoticeRow]:
    """The lines of a notice whose applications were prefetched (``notices_public_open``, ``notice_public``)."""
    rows = []
    for application in notice.applications.all():
        amount = application.approved_total if application.approved_total is not None else application.estimate_total
        rows.append(
            PublicNoticeRow(
                number=application.number,
                name=application.person.name if application.person_id else "",
                organisation=application.organisation.name,
                occupation=_occupation(application),
                scheme=application.get_scheme_display(),
                level=application.level_label,
                amount=amount,
            )
        )
    return rows


def notices_for_staff() -> QuerySet[PublicNotice]:
    """Every notice for the bureau's list: open first, then by start date."""
    return PublicNotice.objects.select_related("opened_by").order_by(_OPEN_FIRST, "-starts_on", "-pk")


def notice_for_staff(pk: int) -> PublicNotice:
    """One notice with its applications and objections, for the staff detail page."""
    return (
        PublicNotice.objects.select_related("opened_by")
        .prefetch_related(
            _published_applications(),
            Prefetch("objections", queryset=Objection.objects.select_related("application", "recorded_by")),
        )
        .get(pk=pk)
    )


def applications_awaiting_notice() -> QuerySet[Application]:
    """Applications approved by the city and waiting for a notice, oldest submission first."""
    return (
        Application.objects.filter(state=State.AWAITING_NOTICE)
        .select_related("organisation", "person", "round")
        .order_by("submitted_at", "pk")
    )


def default_notice_title(today: date | None = None) -> str:
    """The suggested title: this year's next batch number (第N批)."""
    today = today or timezone.localdate()
    batch = PublicNotice.objects.filter(starts_on__year=today.year).count() + 1
    return _("%(year)s年度湖州工匠培育工程资助公示（第%(n)s批）") % {"year": today.year, "n": batch}
