"""Writes of payee bank accounts: a change is proposed with a proof, and a second person verifies or rejects it.

Money never goes to an account that nobody but its proposer has looked at: payments of a payee with a pending
change are held (see ``bank_selectors.payee_account_for``) until the change is verified or rejected.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import identifiers
from .access import can, verifier_role_for
from .bank_models import BankAccount
from .bank_selectors import holder_filter
from .models import Organisation, User
from .services import audit_record
from .uploads import check_upload

Kind = BankAccount.HolderKind
State = BankAccount.State
DETAIL_FIELDS = ("account_type", "account_name", "account_number", "bank_name", "cnaps_code")
INITIAL_REASON = "注册时填写"


def _names_match(a: str, b: str) -> bool:
    # Full-width and ASCII spaces typed around or inside a Chinese name do not make it another name.
    return "".join((a or "").split()) == "".join((b or "").split())


def _masked(account: BankAccount) -> dict:
    return {
        "holder": account.holder_kind,
        "account_type": account.account_type,
        "account_name": account.account_name,
        "account_number": account.masked_account_number,
        "bank_name": account.bank_name,
        "cnaps_code": account.cnaps_code,
    }


def _may_propose(by: User, *, holder_kind: str, organisation: Organisation | None) -> bool:
    if holder_kind == Kind.ORGANISATION:
        return can(by, "bank_account.propose", organisation)
    # A person's account comes with an application (the applications layer checks that the enterprise user acts
    # for that application) or from staff who manage the portal.
    return can(by, "bank_account.propose")


def _lock_holder(*, organisation: Organisation | None, person_resident_id: str) -> None:
    """Serialise changes of one holder: the organisation row, or the person's existing account rows."""
    if organisation is not None:
        Organisation.objects.select_for_update().get(pk=organisation.pk)
    else:
        list(BankAccount.objects.select_for_update().filter(holder_filter(person_resident_id=person_resident_id)))


def _validate_details(account: BankAccount) -> None:
    if account.holder_kind == Kind.ORGANISATION and account.account_type != BankAccount.AccountType.CORPORATE:
        raise ValidationError({"account_type": _("单位收款账户必须是对公结算账户。")})
    if account.holder_kind == Kind.PERSON:
        if account.account_type not in BankAccount.PERSONAL_TYPES:
            raise ValidationError(
                {"account_type": _("个人收款账户必须是个人银行结算账户或社会保障卡金融账户（对私）。")}
            )
        if not _names_match(account.account_name, account.person_name):
            raise ValidationError(
                {
                    "account_name": _(
                        "个人收款账户必须在本人名下：开户名称“%(account)s”与本人姓名“%(name)s”不一致。"
                        "请填写本人的银行账户或社会保障卡金融账户。"
                    )
                    % {"account": account.account_name, "name": account.person_name}
                }
            )
    # One pending account per holder is the database's to enforce (the service replaces the previous pending one
    # inside this transaction), so the model's constraint validation is not asked about it here.
    account.full_clean(exclude=["proof", "submitted_by", "verified_by", "organisation"], validate_constraints=False)


@transaction.atomic
def bank_account_propose(
    *,
    organisation: Organisation | None = None,
    person_resident_id: str = "",
    person_name: str = "",
    details: dict,
    proof,
    by: User,
    reason: str = "",
    request=None,
    initial: bool = False,
) -> BankAccount:
    """Propose a payee account (a new one or a change) with its proof; it is paid only once a second person verifies.

    ``details`` holds account_type, account_name, account_number, bank_name and cnaps_code. A pending proposal of
    the same holder is replaced by this one. ``initial`` (registration only) allows a first account without proof;
    it is verified with the organisation itself (``organisation_verify``).
    """
    holder_kind = Kind.ORGANISATION if organisation is not None else Kind.PERSON
    if not _may_propose(by, holder_kind=holder_kind, organisation=organisation):
        raise PermissionDenied(_("您无权变更该收款账户。"))
    person_resident_id = identifiers.normalise_resident_id(person_resident_id) if not organisation else ""
    _lock_holder(organisation=organisation, person_resident_id=person_resident_id)
    account = BankAccount(
        holder_kind=holder_kind,
        organisation=organisation,
        person_resident_id=person_resident_id,
        person_name=person_name.strip() if holder_kind == Kind.PERSON else "",
        **{field: details.get(field, "") for field in DETAIL_FIELDS},
        reason=(reason or "").strip()[:300],
        submitted_by=by,
        submitted_at=timezone.now(),
    )
    if account.account_number:
        account.account_number = identifiers.normalise_bank_account(account.account_number)
    _validate_details(account)
    if proof is None and not initial:
        raise ValidationError(
            {"proof": _("请上传开户证明（对公账户）或银行卡、社会保障卡正面影像（PDF、JPG 或 PNG）。")}
        )
    if proof is not None:
        checked = check_upload(proof)
        account.proof_kind, account.proof_sha256, account.proof_name = checked.kind, checked.sha256, checked.name
        account.proof.save("proof", proof, save=False)
    holder = holder_filter(organisation=organisation, person_resident_id=person_resident_id)
    replaced = list(BankAccount.objects.filter(holder, state=State.PENDING).values_list("pk", flat=True))
    now = timezone.now()
    BankAccount.objects.filter(pk__in=replaced).update(state=State.SUPERSEDED, superseded_at=now)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ValidationError(_("该收款账户刚刚有另一项变更，请刷新后重试。")) from None
    audit_record(
        action="bank_account.propose",
        actor=by,
        target=account,
        request=request,
        to_state=account.state,
        reason=account.reason,
        data={**_masked(account), "replaces_pending": replaced, "proof_sha256": account.proof_sha256,
              "organisation": account.organisation_id, "initial": initial},
    )  # fmt: skip
    return account


