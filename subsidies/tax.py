"""Individual income tax on payments to persons (RULES.md "Tax — Interpretation", configurable).

The Individual Income Tax Law exempts awards from provincial governments and above; this city's awards to persons
are not in that list, so by default 20% is withheld as 偶然所得 (incidental income) from payments to persons and
nothing from payments to organisations. The bureau may change the setting (audited); a change applies to
instalments that enter a batch afterwards.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from .tax_models import WithholdingRule

FEN = Decimal("0.01")
# Who may change the withholding setting.


@dataclass(frozen=True)
class Withholding:
    """A payment split into what is owed, what is withheld and what reaches the payee."""

    gross: Decimal
    tax: Decimal
    net: Decimal
    rate: Decimal
    category: str


def rule_for(*, payee_kind: str, scheme: str = "", role: str = "") -> WithholdingRule | None:
    """The most specific rule for a payment (scheme and role, then scheme, then the payee kind alone)."""
    rules = {
        (r.scheme, r.role): r for r in WithholdingRule.objects.filter(payee_kind=payee_kind, scheme__in=[scheme, ""])
    }
    return rules.get((scheme, role)) or rules.get((scheme, "")) or rules.get(("", ""))


def split(gross: Decimal, *, payee_kind: str, scheme: str = "", role: str = "") -> Withholding:
    """Split a gross amount into tax withheld (rounded half up to the fen) and net."""
    rule = rule_for(payee_kind=payee_kind, scheme=scheme, role=role)
    rate = rule.rate if rule else Decimal("0")
    tax = (gross * rate).quantize(FEN, rounding=ROUND_HALF_UP)
    category = rule.category if rule and rate else _("不代扣")
    return Withholding(gross=gross, tax=tax, net=gross - tax, rate=rate, category=category)


def instalment_splits(awards) -> dict[int, Withholding]:
    """Gross / tax / net per instalment of these awards: as the payment line recorded it, or as the setting in force
    would split it now (two queries, whatever the number of awards)."""
    from .payment_models import PaymentLine

    instalments = [i for award in awards for i in award.instalments.all()]
    recorded = {
        line.instalment_id: Withholding(line.gross or line.amount, line.tax_withheld, line.amount, Decimal("0"),
                                        line.tax_category)
        for line in PaymentLine.objects.filter(instalment__in=instalments).exclude(state="cancelled").order_by("pk")
    }  # fmt: skip
    rules = list(WithholdingRule.objects.all())
    splits = {}
    for award in awards:
        role = award.application.details.get("role", "") if award.pays_person else ""
        rule = _pick(rules, payee_kind=award.payee_kind, scheme=award.scheme, role=role)
        for i in award.instalments.all():
            if i.pk in recorded:
                splits[i.pk] = recorded[i.pk]
            else:
                rate = rule.rate if rule else Decimal("0")
                amount = (i.amount * rate).quantize(FEN, rounding=ROUND_HALF_UP)
                splits[i.pk] = Withholding(i.amount, amount, i.amount - amount, rate, rule.category if rule else "")
    return splits


def _pick(rules, *, payee_kind: str, scheme: str, role: str) -> WithholdingRule | None:
    scoped = {(r.scheme, r.role): r for r in rules if r.payee_kind == payee_kind and r.scheme in (scheme, "")}
    return scoped.get((scheme, role)) or scoped.get((scheme, "")) or scoped.get(("", ""))


@transaction.atomic
def withholding_set(
    *, payee_kind: str, scheme: str = "", role: str = "", rate: Decimal, category: str, reason: str, by: User,
    request=None,
) -> WithholdingRule:  # fmt: skip
    """Set what is withheld for a scope; audited with the rate before and after."""
    require(by, "tax.set")
    if not reason.strip():
        raise ValidationError({"reason": _("调整代扣设置必须写明依据。")})
    if not (Decimal("0") <= rate <= Decimal("1")):
        raise ValidationError({"rate": _("代扣税率须在 0 到 1 之间（如 0.2 表示 20%）。")})
    rule = WithholdingRule.objects.select_for_update().filter(payee_kind=payee_kind, scheme=scheme, role=role).first()
    before = {"rate": str(rule.rate), "category": rule.category} if rule else None
    if rule is None:
        rule = WithholdingRule(payee_kind=payee_kind, scheme=scheme, role=role)
    rule.rate, rule.category, rule.updated_at = rate, category, timezone.now()
    rule.full_clean()
    rule.save()
    audit_record(
        action="withholding.set", actor=by, target=rule, request=request, reason=reason,
        data={"before": before, "after": {"rate": str(rate), "category": category}},
    )  # fmt: skip
    return rule


# --- The withholding report (个税代扣明细) -------------------------------------------------------------------------

REPORT_COLUMNS = ["序号", "批次号", "申报编号", "姓名", "证件类型", "证件号码", "所得项目", "收入额", "代扣税额", "实发金额",
                  "支付日期"]  # fmt: skip


def withholding_lines(*, year: int, month: int):
    """Lines the bank paid in a month with tax withheld (what finance declares for that period)."""
    from .payment_models import PaymentLine

    return (
        PaymentLine.objects.filter(
            state=PaymentLine.State.PAID, tax_withheld__gt=0, result_at__year=year, result_at__month=month
        )
        .select_related("batch", "instalment__award__application")
        .order_by("result_at", "batch_id", "line_number")
    )


def withholding_report(*, year: int, month: int, target) -> dict:
    """Write the month's 个税代扣明细 as XLSX (summary first, then one row per payment); return the totals."""
    from openpyxl import Workbook

    from huzhou_craftsman.accounts.identifiers import mask_resident_id
    from huzhou_craftsman.exports import xlsx_append

    lines = list(withholding_lines(year=year, month=month))
    totals = {
        "count": len(lines),
        "gross": sum((line.gross or line.amount for line in lines), Decimal("0")),
        "tax": sum((line.tax_withheld for line in lines), Decimal("0")),
        "net": sum((line.amount for line in lines), Decimal("0")),
    }
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("汇总")
    xlsx_append(summary, ["所属期间", "扣缴义务人", "笔数", "收入额合计", "代扣税额合计", "实发金额合计"])
    xlsx_append(summary, [f"{year:04d}-{month:02d}", settings.ISSUING_OFFICE, totals["count"], totals["gross"],
                          totals["tax"], totals["net"]])  # fmt: skip
    detail = workbook.create_sheet("明细")
    xlsx_append(detail, REPORT_COLUMNS)
    for number, line in enumerate(lines, start=1):
        xlsx_append(
            detail,
            [number, line.batch.number, line.instalment.award.application.number, line.account_name,
             line.get_payee_id_type_display(), mask_resident_id(line.payee_id_number), line.tax_category,
             line.gross or line.amount, line.tax_withheld, line.amount, timezone.localtime(line.result_at).date()],
        )  # fmt: skip
    workbook.save(target)
    return totals
