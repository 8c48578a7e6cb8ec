"""The application workflow as one table: (state, action) → next state, and who may take the action.

Every change of state goes through ``applications.services.application_transition``, which looks the move up
here; no view or form assigns ``Application.state`` itself.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts.roles import Role


class State(models.TextChoices):
    """Staff names; ``PUBLIC_NAMES`` holds what the enterprise reads."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待区县初审")
    CITY_REVIEW = "city_review", _("待市级复审")
    CITY_APPROVAL = "city_approval", _("待市级审批")
    AWAITING_NOTICE = "awaiting_notice", _("待公示")
    PUBLIC_NOTICE = "public_notice", _("公示中")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("退回补正")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    # 免申即享 (applications.official_lists): an award offered from an official list, and its short review path.
    OFFERED = "offered", _("待确认（免申即享）")
    LIST_CHECK = "list_check", _("待区县核对（免申即享）")
    LIST_RETURNED = "list_returned", _("退回单位更正（免申即享）")


PUBLIC_NAMES = {
    State.DRAFT: _("草稿（未提交）"),
    State.SUBMITTED: _("已提交，等待区县审核"),
    State.CITY_REVIEW: _("区县审核通过，市级审核中"),
    State.CITY_APPROVAL: _("市级审核中"),
    State.AWAITING_NOTICE: _("审核通过，等待公示"),
    State.PUBLIC_NOTICE: _("公示中"),
    State.APPROVED: _("已批准"),
    State.RETURNED: _("被退回，请补正后重新提交"),
    State.REJECTED: _("未通过"),
    State.WITHDRAWN: _("已撤回"),
    State.OFFERED: _("待确认资助：请核对信息并确认领取"),
    State.LIST_CHECK: _("已确认，等待区县核对"),
    State.LIST_RETURNED: _("被退回：请按意见更正后重新确认领取"),
}

# What the enterprise is expected to do next, by state (empty: nothing, wait for the bureau).
NEXT_STEP = {
    State.DRAFT: _("补全信息和材料后提交申报"),
    State.RETURNED: _("按退回意见补正，在期限内重新提交"),
    State.OFFERED: _("核对名单信息，确认领取（无需提交材料）"),
    State.LIST_RETURNED: _("按退回意见更正（如领奖人账户）后重新确认领取"),
}

# States in which an application counts against the duplicate rule (same person, scheme and level).
ACTIVE_STATES = frozenset(
    {
        State.SUBMITTED,
        State.CITY_REVIEW,
        State.CITY_APPROVAL,
        State.AWAITING_NOTICE,
        State.PUBLIC_NOTICE,
        State.APPROVED,
        State.RETURNED,
        State.LIST_CHECK,
        State.LIST_RETURNED,
    }
)
# States the enterprise may edit in.
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交")
    WITHDRAW = "withdraw", _("撤回")
    RESUBMIT = "resubmit", _("补正后重新提交")
    DISTRICT_PASS = "district_pass", _("区县初审通过")
    DISTRICT_RETURN = "district_return", _("区县退回补正")
    DISTRICT_REJECT = "district_reject", _("区县初审不通过")
    CITY_PASS = "city_pass", _("市级复审通过")
    CITY_RETURN = "city_return", _("市级退回补正")
    CITY_REJECT = "city_reject", _("市级复审不通过")
    APPROVE = "approve", _("市级审批同意")
    APPROVAL_REJECT = "approval_reject", _("市级审批不同意")
    OPEN_NOTICE = "open_notice", _("开始公示")
    OBJECT = "object", _("公示异议，退回复审")
    CLOSE_NOTICE = "close_notice", _("公示期满，批准")
    CONFIRM = "confirm", _("确认领取（免申即享）")
    DECLINE = "decline", _("放弃领取（免申即享）")
    LIST_CHECK_PASS = "list_check_pass", _("区县核对通过")
    LIST_CHECK_REJECT = "list_check_reject", _("区县核对不通过")
    LIST_CHECK_RETURN = "list_check_return", _("区县核对退回单位更正")


