"""One table of the names people read for every state and audit event, in Chinese and (through gettext) English.

Codes (``application.submit``, ``awaiting_check``) stay in the database, the audit trail and the files machines
read; timelines, badges, the audit list and its export show the names below. States take their names from the
``state`` field's choices of the model an event is about, so a state has one name everywhere (the enterprise's
gentler wording of application states is ``applications.workflow.PUBLIC_NAMES``). An event or state this table
does not know is shown as its code: visible, and caught by ``tests/test_public_names.py``.

Models are looked up through the app registry when a name is asked for, so this module imports no app and every
app may use it.
"""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

# Events that are not a move in the application workflow. ``application.<action>`` is named after the workflow's
# action (applications.workflow.Action), so a new row in that table needs no entry here.
EVENT_NAMES = {
    "application.create": _("创建申报草稿"),
    "application.save": _("修改申报草稿"),
    "application.comment": _("发表内部意见"),
    "application.roster": _("录入学徒名册"),
    "attachment.upload": _("上传申报材料"),
    "attachment.download": _("下载申报材料"),
    "award.create": _("生成资助及分期款项"),
    "award.payee_confirm": _("确认个人资助改为拨付本人"),
    "application.approve_refused": _("审批未通过资金指标检查"),
    "bank_account.propose": _("提交收款账户变更"),
    "bank_account.verify": _("核验收款账户"),
    "bank_account.reject": _("退回收款账户变更"),
    "bank_account.proof_view": _("查看收款账户证明"),
    "bank_account.view_full": _("查看完整收款账号"),
    "batch.export_refused": _("银行文件导出被拒（GBK 无法编码）"),
    "budget.appropriation_set": _("设定资金指标"),
    "budget.appropriation_revise": _("调整资金指标"),
    "budget.appropriation_refused": _("资金指标调整被拒"),
    "user.role_change": _("变更用户角色"),
    "withholding.set": _("调整个税代扣设置"),
    "withholding.export": _("导出个税代扣明细"),
    "studio.level_change": _("调整工作室级别"),
    "notice.open": _("发布公示"),
    "notice.close": _("结束公示"),
    "notice.close_early": _("演示模式：提前结束公示"),
    "batch.create": _("编制付款批次"),
    "batch.approve": _("复核通过付款批次"),
    "batch.return": _("退回付款批次"),
    "batch.export": _("导出银行文件"),
    "batch.results_import": _("导入银行回盘"),
    "payment.reverse": _("冲正付款"),
    "document.request": _("申请生成文书"),
    "document.generate": _("生成文书"),
    "document.fail": _("文书生成失败"),
    "document.revoke": _("作废文书"),
    "document.download": _("下载文书"),
    "documents.regenerate": _("批量重新生成文书"),
    "organisation.register": _("注册申报单位"),
    "official_list.import": _("导入官方名单（免申即享）"),
    "official_list.reimport": _("重复导入官方名单（无新增）"),
    "official_list.match": _("官方名单匹配到单位"),
    "official_list.rematch": _("官方名单重新匹配未匹配行"),
    "organisation.create": _("后台新增申报单位"),
    "official_list.download": _("下载官方名单文件"),
    "official_list.letter_download": _("下载邀请注册函（PDF）"),
    "organisation.verify": _("认定申报单位"),
    "organisation.bank_change": _("变更收款账户"),
    "studio.review": _("登记工作室年度考核"),
    "studio.exit": _("工作室退出"),
    "dashboard.export": _("导出政策看板"),
    "reconciliation.export": _("导出对账表"),
    "audit.export": _("导出审计日志"),
    "login.succeeded": _("登录"),
    "login.failed": _("登录失败"),
    "login.locked_out": _("账号被锁定"),
    "logout": _("退出登录"),
    "password.changed": _("修改密码"),
    "2fa.enabled": _("启用两步验证"),
    "2fa.verified": _("通过两步验证"),
    "2fa.failed": _("两步验证失败"),
    "user.create": _("创建用户"),
}

# States of objects whose model has no ``state`` field.
EXTRA_STATE_NAMES = {
    "accounts.organisation": {"unverified": _("待认定"), "verified": _("已认定")},
}

SYSTEM = _("系统")


def event_name(action: str) -> str:
    """The name of an audit event's action, e.g. ``application.submit`` → 提交."""
    if action in EVENT_NAMES:
        return str(EVENT_NAMES[action])
    if action.startswith("application."):
        from applications.workflow import Action  # here, not at the top: accounts must not import applications

        try:
            return str(Action(action.removeprefix("application.")).label)
        except ValueError:
            pass
    return action


def state_name(target_type: str, code: str) -> str:
    """The name of a state of an object of ``target_type`` (``app_label.model``), e.g. ``paid`` → 已支付."""
    if not code:
        return ""
    extra = EXTRA_STATE_NAMES.get(target_type, {})
    if code in extra:
        return str(extra[code])
    try:
        field = apps.get_model(target_type)._meta.get_field("state")
    except (LookupError, ValueError, FieldDoesNotExist):
        return code
    return str(dict(field.flatchoices).get(code, code))


def state_change(target_type: str, from_state: str, to_state: str) -> str:
    """``草稿 → 待区县初审``; one side alone when the other is empty; "" when both are."""
    names = [state_name(target_type, from_state), state_name(target_type, to_state)]
    return " → ".join(name for name in names if name)


def target_name(target_type: str) -> str:
    """What kind of object an event is about, e.g. ``subsidies.paymentbatch`` → 付款批次."""
    if not target_type:
        return ""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def person_name(user) -> str:
    """A user as people know them: the full name, the login name only if no name was given."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def actor_name(event) -> str:
    """Who did an event: the user's name; the portal itself ("系统"); or the login name typed at a failed login."""
    if event.actor_id is not None:
        return person_name(event.actor)
    if not event.actor_name or event.actor_name == "system":
        return str(SYSTEM)
    return event.actor_name
