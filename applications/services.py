"""Writes of the intake and review workflow. Every function is one transaction that locks what it changes."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import can, require, visible
from huzhou_craftsman.accounts.bank_selectors import payee_account_for
from huzhou_craftsman.accounts.bank_services import bank_account_propose
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record
from huzhou_craftsman.accounts.uploads import check_upload
from subsidies import rules

from . import schemes, selectors
from .claims import claim_clashes, claim_keys_register
from .models import (
    Application,
    ApplicationVersion,
    Apprentice,
    Attachment,
    CorrectionRequest,
    MaterialRequirement,
    Person,
    Round,
)
from .transitions import application_transition
from .workflow import Action, State

# --- People -----------------------------------------------------------------------------------------------------


def person_get_or_create(*, name: str, resident_id: str, mobile: str = "") -> Person:
    """Return the one Person of this ID number, creating it with this name.

    A number already registered under another name is not refused: the answer must be the same whether the number
    is registered or not, or an enterprise could learn who is registered. The caller keeps the entered name on its
    own row and reviewers see the difference. The registered record changes only when the name matches.
    """
    resident_id = resident_id.upper()
    person, created = Person.objects.get_or_create(resident_id=resident_id, defaults={"name": name, "mobile": mobile})
    if not created and person.name == name and mobile and person.mobile != mobile:
        person.mobile = mobile
        person.save(update_fields=["mobile"])
    return person


# --- Estimates --------------------------------------------------------------------------------------------------


def already_received(*, scheme: str, person_id: int | None, exclude_application_id: int | None = None) -> Decimal:
    """What a person holds in active awards under a scheme whose awards count against each other (就高不重复).

    The one source for the estimate and the award alike: the awards themselves (read through the application's
    reverse relation, so intake does not import the money side).
    """
    if person_id is None or not schemes.get(scheme).counts_already_received():
        return Decimal("0")
    awards = Application.objects.filter(person_id=person_id, scheme=scheme, award__state="active")
    if exclude_application_id is not None:
        awards = awards.exclude(pk=exclude_application_id)
    return awards.aggregate(total=Sum("award__total"))["total"] or Decimal("0")


def _received(application: Application) -> Decimal:
    if application.person_id is None or not schemes.get(application.scheme).counts_already_received():
        return Decimal("0")
    if hasattr(application, "received_total"):  # read with the application (``selectors.received_annotation``)
        return application.received_total or Decimal("0")
    return already_received(
        scheme=application.scheme, person_id=application.person_id, exclude_application_id=application.pk
    )


def application_estimate(application: Application, *, received: Decimal | None = None) -> tuple[Decimal, str]:
    """Ask the rules engine what the application is worth now; return (total, basis).

    ``received``: what ``_received`` answers, when the caller has asked already (the submission asks once).
    """
    if received is None:
        received = _received(application)
    decision = schemes.decide(application, already_received=received)
    basis = decision.basis
    if received:
        basis += _("（已计入此前获得的同类资助 %(received)s 元，按就高不重复原则）") % {"received": f"{received:,.2f}"}
    return decision.total, basis


def _refresh_estimate(application: Application, *, received: Decimal | None = None) -> None:
    try:
        application.estimate_total, application.estimate_basis = application_estimate(application, received=received)
    except rules.RuleError as error:
        application.estimate_total, application.estimate_basis = None, str(error)


# --- Drafts -----------------------------------------------------------------------------------------------------


def _next_number(application: Application) -> str:
    return f"HZGJ{application.round.year}{application.pk:06d}"


@transaction.atomic
def application_save_draft(
    *,
    by: User,
    round: Round,
    cleaned: dict,
    application: Application | None = None,
    request=None,
) -> Application:
    """Create or update a draft (or a returned application) from a scheme form's cleaned data."""
    if not can(by, "application.apply") or by.organisation_id is None:
        raise PermissionDenied(_("只有申报单位用户可以填写申报。"))
    creating = application is None
    if creating:
        application = Application(
            round=round,
            organisation=by.organisation,
            district_id=by.organisation.district_id,
            scheme=round.scheme,
            created_by=by,
            number="",
        )
    else:
        application = Application.objects.select_for_update().get(pk=application.pk)
        require(by, "application.act", application)
        if not application.is_editable:
            raise ValidationError(
                _("申报已提交，当前状态为“%(state)s”，不能修改。") % {"state": application.public_state}
            )
    new_details = schemes.details_from(application.scheme, cleaned)
    if application.state == State.RETURNED:
        new_details = _only_open_fields(application, new_details, cleaned)
    if application.definition.has_person:
        if cleaned.get("person_resident_id") and cleaned.get("person_name"):
            application.entered_name = cleaned["person_name"].strip()
            application.entered_mobile = cleaned.get("person_mobile") or ""
            application.person = person_get_or_create(
                name=application.entered_name,
                resident_id=cleaned["person_resident_id"],
                mobile=cleaned.get("person_mobile") or "",
            )
        elif cleaned.get("person_resident_id") or cleaned.get("person_name"):
            raise ValidationError({"person_name": _("请同时填写姓名和身份证号。")})
    application.details = new_details
    application.level = schemes.effective_level(application)
    _refresh_estimate(application)
    application.save()
    if creating:
        application.number = _next_number(application)
        application.save(update_fields=["number"])
    audit_record(
        action="application.create" if creating else "application.save",
        actor=by,
        target=application,
        request=request,
        to_state=application.state,
    )
    return application


