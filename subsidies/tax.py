"""Individual income tax on payments to persons (RULES.md "Tax — Interpretation", configurable).

The Individual Income Tax Law exempts awards from provincial governments and above; this city's awards to persons
are not in that list, so by default 20% is withheld as 偶然所得 (incidental income) from payments to persons and
nothing from payments to organisations. The bureau may change the setting (audited); a change applies to
instalments that enter a batch afterwards.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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
