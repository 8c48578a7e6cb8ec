"""Writes and reads of the bureau's review: decisions, bulk decisions, staff comments, quotas, version changes."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from .models import Application, ApplicationVersion, StaffComment
from .services import application_return
from .transitions import application_transition
from .workflow import Action, State

# Decisions taken with the decision form (returns have their own form: an itemised list and a deadline).
DECISIONS = frozenset(
    {
        Action.DISTRICT_PASS,
        Action.DISTRICT_REJECT,
        Action.CITY_PASS,
        Action.CITY_REJECT,
        Action.APPROVE,
        Action.APPROVAL_REJECT,
        Action.LIST_CHECK_PASS,
        Action.LIST_CHECK_REJECT,
        Action.LIST_CHECK_RETURN,
    }
)
# States whose applications count against a §3 quota: approved by the city, whether or not the notice is over.
QUOTA_STATES = (State.AWAITING_NOTICE, State.PUBLIC_NOTICE, State.APPROVED)


class ApprovalRefused(ValidationError):
    """A check of the final approval said no (e.g. the year's appropriation); ``data`` goes into the audit event."""

    def __init__(self, messages: list[str], *, data: dict):
        super().__init__(messages)
        self.data = data


# Checks run inside the final approval's transaction, after the move is made: each takes (application=, by=)
# and raises ApprovalRefused. The money side registers its budget check here at startup
# (subsidies.apps), since ``applications`` never imports ``subsidies`` beyond its pure rules.
FINAL_APPROVAL_CHECKS: list = []


def application_decide(*, application: Application, action: str, by: User, reason: str = "", request=None):
    """Take one review decision (pass, reject, approve) on an application, under a row lock."""
    try:
        return _decide(application=application, action=action, by=by, reason=reason, request=request)
    except ApprovalRefused as refusal:
        # Written after the decision's transaction rolled back, so the refusal itself stays on record.
        audit_record(
            action="application.approve_refused", actor=by, target=application, request=request,
            reason="；".join(refusal.messages), data=refusal.data,
        )  # fmt: skip
        raise


@transaction.atomic
def _decide(*, application: Application, action: str, by: User, reason: str, request):
    if action not in DECISIONS:
        raise ValidationError(_("未知的审核操作。"))
    application = Application.objects.select_for_update().get(pk=application.pk)
    application = application_transition(application, Action(action), by, reason=reason, request=request)
    if action == Action.APPROVE:  # after the table and role checks; a refusal rolls the whole decision back
        for check in FINAL_APPROVAL_CHECKS:
            check(application=application, by=by)
    return application


@dataclass(frozen=True)
class BulkOutcome:
    done: list[str]
    failed: list[str]


def applications_bulk_decide(
    *, ids: list[int], action: str, by: User, reason: str = "", items=None, deadline=None, request=None
) -> BulkOutcome:
    """Pass or return several applications at once; each is its own transaction and its own audit event."""
    if action not in (Action.DISTRICT_PASS, Action.DISTRICT_RETURN):
        raise ValidationError(_("批量操作只支持区县初审通过或退回补正。"))
    done, failed = [], []
    for application in Application.objects.filter(pk__in=ids).order_by("pk"):
        try:
            if action == Action.DISTRICT_RETURN:
                application_return(
                    application=application, by=by, items=items or [], deadline=deadline, request=request
                )
            else:
                application_decide(application=application, action=action, by=by, reason=reason, request=request)
        except (ValidationError, PermissionDenied) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            failed.append(f"{application.number}：{message}")
        else:
            done.append(application.number)
    return BulkOutcome(done, failed)


@transaction.atomic
def comment_add(*, application: Application, by: User, body: str, request=None) -> StaffComment:
    """Add a staff-only comment to an application's thread."""
    require(by, "review.comment", application)
    body = body.strip()
    if not body:
        raise ValidationError(_("意见内容不能为空。"))
    comment = StaffComment.objects.create(application=application, author=by, body=body)
    audit_record(action="application.comment", actor=by, target=application, request=request)
    return comment


@dataclass(frozen=True)
class QuotaUsage:
    level_label: str
    used: int
    quota: int

    @property
    def exceeded_by_approving(self) -> bool:
        return self.used + 1 > self.quota


def quota_usage(application: Application) -> QuotaUsage | None:
    """For a §3 title: how many were approved at this level so far against the policy's quota (soft limit)."""
    quota = application.definition.quota(application)
    if quota is None:
        return None
    used = (
        Application.objects.filter(scheme=application.scheme, level=application.level, state__in=QUOTA_STATES)
        .exclude(pk=application.pk)
        .count()
    )
    return QuotaUsage(application.level_label, used, quota)


def version_changes(application: Application) -> list[tuple[str, str, str]]:
    """What changed between the last two submitted versions: (what, before, after)."""
    versions = list(ApplicationVersion.objects.filter(application=application).order_by("-number")[:2])
    if len(versions) < 2:
        return []
    new, old = versions[0].snapshot, versions[1].snapshot
    labels = {name: str(f.label) for name, f in application.definition.form_class.base_fields.items()}
    changes = []
    for key in sorted(set(old["details"]) | set(new["details"])):
        before, after = old["details"].get(key), new["details"].get(key)
        if before != after:
            changes.append((labels.get(key, key), str(before or "—"), str(after or "—")))
    old_files = {a["requirement"]: a["name"] for a in old["attachments"]}
    for attachment in new["attachments"]:
        before = old_files.get(attachment["requirement"])
        if (
            before is None
            or before != attachment["name"]
            or attachment["id"] not in {a["id"] for a in old["attachments"]}
        ):
            changes.append((_("材料：") + attachment["requirement"], before or "—", attachment["name"]))
    if old.get("estimate_total") != new.get("estimate_total"):
        changes.append((_("测算金额"), old.get("estimate_total") or "—", new.get("estimate_total") or "—"))
    return changes