def _only_open_fields(application: Application, new_details: dict, cleaned: dict) -> dict:
    """Keep the reviewer-locked fields of a returned application as they were; refuse edits to them."""
    correction = application.corrections.filter(resolved_at__isnull=True).first()
    open_fields = correction.open_fields if correction else set()
    changed = {k for k, v in new_details.items() if application.details.get(k) != v and k not in open_fields}
    person_changed = application.person and cleaned.get("person_resident_id", application.person.resident_id) != (
        application.person.resident_id
    )
    if changed or (person_changed and "person" not in open_fields):
        raise ValidationError(_("退回补正时只能修改退回意见中列出的内容。"))
    return {**application.details, **{k: v for k, v in new_details.items() if k in open_fields}}


# --- Materials --------------------------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(
    *, application: Application, requirement: MaterialRequirement, upload, by: User, request=None
) -> Attachment:
    """Store an uploaded file for one checklist item after checking its size and real type; replace the old one."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    require(by, "application.act", application)
    if not can(by, "application.apply"):
        raise PermissionDenied(_("只有申报单位用户可以上传申报材料。"))
    if requirement.round_id != application.round_id:
        raise ValidationError(_("该材料不属于本批次的材料清单。"))
    if not application.is_editable:
        raise ValidationError(_("申报已提交，不能再上传材料。"))
    if application.state == State.RETURNED:
        correction = application.corrections.filter(resolved_at__isnull=True).first()
        if correction is None or requirement.pk not in correction.open_materials:
            raise ValidationError(_("退回补正时只能更换退回意见中列出的材料。"))
    checked = check_upload(
        upload, allowed=tuple(requirement.allowed_kinds), allowed_label=requirement.allowed_kinds_label
    )
    now = timezone.now()
    application.attachments.filter(requirement=requirement, replaced_at__isnull=True).update(replaced_at=now)
    attachment = Attachment(
        application=application,
        requirement=requirement,
        original_name=checked.name,
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
        uploaded_at=now,
    )
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    audit_record(
        action="attachment.upload",
        actor=by,
        target=application,
        request=request,
        data={"requirement": requirement.name, "sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


# --- The payee of a person's award (RULES.md "Who is paid") ------------------------------------------------------


def pays_person(application: Application) -> bool:
    return application.definition.payee(application) == schemes.Payee.PERSON


@transaction.atomic
def payee_account_propose(*, application: Application, details: dict, proof, by: User, request=None):
    """Propose the nominee's own bank account (对私, in the person's own name) for the application's award.

    The account is the person's, not the enterprise's: a second person (finance checker by default) verifies it
    against the bank card before any money moves to it.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    require(by, "application.act", application)
    require(by, "application.apply")
    if not pays_person(application) or application.person_id is None:
        raise ValidationError(_("这份申报的资助拨付给单位，无需填写个人账户。"))
    if not application.is_editable:
        raise ValidationError(_("申报已提交，领奖人账户的变更请联系市人力社保局。"))
    return bank_account_propose(
        person_resident_id=application.person.resident_id,
        # The name as the enterprise entered it: the registered name of a number is never revealed to it (a
        # mismatch is shown to the reviewers, and the finance checker verifies the account against the bank card).
        person_name=application.person_display_name,
        details=details,
        proof=proof,
        by=by,
        reason=_("随申报 %(number)s 填写") % {"number": application.number},
        request=request,
    )


