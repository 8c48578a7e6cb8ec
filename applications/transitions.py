"""The one function that moves an application through the workflow table, and what every move brings with it:
scope and role checks, separation of duties, the decision record, the audit event and the enterprise's message."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from . import workflow
from .claims import claim_keys_release
from .models import Application, ReviewDecision, Stage
from .notifications import notification_create
from .workflow import Action, State

# Which review stage a decision belongs to; one person decides at one stage only (separation of duties).
STAGE_OF = {
    Action.DISTRICT_PASS: Stage.DISTRICT,
    Action.DISTRICT_RETURN: Stage.DISTRICT,
    Action.DISTRICT_REJECT: Stage.DISTRICT,
    Action.CITY_PASS: Stage.CITY_REVIEW,
    Action.CITY_RETURN: Stage.CITY_REVIEW,
    Action.CITY_REJECT: Stage.CITY_REVIEW,
    Action.APPROVE: Stage.CITY_APPROVAL,
    Action.APPROVAL_REJECT: Stage.CITY_APPROVAL,
    Action.LIST_CHECK_PASS: Stage.DISTRICT,
    Action.LIST_CHECK_REJECT: Stage.DISTRICT,
    Action.LIST_CHECK_RETURN: Stage.DISTRICT,
}


def _ensure_separation_of_duties(application: Application, stage: Stage, by: User) -> None:
    earlier = ReviewDecision.objects.filter(application=application, decided_by=by).exclude(stage=stage)
    if earlier.exists():
        raise PermissionDenied(
            _("您已在“%(stage)s”环节对这份申报作出过决定，同一人不能在两个环节审核同一申报。")
            % {"stage": Stage(earlier.first().stage).label}
        )


def application_transition(
    application: Application,
    action: Action,
    by: User | None,
    *,
    reason: str = "",
    request=None,
    update_fields: tuple[str, ...] = (),
) -> Application:
    """Apply one row of the workflow table to an application the caller has locked (select_for_update).

    ``by=None`` is the portal itself (the periodic task that closes a notice). ``update_fields``: fields the caller
    has changed on the locked row, saved in the same UPDATE as the new state (the submission's version and time).
    """
    transition = workflow.find(application.state, action)
    if transition is None:
        raise ValidationError(
            _("当前状态“%(state)s”下不能执行“%(action)s”（可能已被他人处理，请刷新页面）。")
            % {"state": State(application.state).label, "action": Action(action).label}
        )
    stage = STAGE_OF.get(Action(action))
    if by is not None:
        if by.role not in transition.roles:
            raise PermissionDenied(_("您的角色不能执行“%(action)s”。") % {"action": Action(action).label})
        require(by, "application.act", application)  # scope: its organisation, its district, the city
        if stage is not None:
            _ensure_separation_of_duties(application, stage, by)
    if transition.needs_reason and not reason.strip():
        raise ValidationError(_("“%(action)s”必须填写理由。") % {"action": Action(action).label})
    previous = application.state
    application.state = transition.target
    application.save(update_fields=["state", "updated_at", *update_fields])
    if application.state not in workflow.ACTIVE_STATES and previous in workflow.ACTIVE_STATES:
        claim_keys_release(application)  # withdrawn or rejected: what it claimed may be claimed again
    if stage is not None:
        ReviewDecision.objects.create(application=application, stage=stage, action=action, decided_by=by, reason=reason)
    audit_record(
        action=f"application.{action}",
        actor=by,
        actor_name="" if by else "system",
        target=application,
        request=request,
        from_state=previous,
        to_state=application.state,
        reason=reason,
    )
    notification_create(
        application=application, kind=Action(action).value, params={"number": application.number, "reason": reason}
    )
    return application
