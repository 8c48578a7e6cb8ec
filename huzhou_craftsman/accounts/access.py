"""Who may do what: one table of actions and one function that answers for every page, service, queue and export.

After Zulip's ``access_*`` helpers: ``ACTIONS`` maps an action name to the role groups of ``roles.py`` that may take
it; ``can(user, action, obj)`` adds the object's scope, which is one rule for every kind of object (an enterprise
user sees and acts on its organisation's objects, a district reviewer on its district's, every other role on the
whole city); ``require`` raises ``PermissionDenied`` with a Chinese message that says why; ``allowed(action)`` guards
a view; ``visible(user, Model)`` scopes a queryset by the same rule, for selectors, queues and exports.

The auditor is read-only: no action that writes names a read-only role (a test reads the table), and ``can``
refuses a write to a read-only role whatever the table says. Separation of duties (the maker of a batch does not
check it, one person decides at one review stage) and state rules stay in the services that own them: they are
about the object's history, not about who the user is.

This module imports no model of ``applications`` or ``subsidies`` (data flows accounts ← applications ← subsidies):
kinds of object are named by their model label.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from operator import attrgetter

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import (
    ADMINISTRATORS,
    ALL_ROLES,
    APPLICANTS,
    AUDITORS,
    CITY_APPROVERS,
    CITY_BUREAU,
    CITY_ROLES,
    DISTRICT_REVIEWERS,
    FINANCE_CHECKERS,
    FINANCE_MAKERS,
    FINANCE_ROLES,
    REVIEWERS,
    STAFF_ROLES,
    Role,
)


@dataclass(frozen=True)
class Permit:
    """Who may take one action: roles, whether it changes anything, and what a refusal says."""

    roles: frozenset
    what: str  # the action in words, for messages: "编制付款批次"
    writes: bool = True
    refusal: str = ""  # a message of its own (kept where users and tests already know it)
    check: Callable | None = None  # an object rule replacing the scope rule: (user, obj) -> bool


def _permit(roles, what, *, writes=True, refusal="", check=None) -> Permit:
    return Permit(frozenset(roles), what, writes, refusal, check)


def _read(roles, what, **kwargs) -> Permit:
    return _permit(roles, what, writes=False, **kwargs)


def _may_verify_bank_account(user, account) -> bool:
    """The role the settings name for this kind of holder verifies it; a district reviewer only in its district."""
    role = verifier_role_for(account.holder_kind)
    if user.role != role:
        return False
    if role == Role.DISTRICT_REVIEWER and account.holder_kind == "organisation":
        return account.organisation.district_id == user.district_id
    return True


def verifier_role_for(holder_kind: str) -> Role:
    return Role(settings.BANK_VERIFIER_ROLES[holder_kind])


# action -> who. Reads (writes=False) may be granted to the auditor; writes never are.
ACTIONS: dict[str, Permit] = {
    # Intake: the enterprise's own pages and every change it makes to its applications.
    "application.apply": _permit(
        APPLICANTS, gettext_lazy("填写和提交申报"), refusal=gettext_lazy("只有申报单位用户可以填写申报。")
    ),
    "application.view": _read(ALL_ROLES, gettext_lazy("查看申报")),
    # Any move of an application (its organisation, its district's reviewer, the city); the workflow table then
    # says which role makes which move.
    "application.act": _permit(APPLICANTS | REVIEWERS, gettext_lazy("处理申报")),
    # Review.
    "review.view": _read(REVIEWERS | AUDITORS | ADMINISTRATORS, gettext_lazy("查看审核")),
    "review.decide": _permit(REVIEWERS, gettext_lazy("作出审核决定")),
    "review.comment": _permit(REVIEWERS, gettext_lazy("填写内部意见")),
    "review.return": _permit(DISTRICT_REVIEWERS | {Role.CITY_REVIEWER}, gettext_lazy("退回补正")),
    "review.bulk": _permit(DISTRICT_REVIEWERS, gettext_lazy("批量审核")),
    # Public notices (the bureau's side; the public pages need no login).
    "notice.view": _read(CITY_ROLES, gettext_lazy("管理公示")),
    "notice.open": _permit(
        CITY_APPROVERS, gettext_lazy("发布公示"), refusal=gettext_lazy("只有市级审批人员可以发布公示。")
    ),
    "notice.object": _permit(CITY_ROLES, gettext_lazy("登记公示异议")),
    "notice.close": _permit(
        CITY_APPROVERS, gettext_lazy("结束公示"), refusal=gettext_lazy("只有市级审批人员可以结束公示。")
    ),
    # Awards, documents, the dashboard and studios.
    "award.view": _read(APPLICANTS | CITY_ROLES | FINANCE_ROLES | AUDITORS, gettext_lazy("查看资助")),
    "document.view": _read(ALL_ROLES, gettext_lazy("查看资助文书")),
    "document.regenerate": _permit(
        ADMINISTRATORS, gettext_lazy("批量重新生成文书"), refusal=gettext_lazy("只有系统管理员可以批量重新生成文书。")
    ),
    "dashboard.view": _read(CITY_BUREAU | FINANCE_ROLES | AUDITORS, gettext_lazy("查看政策看板")),
    "studio.view": _read(CITY_BUREAU | FINANCE_ROLES | AUDITORS, gettext_lazy("查看大师工作室")),
    "studio.decide": _permit(
        CITY_BUREAU,
        gettext_lazy("决定工作室考核、级别和退出"),
        refusal=gettext_lazy("只有市级人力社保部门可以决定工作室考核、级别调整和退出。"),
    ),
    # Money.
    "finance.view": _read(FINANCE_ROLES | AUDITORS, gettext_lazy("查看付款")),
    "finance.batch.make": _permit(
        FINANCE_MAKERS, gettext_lazy("编制付款批次"), refusal=gettext_lazy("只有财务经办人员可以编制付款批次。")
    ),
    "finance.batch.check": _permit(
        FINANCE_CHECKERS, gettext_lazy("复核付款批次"), refusal=gettext_lazy("只有财务复核人员可以复核付款批次。")
    ),
    "finance.export": _permit(
        FINANCE_ROLES, gettext_lazy("导出付款文件"), refusal=gettext_lazy("只有财务人员可以导出付款文件。")
    ),
    "finance.results.template": _read(FINANCE_ROLES, gettext_lazy("下载银行回盘模板")),
    "finance.results.import": _permit(
        FINANCE_MAKERS, gettext_lazy("导入银行回盘"), refusal=gettext_lazy("只有财务经办人员可以导入银行回盘。")
    ),
    "finance.reverse": _permit(FINANCE_ROLES, gettext_lazy("冲正"), refusal=gettext_lazy("只有财务人员可以冲正。")),
    "budget.view": _read(FINANCE_ROLES | AUDITORS, gettext_lazy("查看资金指标")),
    "budget.set": _permit(
        FINANCE_ROLES, gettext_lazy("设定资金指标"), refusal=gettext_lazy("只有财务人员可以设定资金指标。")
    ),
    # 免申即享: the lists the bureau already holds.
    "official_list.view": _read(CITY_ROLES | ADMINISTRATORS | AUDITORS, gettext_lazy("查看官方名单")),
    "official_list.import": _permit(
        frozenset({Role.CITY_REVIEWER}) | ADMINISTRATORS,
        gettext_lazy("导入官方名单"),
        refusal=gettext_lazy("只有市级复审人员或系统管理员可以导入官方名单。"),
    ),
    "award.payee_confirm": _permit(
        FINANCE_CHECKERS, gettext_lazy("确认个人资助拨付本人"), refusal=gettext_lazy("只有财务复核人员可以确认收款人。")
    ),
    "tax.set": _permit(
        FINANCE_CHECKERS | ADMINISTRATORS,
        gettext_lazy("调整个税代扣设置"),
        refusal=gettext_lazy("只有财务复核人员或系统管理员可以调整个税代扣设置。"),
    ),
    # Organisations and payee accounts.
    "organisation.view": _read(ALL_ROLES, gettext_lazy("查看申报单位")),
    "organisation.list": _read(STAFF_ROLES, gettext_lazy("查看申报单位名单")),
    "organisation.verify": _permit(DISTRICT_REVIEWERS | ADMINISTRATORS, gettext_lazy("认定申报单位")),
    # An organisation's account by its own users (or the administrator); a person's comes with an application.
    "bank_account.propose": _permit(APPLICANTS | ADMINISTRATORS, gettext_lazy("提交收款账户变更")),
    "bank_account.list": _read(
        DISTRICT_REVIEWERS | FINANCE_CHECKERS | AUDITORS | ADMINISTRATORS, gettext_lazy("查看收款账户核验清单")
    ),
    "bank_account.view": _read(
        APPLICANTS | DISTRICT_REVIEWERS | FINANCE_CHECKERS | AUDITORS | ADMINISTRATORS, gettext_lazy("查看收款账户")
    ),
    "bank_account.view_all": _read(AUDITORS | ADMINISTRATORS, gettext_lazy("查看全部收款账户")),
    # The roles that may ever verify; which of them verifies which kind of holder is a setting.
    "bank_account.verify": _permit(
        DISTRICT_REVIEWERS | FINANCE_CHECKERS, gettext_lazy("核验收款账户"), check=_may_verify_bank_account
    ),
    # The audit trail and the portal's administration.
    "audit.view": _read(AUDITORS | ADMINISTRATORS, gettext_lazy("查看审计日志")),
    "portal.manage": _permit(ADMINISTRATORS, gettext_lazy("管理门户")),
    "user.role.set": _permit(
        ADMINISTRATORS, gettext_lazy("变更用户角色"), refusal=gettext_lazy("只有系统管理员可以变更用户角色。")
    ),
}


# --- Object scope --------------------------------------------------------------------------------------------------

ORGANISATION, DISTRICT, CITY = "organisation", "district", "city"
# Each role's reach: every role not named here sees the whole city.
ROLE_SCOPE = {Role.ENTERPRISE: ORGANISATION, Role.DISTRICT_REVIEWER: DISTRICT}


def scope_of(user) -> str:
    return ROLE_SCOPE.get(user.role, CITY)


def _staff_do_not_see_drafts(user, queryset: QuerySet) -> QuerySet:
    return queryset if scope_of(user) == ORGANISATION else queryset.exclude(state="draft")


def _draft_is_the_applicants(user, application) -> bool:
    return scope_of(user) == ORGANISATION or application.state != "draft"


@dataclass(frozen=True)
class Scoping:
    """How one kind of object is reached: the action that shows it at all, the paths to its organisation and district,
    what a district sees besides its own (a round notice is addressed to every district), and any narrowing."""

    view: str
    organisation: str
    district: str
    district_also: tuple[Q, Callable] | None = None  # the same set as a filter and as a test of one object
    narrow: Callable | None = None  # (user, queryset) -> queryset
    narrow_object: Callable | None = None  # (user, obj) -> bool, the same rule for one object


SCOPING: dict[str, Scoping] = {
    "applications.application": Scoping(
        "application.view",
        "organisation_id",
        "district_id",
        narrow=_staff_do_not_see_drafts,
        narrow_object=_draft_is_the_applicants,
    ),  # fmt: skip
    "accounts.organisation": Scoping("organisation.view", "pk", "district_id"),
    "subsidies.award": Scoping("award.view", "organisation_id", "application__district_id"),
    "subsidies.document": Scoping(
        "document.view",
        "award__organisation_id",
        "award__application__district_id",
        district_also=(Q(notice__isnull=False), lambda document: document.notice_id is not None),
    ),
    "subsidies.studio": Scoping("studio.view", "organisation_id", "organisation__district_id"),
}


def _value(obj, path: str):
    """Follow a queryset path (``award__application__district_id``) on one object; None where a link is missing."""
    for step in path.split("__"):
        if obj is None:
            return None
        obj = attrgetter(step)(obj)
    return obj


def in_scope(user, obj) -> bool:
    """Whether an object lies within the user's reach (their organisation's, their district's, or the city's)."""
    label = obj._meta.label_lower
    if label == "applications.attachment":
        return in_scope(user, obj.application)
    scoping = SCOPING.get(label)
    if scoping is None:
        return True  # city-wide objects (batches, notices, rounds): the role alone decides
    if scoping.narrow_object and not scoping.narrow_object(user, obj):
        return False
    scope = scope_of(user)
    if scope == ORGANISATION:
        return user.organisation_id is not None and _value(obj, scoping.organisation) == user.organisation_id
    if scope == DISTRICT:
        if user.district_id is None:
            return False
        if scoping.district_also is not None and scoping.district_also[1](obj):
            return True
        return _value(obj, scoping.district) == user.district_id
    return True


# --- The one function ----------------------------------------------------------------------------------------------


def refusal(user, action: str, obj=None) -> str:
    """Why this user may not take this action (on this object); "" when they may. An unknown action is a bug."""
    permit = ACTIONS[action]
    if user is None or not user.is_authenticated:
        return _("请先登录。")
    role = user.role
    if role not in permit.roles:
        if permit.refusal:
            return str(permit.refusal)
        allowed_roles = "、".join(str(r.label) for r in Role if r in permit.roles)
        return _("您的角色（%(role)s）不能%(what)s，仅限%(roles)s。") % {
            "role": role.label if role else _("无角色"),
            "what": permit.what,
            "roles": allowed_roles,
        }
    if permit.writes and user.is_read_only:
        return _("%(role)s为只读角色，不能%(what)s。") % {"role": role.label, "what": permit.what}
    if obj is not None:
        ok = permit.check(user, obj) if permit.check is not None else in_scope(user, obj)
        if not ok:
            return _scope_refusal(user, permit, obj)
    return ""


def _scope_refusal(user, permit: Permit, obj) -> str:
    kind = obj._meta.verbose_name
    scope = scope_of(user)
    if scope == ORGANISATION:
        return _("该%(kind)s不属于您的单位，不能%(what)s。") % {"what": permit.what, "kind": kind}
    if scope == DISTRICT:
        return _("该%(kind)s不属于您的区县，不能%(what)s。") % {"what": permit.what, "kind": kind}
    return _("您无权对该%(kind)s执行“%(what)s”。") % {"what": permit.what, "kind": kind}


def can(user, action: str, obj=None) -> bool:
    """Whether the user may take the action (on the object, within their scope)."""
    return not refusal(user, action, obj)


def require(user, action: str, obj=None) -> None:
    """Raise PermissionDenied, with a message saying why, unless the user may take the action."""
    reason = refusal(user, action, obj)
    if reason:
        raise PermissionDenied(reason)


def allowed(action: str):
    """Guard a view: logged-in users who may take this action pass, others get 403 with the reason."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapped.access_action = action
        return wrapped

    return decorator