# --- Submission and the workflow -------------------------------------------------------------------------------


def submission_problems(
    application: Application, *, at=None, received: Decimal | None = None, clashes: bool = True, payee=None
) -> list[str]:
    """Return every reason the application cannot be submitted yet (empty: it can).

    ``received``: what ``_received`` answers, if the caller has it. ``clashes=False`` leaves out the claim clashes,
    for the submission, whose ``claim_keys_register`` refuses them with the same messages. ``payee``: what
    ``payee_account_for`` answers for the person, if the caller has read it (the application page shows it too).
    """
    problems = []
    rnd = application.round
    if not application.organisation.is_verified:
        problems.append(_("本单位尚未通过区县人力社保部门认定，认定后方可提交。"))
    if not rnd.is_open(at) and application.state == State.DRAFT:
        problems.append(
            _("本批次申报已于 %(t)s 截止，不能再提交（草稿会保留）。")
            % {"t": timezone.localtime(rnd.closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    problems += [_("请填写：%(field)s") % {"field": name} for name in schemes.missing_fields(application)]
    current = {a.requirement_id for a in application.attachments.all() if a.replaced_at is None}
    for requirement in rnd.materials.all():
        if requirement.required and requirement.pk not in current:
            problems.append(_("请上传材料：%(name)s") % {"name": requirement.name})
    problems += schemes.eligibility_problems(application)
    if application.person_id and pays_person(application):
        if payee is None:
            payee = payee_account_for(person_resident_id=application.person.resident_id)
        if payee.verified is None and payee.pending is None:
            problems.append(_("请填写领奖人本人的银行账户（须为本人姓名的个人账户或社会保障卡金融账户）。"))
    if not problems:
        if received is None:
            received = _received(application)
        try:
            for claim in schemes.claims(application, already_received=received):
                rules.evaluate(claim)
        except rules.RuleError as error:
            problems.append(str(error))
    if not problems and clashes:
        # What is already claimed by a live application elsewhere: a warning on the draft, a refusal at submission.
        problems += claim_clashes(application)
    return problems


def _snapshot(application: Application) -> dict:
    person = application.person
    return {
        "number": application.number,
        "scheme": application.scheme,
        "level": application.level,
        "details": application.details,
        "person": {"name": person.name, "entered_name": application.entered_name, "resident_id": person.resident_id}
        if person
        else None,
        "estimate_total": str(application.estimate_total) if application.estimate_total is not None else None,
        "estimate_basis": application.estimate_basis,
        # ``.all()`` and the filter here, so that the submission's prefetched rows serve (no query of its own).
        "attachments": [
            {"id": a.pk, "requirement": a.requirement.name, "name": a.original_name, "sha256": a.sha256}
            for a in application.attachments.all()
            if a.replaced_at is None
        ],
        "apprentices": [
            {
                "row": a.row_number,
                "name": a.person.name,
                "entered_name": a.entered_name,
                "resident_id": a.person.resident_id,
                "occupation": a.occupation,
                "contract_months": a.contract_months,
                "filed_months": a.filed_months,
                "start_month": f"{a.start_month:%Y-%m}",
                "end_month": f"{a.end_month:%Y-%m}",
                "trained_months": a.trained_months,
                "amount": str(a.amount),
            }
            for a in application.apprentices.all()
        ],
    }


@transaction.atomic
def application_submit(*, application: Application | int, by: User, request=None) -> Application:
    """Submit a draft, or resubmit a returned application: all problems are reported at once.

    ``application``: the application, or (from the page) the number in its URL: then the locked read is also the
    scope check, and an application outside the user's scope raises ``Application.DoesNotExist`` (a 404, as every
    page answers), before anything is written.
    """
    # The deadline rush (issue 18, docs/performance/submit-profile.md). First the lock and the state, on the row
    # alone: the double click's second POST is refused here, after one cheap read. ``of=("self",)`` locks the
    # application's row only (not its round, organisation or person).
    scoped = Application.objects.all() if isinstance(application, Application) else visible(by, Application)
    pk = application.pk if isinstance(application, Application) else application
    head = scoped.select_for_update(of=("self",)).only("state", "organisation_id", "district_id").get(pk=pk)
    require(by, "application.act", head)
    if head.state not in (State.DRAFT, State.RETURNED):
        # A second click or a second tab: the first submission already went through.
        raise ValidationError(_("这份申报已经提交，无需重复提交。"), code="already_submitted")
    # Then, under the lock, everything the checks, the estimate and the snapshot read: the row with its joins and
    # the sum of the person's awards (就高不重复) as a column of the same read, and the prefetches.
    application = (
        Application.objects.select_related("round", "organisation", "person")
        .annotate(received_total=selectors.received_annotation())
        .get(pk=pk)
    )
    selectors.application_prefetch(application, history=False)
    received = _received(application)  # once, for the estimate and the rules check alike
    _refresh_estimate(application, received=received)
    # Clashes are left to claim_keys_register, which refuses them with the same messages under the unique index.
    problems = submission_problems(application, received=received, clashes=False)
    if problems:
        raise ValidationError(problems)
    action = Action.SUBMIT if application.state == State.DRAFT else Action.RESUBMIT
    claim_keys_register(application)
    application.submitted_at = timezone.now()
    application.version += 1
    # One UPDATE: the transition saves the submission's own fields with the new state.
    application_transition(
        application, action, by, request=request, update_fields=("submitted_at", "version", "estimate_total",
                                                                 "estimate_basis")
    )  # fmt: skip
    ApplicationVersion.objects.create(
        application=application, number=application.version, snapshot=_snapshot(application), submitted_by=by
    )
    if action == Action.RESUBMIT:  # only a returned application has a correction request to close (never a draft)
        application.corrections.filter(resolved_at__isnull=True).update(resolved_at=application.submitted_at)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "", request=None) -> Application:
    """Withdraw a submitted application before the district review has acted on it."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    return application_transition(application, Action.WITHDRAW, by, reason=reason, request=request)


@transaction.atomic
def application_return(
    *, application: Application, by: User, items: list[dict], deadline, request=None
) -> CorrectionRequest:
    """Return an application for correction with an itemised list and a deadline."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not items:
        raise ValidationError(_("请至少列出一项需要补正的内容。"))
    if deadline <= timezone.localdate():
        raise ValidationError(_("补正期限必须晚于今天。"))
    action = Action.DISTRICT_RETURN if application.state == State.SUBMITTED else Action.CITY_RETURN
    reason = "；".join(item["note"] for item in items)
    application_transition(application, action, by, reason=reason, request=request)
    return CorrectionRequest.objects.create(application=application, items=items, deadline=deadline, requested_by=by)


@transaction.atomic
def roster_replace(*, application: Application, rows: list, by: User, request=None) -> Application:
    """Replace an apprenticeship application's roster with checked rows: all rows are saved, or none."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    require(by, "application.apply", application)
    scheme = application.definition
    if scheme.roster != "apprentices":
        raise ValidationError(_("只有学徒培训补贴申报有学徒名册。"))
    if not application.is_editable:
        raise ValidationError(_("申报已提交，不能再修改名册。"))
    if application.state == State.RETURNED:
        correction = application.corrections.filter(resolved_at__isnull=True).first()
        if correction is None or "roster" not in correction.open_fields:
            raise ValidationError(_("退回补正时只能修改退回意见中列出的内容。"))
    errors, apprentices = [], []
    for row in rows:
        person = person_get_or_create(name=row.name, resident_id=row.resident_id)
        try:
            decision = rules.evaluate(
                scheme.claim_for(
                    application,
                    trained_months=row.trained_months,
                    filed_months=row.filed_months,
                    contract_months=row.contract_months,
                )
            )
        except rules.RuleError as error:
            errors.append(_("第 %(row)s 行：%(msg)s") % {"row": row.row_number, "msg": error})
            continue
        apprentices.append(
            Apprentice(
                application=application,
                row_number=row.row_number,
                person=person,
                entered_name=row.name,
                occupation=row.occupation,
                contract_months=row.contract_months,
                filed_months=row.filed_months,
                start_month=row.start_month,
                end_month=row.end_month,
                trained_months=row.trained_months,
                amount=decision.total,
            )
        )
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
    application.apprentices.all().delete()
    Apprentice.objects.bulk_create(apprentices)
    _refresh_estimate(application)
    application.save(update_fields=["estimate_total", "estimate_basis", "updated_at"])
    audit_record(action="application.roster", actor=by, target=application, request=request, data={"rows": len(rows)})
    return application