def _locked_pending(account: BankAccount) -> BankAccount:
    account = BankAccount.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=account.pk)
    if account.state != State.PENDING:
        raise ValidationError(_("该收款账户当前状态为“%(s)s”，不是待核验。") % {"s": account.get_state_display()})
    return account


def _check_verifier(account: BankAccount, by: User) -> None:
    if account.submitted_by_id is not None and account.submitted_by_id == by.pk:
        raise PermissionDenied(_("提交收款账户变更的人不能核验自己的变更，须由另一人核验。"))
    if not can(by, "bank_account.verify", account):
        raise PermissionDenied(
            _("收款账户由%(role)s核验（区县初审人员只核验本区县单位的账户）。")
            % {"role": verifier_role_for(account.holder_kind).label}
        )


@transaction.atomic
def bank_account_verify(*, account: BankAccount, by: User, note: str = "", request=None) -> BankAccount:
    """A second person confirms a pending account against its proof; it replaces the account in force."""
    account = _locked_pending(account)
    _check_verifier(account, by)
    if not account.proof:
        raise ValidationError(_("该账户没有上传开户证明或银行卡影像，不能核验；请退回并说明需补充的材料。"))
    return _make_current(account, by=by, note=note, request=request)


def _make_current(account: BankAccount, *, by: User | None, note: str, request=None) -> BankAccount:
    now = timezone.now()
    holder = holder_filter(organisation=account.organisation_id, person_resident_id=account.person_resident_id)
    previous = BankAccount.objects.filter(holder, state=State.VERIFIED).select_for_update().first()
    if previous is not None:
        previous.state, previous.superseded_at = State.SUPERSEDED, now
        previous.save(update_fields=["state", "superseded_at"])
    account.state, account.verified_by, account.verified_at, account.decision_note = State.VERIFIED, by, now, note
    account.save(update_fields=["state", "verified_by", "verified_at", "decision_note"])
    if account.holder_kind == Kind.ORGANISATION:
        # The organisation's own bank columns mirror the account in force (for pages and code that still read them).
        Organisation.objects.filter(pk=account.organisation_id).update(
            bank_account_name=account.account_name,
            bank_account_number=account.account_number,
            bank_name=account.bank_name,
            bank_cnaps_code=account.cnaps_code,
            bank_details_changed_at=now,
        )
    audit_record(
        action="bank_account.verify",
        actor=by,
        target=account,
        request=request,
        from_state=State.PENDING,
        to_state=State.VERIFIED,
        reason=note,
        data={**_masked(account), "supersedes": previous.pk if previous else None,
              "organisation": account.organisation_id},
    )  # fmt: skip
    return account


@transaction.atomic
def bank_account_reject(*, account: BankAccount, by: User, reason: str, request=None) -> BankAccount:
    """A second person refuses a pending account with a reason; the account in force stays in force."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("退回收款账户变更必须填写原因。"))
    account = _locked_pending(account)
    _check_verifier(account, by)
    account.state, account.verified_by, account.verified_at, account.decision_note = (
        State.REJECTED, by, timezone.now(), reason[:300],
    )  # fmt: skip
    account.save(update_fields=["state", "verified_by", "verified_at", "decision_note"])
    audit_record(
        action="bank_account.reject", actor=by, target=account, request=request, from_state=State.PENDING,
        to_state=State.REJECTED, reason=reason, data={**_masked(account), "organisation": account.organisation_id},
    )  # fmt: skip
    return account


def organisation_initial_account_verify(*, organisation: Organisation, by: User, request=None) -> BankAccount | None:
    """Verify the account entered at registration together with the organisation (inside organisation_verify).

    Only the first account, while none is in force, and only by someone other than whoever entered it.
    """
    if BankAccount.objects.filter(holder_filter(organisation=organisation), state=State.VERIFIED).exists():
        return None
    account = (
        BankAccount.objects.select_for_update()
        .filter(holder_filter(organisation=organisation), state=State.PENDING)
        .first()
    )
    if account is None:
        return None
    if account.submitted_by_id == by.pk:
        raise PermissionDenied(_("提交收款账户的人不能核验自己的账户，须由另一人核验。"))
    return _make_current(account, by=by, note=_("随申报单位认定核验"), request=request)
