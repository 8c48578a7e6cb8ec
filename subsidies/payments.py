"""Writes of the finance side: batches (maker), checks (checker), exports, bank results and reversals."""

import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.bank_selectors import (
    organisation_payee_held,
    payee_account_verified_after,
    payee_accounts_for_organisations,
    payee_accounts_for_persons,
    person_payee_held,
)
from huzhou_craftsman.accounts.models import Organisation, User
from huzhou_craftsman.accounts.services import audit_record

from . import bank_files, tax
from .bank_files import ResultRow
from .bank_layouts import LAYOUTS
from .models import Award, Instalment
from .payment_models import BankResultImport, PaymentBatch, PaymentCorrection, PaymentLine


def payee_held() -> Q:
    """True for an instalment whose payee has no verified account or a pending account change (held, 暂缓支付).

    The payee is the award's (RULES.md "Who is paid"): the person's own account or the organisation's.
    """
    person = Q(award__payee_kind="person") & person_payee_held("award__person__resident_id")
    organisation = ~Q(award__payee_kind="person") & organisation_payee_held("award__organisation")
    return person | organisation


def instalments_due(*, on=None) -> QuerySet[Instalment]:
    """Instalments that may be paid now: due by the date, award active, and either never sent or sent and failed
    with the payee's account (the person's own for a person's award, else the organisation's) verified anew since.
    Each carries ``payee_held`` (see ``payee_held``): the held ones are listed for finance but never put into a
    batch."""
    on = on or timezone.localdate()
    person = Q(award__payee_kind="person")
    corrected = (person & payee_account_verified_after(
        person=True, holder_ref="award__person__resident_id", moment_ref="failed_at"
    )) | (~person & payee_account_verified_after(
        person=False, holder_ref="award__organisation", moment_ref="failed_at"
    ))  # fmt: skip
    failed_and_corrected = Q(state=Instalment.State.FAILED) & corrected
    return (
        Instalment.objects.filter(Q(state=Instalment.State.DUE) | failed_and_corrected, due_on__lte=on)
        .filter(award__state=Award.State.ACTIVE)
        # A studio that has exited (§6 退出机制) receives no further payments.
        .exclude(award__studio__exited_at__isnull=False)
        .select_related("award__organisation__district", "award__application__round", "award__person")
        .annotate(payee_held=payee_held())
    )


def _next_batch_number(now) -> str:
    prefix = f"PB{timezone.localtime(now):%Y%m%d}"
    count = PaymentBatch.objects.filter(number__startswith=prefix).count()
    return f"{prefix}-{count + 1:03d}"


