"""Skill-master studios after the award (§6): one history per studio, yearly reviews, and exit."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import can
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from .models import Award, Instalment, Studio, StudioLevelChange, StudioReview

LEVEL_RANK = {"municipal": 1, "provincial": 2, "national": 3}


def studio_for_award(award: Award) -> Studio:
    """Find or open the studio an award is for; a higher rating raises its level, keeping one history."""
    name = (award.application.details.get("studio_name") or "").strip() or award.application.number
    studio, created = Studio.objects.select_for_update().get_or_create(
        organisation_id=award.organisation_id, name=name, defaults={"level": award.level}
    )
    if created:
        StudioLevelChange.objects.create(
            studio=studio, to_level=award.level, reason=award.basis, decided_by=award.approved_by
        )
    elif LEVEL_RANK.get(award.level, 0) > LEVEL_RANK.get(studio.level, 0):
        StudioLevelChange.objects.create(
            studio=studio,
            from_level=studio.level,
            to_level=award.level,
            reason=award.basis,
            decided_by=award.approved_by,
        )
        studio.level = award.level
        studio.save(update_fields=["level"])
    return studio


def exit_after_failed_reviews() -> int:
    """The bureau's interpretation of §6 退出机制: exit after this many consecutive failed yearly reviews."""
    return settings.STUDIO_EXIT_AFTER_FAILED_REVIEWS


@transaction.atomic
def studio_level_change(*, studio: Studio, level: str, reason: str, by: User, request=None) -> StudioLevelChange:
    """Change a studio's rating by a bureau decision (动态调整); its history and paid awards stay as they are."""
    if not can(by, "studio.decide"):
        raise PermissionDenied(_("只有市级人力社保部门可以调整工作室级别。"))
    if level not in LEVEL_RANK:
        raise ValidationError({"level": _("未知的工作室级别。")})
    if not reason.strip():
        raise ValidationError({"reason": _("调整级别必须写明理由。")})
    studio = Studio.objects.select_for_update().get(pk=studio.pk)
    if studio.has_exited:
        raise ValidationError(_("该工作室已退出，不能再调整级别。"))
    if studio.level == level:
        raise ValidationError({"level": _("工作室已是该级别。")})
    change = StudioLevelChange.objects.create(
        studio=studio, from_level=studio.level, to_level=level, reason=reason, decided_by=by
    )
    audit_record(
        action="studio.level_change", actor=by, target=studio, request=request, reason=reason,
        data={"from": studio.level, "to": level},
    )  # fmt: skip
    studio.level = level
    studio.save(update_fields=["level"])
    return change


@transaction.atomic
def studio_exit(*, studio: Studio, reason: str, by: User | None, request=None) -> Studio:
    """Take a studio out (退出机制): none of its instalments is paid from now on."""
    if by is not None and not can(by, "studio.decide"):
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
    """Record a yearly review; the N-th failed review in a row (setting, default 2) starts the exit."""
    if not can(by, "studio.decide"):
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
    needed = exit_after_failed_reviews()
    failed = {r.year for r in StudioReview.objects.filter(studio=studio, year__gt=year - needed, year__lte=year)
              if r.result == StudioReview.Result.FAIL}  # fmt: skip
    if len(failed) == needed:  # every one of the last N years, this one included, failed
        studio_exit(
            studio=studio,
            reason=_("连续 %(n)s 年绩效考核不合格（%(a)s—%(b)s 年度）")
            % {"n": needed, "a": year - needed + 1, "b": year},
            by=by,
            request=request,
        )
    return review
