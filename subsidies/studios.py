"""Skill-master studios after the award (§6): one history per studio, yearly reviews, and exit."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import audit_record

from .models import Award, Instalment, Studio, StudioReview

LEVEL_RANK = {"municipal": 1, "provincial": 2, "national": 3}
BUREAU = (Role.CITY_REVIEWER, Role.CITY_APPROVER, Role.ADMINISTRATOR)


def studio_for_award(award: Award) -> Studio:
    """Find or open the studio an award is for; a higher rating raises its level, keeping one history."""
    name = (award.application.details.get("studio_name") or "").strip() or award.application.number
    studio, created = Studio.objects.select_for_update().get_or_create(
        organisation_id=award.organisation_id, name=name, defaults={"level": award.level}
    )
    if not created and LEVEL_RANK.get(award.level, 0) > LEVEL_RANK.get(studio.level, 0):
        studio.level = award.level
        studio.save(update_fields=["level"])
    return studio


@transaction.atomic
def studio_exit(*, studio: Studio, reason: str, by: User | None, request=None) -> Studio:
    """Take a studio out (退出机制): none of its instalments is paid from now on."""
    if by is not None and by.role not in BUREAU:
        raise PermissionDenied(_("只有市级人力社保部门可以决定工作室退出。"))
    if not reason.strip():
        raise ValidationError(_("退出必须写明原因。"))
    studio = Studio.objects.select_for_update().get(pk=studio.pk)
    if studio.has_exited:
        raise ValidationError(
            _("该工作室已于 %(t)s 退出。") % {"t": f"{timezone.localtime(studio.exited_at):%Y-%m-%d}"}
        )
    studio.exited_at, studio.exit_reason, studio.exited_by = timezone.now(), reason, by
    studio.save(update_fields=["exited_at", "exit_reason", "exited_by"])
    cancelled = Instalment.objects.filter(award__studio=studio, state=Instalment.State.DUE).update(
        state=Instalment.State.CANCELLED
    )
    audit_record(
        action="studio.exit", actor=by, actor_name="" if by else "system", target=studio, request=request,
        reason=reason, data={"cancelled_instalments": cancelled},
    )  # fmt: skip
    return studio


@transaction.atomic
def studio_review_record(
    *, studio: Studio, year: int, result: str, notes: str, by: User, attachment=None, request=None
) -> StudioReview:
    """Record a yearly review; a second failed review in a row starts the exit."""
    if by.role not in BUREAU:
        raise PermissionDenied(_("只有市级人力社保部门可以登记工作室考核。"))
    studio = Studio.objects.select_for_update().get(pk=studio.pk)
    if studio.has_exited:
        raise ValidationError(_("该工作室已退出，不再考核。"))
    if StudioReview.objects.filter(studio=studio, year=year).exists():
        raise ValidationError(_("%(year)s 年度的考核已登记。") % {"year": year})
    review = StudioReview.objects.create(
        studio=studio, year=year, result=result, notes=notes, reviewed_by=by, attachment=attachment or ""
    )
    audit_record(
        action="studio.review", actor=by, target=studio, request=request, data={"year": year, "result": result}
    )
    previous = StudioReview.objects.filter(studio=studio, year=year - 1).first()
    if result == StudioReview.Result.FAIL and previous and previous.result == StudioReview.Result.FAIL:
        studio_exit(studio=studio, reason=_("连续两年绩效考核不合格（%(a)s、%(b)s 年度）") % {"a": year - 1, "b": year},
                    by=by, request=request)  # fmt: skip
    return review