@transaction.atomic
def batch_create(*, instalment_ids: list[int], by: User, request=None) -> PaymentBatch:
    """Put due instalments into a new batch awaiting the checker (the maker's step)."""
    require(by, "finance.batch.make")
    if not instalment_ids:
        raise ValidationError(_("请至少选择一笔待付款项。"))
    due = {i.pk: i for i in instalments_due().filter(pk__in=instalment_ids).select_for_update(of=("self",))}
    missing = set(instalment_ids) - set(due)
    if missing:
        raise ValidationError(
            _("有 %(n)s 笔款项已不在待付清单中（可能已列入其他批次或已支付），请刷新后重新选择。") % {"n": len(missing)}
        )
    # The payee's account is read now, under this transaction: a held payee (no verified account, or a change
    # awaiting its second person) is skipped, and every line carries the verified account as it is at this moment.
    accounts = {}
    organisation_ids = sorted({i.award.organisation_id for i in due.values() if not i.award.pays_person})
    resident_ids = sorted({i.award.person.resident_id for i in due.values() if i.award.pays_person})
    # Changes of these payees' accounts (proposals lock the organisation row) wait until this batch is made.
    list(Organisation.objects.select_for_update().filter(pk__in=organisation_ids).order_by("pk").values_list("pk"))
    by_organisation = payee_accounts_for_organisations(organisation_ids)
    by_person = payee_accounts_for_persons(resident_ids)
    for pk, instalment in list(due.items()):
        award = instalment.award
        payee = by_person[award.person.resident_id] if award.pays_person else by_organisation[award.organisation_id]
        if payee.held:
            del due[pk]
        else:
            accounts[pk] = payee.verified
    held = len(set(instalment_ids)) - len(due)
    if not due:
        raise ValidationError(_("所选款项的收款账户均待核验（暂缓支付），核验通过后才能编制批次。"))
    now = timezone.now()
    batch = PaymentBatch.objects.create(number=_next_batch_number(now), created_by=by, created_at=now)
    lines = []
    for number, pk in enumerate(sorted(due), start=1):
        instalment = due[pk]
        award, account = instalment.award, accounts[pk]
        # Income tax is withheld by the setting in force now (an instalment already in a batch keeps its split).
        split = tax.split(
            instalment.amount, payee_kind=award.payee_kind, scheme=award.scheme,
            role=award.application.details.get("role", ""),
        )  # fmt: skip
        if split.net <= 0:
            raise ValidationError(
                _("款项 %(n)s 代扣个税后实发为 0，请核对个税代扣设置。") % {"n": award.application.number}
            )
        lines.append(
            PaymentLine(
                batch=batch,
                instalment=instalment,
                line_number=number,
                amount=split.net,
                gross=split.gross,
                tax_withheld=split.tax,
                tax_category=split.category,
                account_name=account.account_name,
                account_number=account.account_number,
                bank_name=account.bank_name,
                cnaps_code=account.cnaps_code,
                payee_kind=PaymentLine.PayeeKind.PERSONAL if award.pays_person else PaymentLine.PayeeKind.CORPORATE,
                payee_id_type=PaymentLine.IdType.RESIDENT_ID if award.pays_person else "",
                payee_id_number=award.person.resident_id if award.pays_person else "",
                note=f"{award.application.number} 第{instalment.year}期",
            )
        )
    try:
        with transaction.atomic():
            PaymentLine.objects.bulk_create(lines)
    except IntegrityError:
        raise ValidationError(_("所选款项中有已列入其他批次的，请刷新后重新选择。")) from None
    Instalment.objects.filter(pk__in=due).update(state=Instalment.State.IN_BATCH)
    batch.line_count = len(lines)
    batch.total = sum((line.amount for line in lines), Decimal("0"))
    batch.save(update_fields=["line_count", "total"])
    audit_record(
        action="batch.create", actor=by, target=batch, request=request, to_state=batch.state,
        data={"count": batch.line_count, "total": str(batch.total), "held": held,
              "tax_withheld": str(sum((line.tax_withheld for line in lines), Decimal("0"))),
              "accounts": sorted({a.pk for a in accounts.values()})},
    )  # fmt: skip
    batch.held_count = held
    return batch


def _locked_batch(batch: PaymentBatch) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def batch_approve(*, batch: PaymentBatch, by: User, note: str = "", request=None) -> PaymentBatch:
    """The checker approves a batch made by someone else; only then can it be exported."""
    require(by, "finance.batch.check")
    batch = _locked_batch(batch)
    if batch.created_by_id == by.pk:
        raise PermissionDenied(_("编制人不能复核自己编制的批次。"))
    if batch.state != PaymentBatch.State.AWAITING_CHECK:
        raise ValidationError(_("该批次当前状态为“%(s)s”，不能复核。") % {"s": batch.get_state_display()})
    previous = batch.state
    batch.state, batch.checked_by, batch.checked_at, batch.check_note = (
        PaymentBatch.State.APPROVED, by, timezone.now(), note,
    )  # fmt: skip
    batch.save(update_fields=["state", "checked_by", "checked_at", "check_note"])
    audit_record(action="batch.approve", actor=by, target=batch, request=request, from_state=previous,
                 to_state=batch.state, reason=note)  # fmt: skip
    return batch


