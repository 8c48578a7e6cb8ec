"""Writes of the money side: the award of an approved application and the close of a public notice that makes them."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import schemes
from applications.models import Application, Person, PublicNotice
from applications.services import already_received
from applications.transitions import application_transition
from applications.workflow import Action, State
from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from . import rules
from .documents.services import award_documents_request, notice_document_request
from .models import Award, Instalment
from .studios import studio_for_award


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _decide(application: Application, received: Decimal) -> schemes.ApplicationDecision:
    """Ask the rules engine; a claim it cannot evaluate refuses the award with its reason."""
    try:
        return schemes.decide(application, already_received=received)
    except rules.RuleError as error:
        raise ValidationError(
            _("申报 %(number)s 无法计算资助金额：%(error)s") % {"number": application.number, "error": error}
        ) from None


@transaction.atomic
def award_create(*, application: Application, by: User | None = None, request=None) -> Award:
    """Create the award and instalments of an approved application; return the existing one if it has one."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    existing = Award.objects.filter(application_id=application.pk).first()
    if existing is not None:
        return existing
    if application.state != State.APPROVED:
        raise ValidationError(
            _("申报 %(number)s 尚未批准（当前状态“%(state)s”），不能生成资助。")
            % {"number": application.number, "state": State(application.state).label}
        )
    if application.person_id is not None:
        # One person's awards are made one at a time, so 就高不重复 sees every earlier one.
        Person.objects.select_for_update().filter(pk=application.person_id).first()
    received = already_received(
        scheme=application.scheme, person_id=application.person_id, exclude_application_id=application.pk
    )
    decision = _decide(application, received)
    total, installments, basis, edition = decision.total, decision.installments, decision.basis, decision.edition
    approved_on = timezone.localdate()
    award = Award.objects.create(
        application=application,
        organisation_id=application.organisation_id,
        person_id=application.person_id,
        scheme=application.scheme,
        level=application.level,
        total=total,
        already_received=received,
        basis=basis,
        policy_edition=edition,
        approved_by=by,
        payee_kind=application.definition.payee(application),
    )
    Instalment.objects.bulk_create(
        Instalment(award=award, year=i.year, amount=i.amount, due_on=add_years(approved_on, i.year - 1))
        for i in installments
        if i.amount > 0
    )
    if application.definition.opens_studio:
        award.studio = studio_for_award(award)
        award.save(update_fields=["studio"])
    application.approved_total = award.total
    application.save(update_fields=["approved_total", "updated_at"])
    # The letter (and the schedule of a multi-year award) is numbered now and rendered by a worker after commit.
    award_documents_request(award, by=by)
    audit_record(
        action="award.create",
        actor=by,
        actor_name="" if by else "system",
        target=award,
        request=request,
        data={
            "application": application.number,
            "total": str(award.total),
            "already_received": str(received),
            "instalments": [{"year": i.year, "amount": str(i.amount)} for i in installments if i.amount > 0],
            "policy_edition": edition,
        },
    )
    return award


@transaction.atomic
def notice_close(*, notice: PublicNotice, by: User | None = None, request=None, early: bool = False) -> list[Award]:
    """End a notice: approve every application still in it without an objection and create its award.

    ``by=None`` is the periodic task; an approver may close a notice only after its last day, or, in demo mode
    only (``early=True``), before it, which the audit trail records as such.
    """
    if early and not (settings.DEMO_MODE and by is not None):
        raise PermissionDenied(_("只有演示模式下才能提前结束公示；正式环境的公示须期满后结束。"))
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.closed_at is not None:
        raise ValidationError(
            _("该公示已于 %(t)s 结束，不能重复结束。")
            % {"t": timezone.localtime(notice.closed_at).strftime("%Y-%m-%d %H:%M")}
        )
    if by is not None:
        require(by, "notice.close")
        # The last day is a full day of the notice: objections may still arrive on it.
        if not early and timezone.localdate() <= notice.ends_on:
            raise ValidationError(
                _("公示期未满，不能提前结束（公示截止日为 %(d)s）。") % {"d": notice.ends_on.isoformat()}
            )
    objected = set(notice.objections.values_list("application_id", flat=True))
    candidates = (
        Application.objects.select_for_update(of=("self",))
        .filter(notices=notice, state=State.PUBLIC_NOTICE)
        .exclude(pk__in=objected)
        .order_by("pk")
    )
    awards, approved = [], []
    for application in candidates:
        application_transition(application, Action.CLOSE_NOTICE, by, request=request)
        awards.append(award_create(application=application, by=by, request=request))
        approved.append(application.number)
    notice.closed_at = timezone.now()
    notice.save(update_fields=["closed_at"])
    audit_record(
        action="notice.close_early" if early else "notice.close",
        actor=by,
        actor_name="" if by else "system",
        target=notice,
        request=request,
        reason=_("演示模式：在公示截止日 %(d)s 之前提前结束。") % {"d": notice.ends_on.isoformat()} if early else "",
        data={
            "approved": approved,
            "skipped_objections": sorted(Application.objects.filter(pk__in=objected).values_list("number", flat=True)),
            "total": str(sum((a.total for a in awards), Decimal("0"))),
        },
    )
    # The round's official 通知 listing these awards, rendered and sealed by a worker after the commit.
    if awards:
        notice_document_request(notice=notice, by=by)
    return awards