def visible(user, source: type[Model] | QuerySet) -> QuerySet:
    """The objects of a kind (a model, or a queryset to narrow) this user may see, by the same rules as ``can``."""
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    label = queryset.model._meta.label_lower
    if label == "applications.attachment":
        Application = queryset.model._meta.get_field("application").related_model
        return queryset.filter(application__in=visible(user, Application).values("pk"))
    if label == "accounts.bankaccount":
        return _bank_accounts_visible(user, queryset)
    scoping = SCOPING[label]
    if user is None or not user.is_authenticated or not can(user, scoping.view):
        return queryset.none()
    scope = scope_of(user)
    if scope == ORGANISATION:
        if user.organisation_id is None:
            return queryset.none()
        queryset = queryset.filter(**{scoping.organisation: user.organisation_id})
    elif scope == DISTRICT:
        if user.district_id is None:
            return queryset.none()
        mine = Q(**{scoping.district: user.district_id})
        queryset = queryset.filter(mine | scoping.district_also[0] if scoping.district_also is not None else mine)
    if scoping.narrow:
        queryset = scoping.narrow(user, queryset)
    return queryset


def _bank_accounts_visible(user, queryset: QuerySet) -> QuerySet:
    """An enterprise its own organisation's accounts; a verifier what its role verifies (a district reviewer its
    district's organisations); the read-only city roles everything."""
    if user is None or not user.is_authenticated or not can(user, "bank_account.view"):
        return queryset.none()
    if scope_of(user) == ORGANISATION:
        if user.organisation_id is None:
            return queryset.none()
        return queryset.filter(holder_kind="organisation", organisation_id=user.organisation_id)
    if can(user, "bank_account.view_all"):
        return queryset
    if not can(user, "bank_account.verify"):
        return queryset.none()
    kinds = [kind for kind in settings.BANK_VERIFIER_ROLES if verifier_role_for(kind) == user.role]
    visible_kinds = Q(holder_kind__in=kinds)
    if scope_of(user) == DISTRICT:
        visible_kinds &= Q(holder_kind="person") | Q(organisation__district_id=user.district_id)
    return queryset.filter(visible_kinds)


# --- For templates -------------------------------------------------------------------------------------------------


def actions_for(user) -> dict:
    """What the user's role may do, as nested dicts for templates: ``{% if can.finance.batch.make %}``.

    Role only, no object: a page that shows one object asks ``can`` itself."""
    tree: dict = {}
    for action in ACTIONS:
        node = tree
        *path, last = action.split(".")
        for step in path:
            node = node.setdefault(step, {})
        node[last] = can(user, action)
    return tree