@transaction.atomic
def batch_return(*, batch: PaymentBatch, by: User, note: str, request=None) -> PaymentBatch:
    """The checker sends a batch back: its lines are cancelled and the instalments are due again."""
    require(by, "finance.batch.check")
    if not note.strip():
        raise ValidationError(_("退回批次必须填写原因。"))
    batch = _locked_batch(batch)
    if batch.created_by_id == by.pk:
        raise PermissionDenied(_("编制人不能复核自己编制的批次。"))
    if batch.state != PaymentBatch.State.AWAITING_CHECK:
        raise ValidationError(_("该批次当前状态为“%(s)s”，不能退回。") % {"s": batch.get_state_display()})
    instalments = batch.lines.values("instalment_id")
    Instalment.objects.filter(pk__in=instalments, state=Instalment.State.IN_BATCH).update(state=Instalment.State.DUE)
    batch.lines.update(state=PaymentLine.State.CANCELLED)
    previous = batch.state
    batch.state, batch.checked_by, batch.checked_at, batch.check_note = (
        PaymentBatch.State.RETURNED, by, timezone.now(), note,
    )  # fmt: skip
    batch.save(update_fields=["state", "checked_by", "checked_at", "check_note"])
    audit_record(action="batch.return", actor=by, target=batch, request=request, from_state=previous,
                 to_state=batch.state, reason=note)  # fmt: skip
    return batch


def batch_record_export(
    *, batch: PaymentBatch, by: User, file_format: str, layout: str = "", request=None
) -> PaymentBatch:
    """Record (and audit) an export of an approved batch; the first export moves it to 'exported'.

    A GBK file of a layout whose lines hold characters GBK cannot carry is refused with the list of those lines
    and what to do; the refusal is audited too (in its own transaction, so the refusal survives the error).
    """
    require(by, "finance.export")
    if file_format == "csv-gbk" and layout in LAYOUTS:
        problems = bank_files.non_gbk_lines(batch, LAYOUTS[layout])
        if problems:
            _record_gbk_refusal(batch=batch, by=by, layout=layout, problems=problems, request=request)
            raise ValidationError(bank_files.gbk_refusal(problems))
    return _record_export(batch=batch, by=by, file_format=file_format, layout=layout, request=request)


@transaction.atomic
def _record_gbk_refusal(*, batch: PaymentBatch, by: User, layout: str, problems: list, request=None) -> None:
    audit_record(action="batch.export_refused", actor=by, target=batch, request=request,
                 reason=_("收款信息含 GBK 无法表示的字符"),
                 data={"format": "csv-gbk", "layout": layout, "count": len(problems),
                       "lines": [p.number for p in problems[:50]]})  # fmt: skip


@transaction.atomic
def _record_export(*, batch: PaymentBatch, by: User, file_format: str, layout: str, request=None) -> PaymentBatch:
    batch = _locked_batch(batch)
    if batch.state not in (PaymentBatch.State.APPROVED, PaymentBatch.State.EXPORTED, PaymentBatch.State.SETTLED):
        raise ValidationError(_("只有复核通过的批次可以导出。"))
    previous = batch.state
    if batch.state == PaymentBatch.State.APPROVED:
        batch.state, batch.exported_at = PaymentBatch.State.EXPORTED, timezone.now()
        batch.save(update_fields=["state", "exported_at"])
    audit_record(action="batch.export", actor=by, target=batch, request=request, from_state=previous,
                 to_state=batch.state, data={"format": file_format, "layout": layout, "count": batch.line_count,
                                             "total": str(batch.total)})  # fmt: skip
    return batch