@dataclass(frozen=True)
class Transition:
    source: State
    action: Action
    target: State
    roles: frozenset
    needs_reason: bool = False


def _t(source, action, target, *roles, needs_reason=False):
    return Transition(source, action, target, frozenset(roles), needs_reason)


E, D, C, A = Role.ENTERPRISE, Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.CITY_APPROVER
S = State

TRANSITIONS = [
    _t(S.DRAFT, Action.SUBMIT, S.SUBMITTED, E),
    _t(S.SUBMITTED, Action.WITHDRAW, S.WITHDRAWN, E),
    _t(S.RETURNED, Action.RESUBMIT, S.SUBMITTED, E),
    _t(S.SUBMITTED, Action.DISTRICT_PASS, S.CITY_REVIEW, D),
    _t(S.SUBMITTED, Action.DISTRICT_RETURN, S.RETURNED, D, needs_reason=True),
    _t(S.SUBMITTED, Action.DISTRICT_REJECT, S.REJECTED, D, needs_reason=True),
    _t(S.CITY_REVIEW, Action.CITY_PASS, S.CITY_APPROVAL, C),
    _t(S.CITY_REVIEW, Action.CITY_RETURN, S.RETURNED, C, needs_reason=True),
    _t(S.CITY_REVIEW, Action.CITY_REJECT, S.REJECTED, C, needs_reason=True),
    _t(S.CITY_APPROVAL, Action.APPROVE, S.AWAITING_NOTICE, A),
    _t(S.CITY_APPROVAL, Action.APPROVAL_REJECT, S.REJECTED, A, needs_reason=True),
    _t(S.AWAITING_NOTICE, Action.OPEN_NOTICE, S.PUBLIC_NOTICE, A),
    _t(S.PUBLIC_NOTICE, Action.OBJECT, S.CITY_REVIEW, C, A, needs_reason=True),
    # Closing a notice is done by the periodic task (no user) or by the approver's button.
    _t(S.PUBLIC_NOTICE, Action.CLOSE_NOTICE, S.APPROVED, A),
    # 免申即享: an offer from an official list is confirmed, not applied for; the district checks the documents the
    # bureau already holds, then city approval and the notice as above (no merit review, no materials).
    _t(S.OFFERED, Action.CONFIRM, S.LIST_CHECK, E),
    _t(S.OFFERED, Action.DECLINE, S.WITHDRAWN, E),
    _t(S.LIST_CHECK, Action.LIST_CHECK_PASS, S.CITY_APPROVAL, D),
    _t(S.LIST_CHECK, Action.LIST_CHECK_REJECT, S.REJECTED, D, needs_reason=True),
    # Something the organisation gave is wrong (the payee's account proof is unreadable): back to it with the reason;
    # it corrects and confirms again (its claim stays registered meanwhile), or declines.
    _t(S.LIST_CHECK, Action.LIST_CHECK_RETURN, S.LIST_RETURNED, D, needs_reason=True),
    _t(S.LIST_RETURNED, Action.CONFIRM, S.LIST_CHECK, E),
    _t(S.LIST_RETURNED, Action.DECLINE, S.WITHDRAWN, E),
]

_TABLE = {(t.source, t.action): t for t in TRANSITIONS}

# 免申即享: the states in which the organisation answers an offer (confirms it, again after a return, or declines).
ANSWERABLE_STATES = frozenset(t.source for t in TRANSITIONS if t.action == Action.CONFIRM)


def find(state: str, action: str) -> Transition | None:
    """Return the transition for this state and action, or None if the table has no such move."""
    return _TABLE.get((State(state), Action(action)))


def actions_from(state: str, role: Role | None) -> list[Transition]:
    """Return the moves a role may make from a state (for buttons)."""
    return [t for t in TRANSITIONS if t.source == state and role in t.roles]