@transaction.atomic
def results_import(
    *, batch: PaymentBatch, rows: list[ResultRow], file_name: str, content: bytes, by: User, request=None
) -> BankResultImport:
    """Settle a batch's lines from the bank's result rows. A line already settled the same way is left alone
    (re-importing a file changes nothing); a row matching no line, or with another amount, is reported and
    changes nothing."""
    require(by, "finance.results.import")
    batch = _locked_batch(batch)
    if batch.state not in (PaymentBatch.State.EXPORTED, PaymentBatch.State.SETTLED):
        raise ValidationError(_("只有已导出的批次可以导入银行回盘。"))
    lines = {}
    for line in batch.lines.exclude(state=PaymentLine.State.CANCELLED).select_for_update():
        lines.setdefault(line.account_number, []).append(line)
    record = BankResultImport(
        batch=batch, file_name=file_name[:255], sha256=hashlib.sha256(content).hexdigest(), imported_by=by
    )
    now = timezone.now()
    for row in rows:
        candidates = lines.get(row.account_number, [])
        if row.paid is None:
            record.problems.append(_("第 %(n)s 行：结果“无法识别”，应为“成功”或“失败”。") % {"n": row.row_number})
            continue
        same_amount = [line for line in candidates if line.amount == row.amount]
        if not candidates:
            record.problems.append(
                _("第 %(n)s 行：账号 %(a)s 不在本批次中。") % {"n": row.row_number, "a": row.account_number}
            )
            continue
        if not same_amount:
            record.problems.append(
                _("第 %(n)s 行：账号 %(a)s 的金额 %(x)s 与批次金额 %(y)s 不符。")
                % {"n": row.row_number, "a": row.account_number, "x": row.amount, "y": candidates[0].amount}
            )
            continue
        line = next((line for line in same_amount if line.state == PaymentLine.State.PENDING), same_amount[0])
        target = PaymentLine.State.PAID if row.paid else PaymentLine.State.FAILED
        if line.state == target:
            record.unchanged += 1
            continue
        if line.state != PaymentLine.State.PENDING:
            record.problems.append(
                _("第 %(n)s 行：该笔已登记为“%(s)s”，不能再改为“%(t)s”；如有错误请走冲正。")
                % {"n": row.row_number, "s": line.get_state_display(), "t": target.label}
            )
            continue
        line.state, line.result_at, line.failure_reason = target, now, "" if row.paid else row.failure_reason[:300]
        line.save(update_fields=["state", "result_at", "failure_reason"])
        instalment_state = Instalment.State.PAID if row.paid else Instalment.State.FAILED
        Instalment.objects.filter(pk=line.instalment_id).update(
            state=instalment_state, failed_at=None if row.paid else now
        )
        if row.paid:
            record.paid += 1
        else:
            record.failed += 1
    record.save()
    if not batch.lines.filter(state=PaymentLine.State.PENDING).exists():
        batch.state = PaymentBatch.State.SETTLED
        batch.save(update_fields=["state"])
    audit_record(
        action="batch.results_import", actor=by, target=batch, request=request,
        data={"file": record.file_name, "sha256": record.sha256, "paid": record.paid, "failed": record.failed,
              "unchanged": record.unchanged, "problems": len(record.problems)},
    )  # fmt: skip
    return record


@transaction.atomic
def payment_reverse(*, line: PaymentLine, by: User, reason: str, request=None) -> PaymentCorrection:
    """Reverse a wrong payment with a new entry and a reason; the instalment becomes payable again."""
    require(by, "finance.reverse")
    if not reason.strip():
        raise ValidationError(_("冲正必须填写原因。"))
    line = PaymentLine.objects.select_for_update().get(pk=line.pk)
    if line.state != PaymentLine.State.PAID:
        raise ValidationError(_("只有已支付的款项可以冲正。"))
    correction = PaymentCorrection.objects.create(line=line, amount=line.amount, reason=reason, created_by=by)
    line.state = PaymentLine.State.REVERSED
    line.save(update_fields=["state"])
    Instalment.objects.filter(pk=line.instalment_id).update(state=Instalment.State.DUE)
    audit_record(action="payment.reverse", actor=by, target=line.batch, request=request, reason=reason,
                 data={"line": line.line_number, "amount": str(line.amount)})  # fmt: skip
    return correction


def batch_totals(batch: PaymentBatch) -> dict:
    """Count and total of a batch's lines by state, from one aggregate query."""
    totals = {state: {"count": 0, "amount": Decimal("0")} for state in PaymentLine.State.values}
    rows = batch.lines.values("state").annotate(amount=Sum("amount"), count=Count("id")).order_by()
    for row in rows:
        totals[row["state"]] = {"count": row["count"], "amount": row["amount"]}
    return totals
