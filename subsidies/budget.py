"""The year's appropriation (资金指标): what is committed against it, the check of the final approval, and
finance's audited entry.

Choices, shown to finance on the budget page:
- A payment counts against the fiscal year of its instalment's due date: a grand craftsman's second instalment,
  due twelve months after the first, counts against the next year.
- Committed = the instalments of active awards (any state but cancelled) + instalments already paid, whatever became
  of their award + what a final approval promised while its award does not exist yet (the public notice runs
  between the two). Those promises (``ApprovalCommitment``) are projected from the approval date, the way the
  award will schedule them; a notice that ends after 31 December moves them into the next year when the award is
  made.
- No appropriation recorded for a year and scheme means no cap (未设资金指标，不限额). A city-wide appropriation caps
  the scheme in every district together; a district's caps the applications of that district; both apply together.
- The final approval locks the appropriation rows it is checked against (select_for_update) before it sums what is
  committed, so two approvals at the same moment are checked one after the other.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import schemes
from applications.models import Application
from applications.review import ApprovalRefused
from applications.schemes import registry
from applications.workflow import State
from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.models import District, User
from huzhou_craftsman.accounts.services import audit_record

from . import rules
from .models import Appropriation, AppropriationRevision, ApprovalCommitment, Award, Instalment
from .services import add_years, already_received

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
# Approved by the city but without an award yet (an application is APPROVED and awarded in one transaction, but a
# row made otherwise must not drop out of the figure).
PROMISED_STATES = (State.AWAITING_NOTICE, State.PUBLIC_NOTICE, State.APPROVED)


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def scheme_choices() -> list[tuple[str, str]]:
    """The schemes an appropriation can be set for: the registered ones."""
    return registry.choices()


def scheme_label(scheme: str) -> str:
    return rules.SCHEMES.get(scheme) or registry.label(scheme)


# --- What is committed -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    awarded: Decimal = ZERO  # instalments of awards falling in the year
    promised: Decimal = ZERO  # approved, award not made yet
    paid: Decimal = ZERO

    @property
    def committed(self) -> Decimal:
        return self.awarded + self.promised

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.awarded + other.awarded, self.promised + other.promised, self.paid + other.paid)


def usage_by_district(fiscal_year: int, scheme: str | None = None) -> dict[tuple[str, int], Usage]:
    """Committed and paid money of one fiscal year by (scheme, district id): two aggregate queries."""
    instalments = Instalment.objects.filter(due_on__year=fiscal_year).filter(
        Q(state=Instalment.State.PAID) | (Q(award__state=Award.State.ACTIVE) & ~Q(state=Instalment.State.CANCELLED))
    )
    promises = ApprovalCommitment.objects.filter(
        fiscal_year=fiscal_year, application__state__in=PROMISED_STATES, application__award__isnull=True
    )
    if scheme is not None:
        instalments = instalments.filter(award__scheme=scheme)
        promises = promises.filter(scheme=scheme)
    usage: dict[tuple[str, int], Usage] = {}
    for row in (
        instalments.values("award__scheme", "award__application__district")
        .annotate(total=Sum("amount"), paid=Sum("amount", filter=Q(state=Instalment.State.PAID), default=ZERO))
        .order_by()
    ):
        key = (row["award__scheme"], row["award__application__district"])
        usage[key] = usage.get(key, Usage()) + Usage(awarded=row["total"], paid=row["paid"])
    for row in promises.values("scheme", "district").annotate(total=Sum("amount")).order_by():
        key = (row["scheme"], row["district"])
        usage[key] = usage.get(key, Usage()) + Usage(promised=row["total"])
    return usage


def scope_usage(usage: dict[tuple[str, int], Usage], scheme: str, district_id: int | None) -> Usage:
    """The usage of a city-wide scope (every district) or of one district."""
    total = Usage()
    for (s, d), value in usage.items():
        if s == scheme and (district_id is None or d == district_id):
            total += value
    return total


@dataclass(frozen=True)
class BudgetLine:
    fiscal_year: int
    scheme: str
    district: District | None
    appropriation: Appropriation | None
    usage: Usage

    @property
    def scope(self) -> str:
        label = scheme_label(self.scheme)
        return f"{self.district.display_name} {label}" if self.district else label

    @property
    def amount(self) -> Decimal | None:
        return self.appropriation.amount if self.appropriation else None

    @property
    def left(self) -> Decimal | None:
        return self.amount - self.usage.committed if self.appropriation else None


def budget_overview(fiscal_year: int) -> list[BudgetLine]:
    """Every scheme city-wide (with or without an appropriation), then each district appropriation of the year."""
    usage = usage_by_district(fiscal_year)
    appropriations = list(Appropriation.objects.filter(fiscal_year=fiscal_year).select_related("district"))
    citywide = {a.scheme: a for a in appropriations if a.district_id is None}
    schemes_ = [s for s, _label in scheme_choices()]
    schemes_ += sorted({a.scheme for a in appropriations} - set(schemes_))
    lines = [BudgetLine(fiscal_year, s, None, citywide.get(s), scope_usage(usage, s, None)) for s in schemes_]
    for a in sorted((a for a in appropriations if a.district_id), key=lambda a: (a.scheme, a.district.sort_order)):
        lines.append(BudgetLine(fiscal_year, a.scheme, a.district, a, scope_usage(usage, a.scheme, a.district_id)))
    return lines


# --- The check ---------------------------------------------------------------------------------------------------


def _problem(line: BudgetLine, need: Decimal) -> str:
    return _(
        "%(year)s年度 %(scope)s 资金指标 %(amount)s 元，已承诺 %(committed)s 元，剩余 %(left)s 元，"
        "本次需 %(need)s 元，超出 %(over)s 元"
    ) % {
        "year": line.fiscal_year,
        "scope": line.scope,
        "amount": money(line.amount),
        "committed": money(line.usage.committed),
        "left": money(line.left),
        "need": money(need),
        "over": money(need - line.left),
    }


def _lines_for(*, scheme: str, district: District, fiscal_year: int, lock: bool) -> list[BudgetLine]:
    rows = Appropriation.objects.filter(fiscal_year=fiscal_year, scheme=scheme).filter(
        Q(district__isnull=True) | Q(district=district)
    )
    if lock:
        # In primary-key order, so two checks never wait on each other crosswise.
        rows = rows.select_for_update(of=("self",))
    rows = list(rows.order_by("pk"))
    if not rows:
        return []
    # Summed only once the rows are locked: under READ COMMITTED this sees every approval committed before.
    usage = usage_by_district(fiscal_year, scheme)
    return [
        BudgetLine(
            fiscal_year,
            scheme,
            district if row.district_id else None,
            row,
            scope_usage(usage, scheme, row.district_id),
        )
        for row in rows
    ]


def _check(*, scheme: str, district: District, amounts_by_year: dict[int, Decimal], lock: bool) -> list[str]:
    problems = []
    for year, need in sorted(amounts_by_year.items()):
        if need <= 0:
            continue
        for line in _lines_for(scheme=scheme, district=district, fiscal_year=year, lock=lock):
            if need > line.left:
                problems.append(_problem(line, need))
    return problems


def budget_check(*, scheme: str, district: District, amounts_by_year: dict[int, Decimal]) -> list[str]:
    """Return why paying these amounts (fiscal year -> yuan) would exceed an appropriation; empty: they fit."""
    return _check(scheme=scheme, district=district, amounts_by_year=amounts_by_year, lock=True)


def budget_check_locked(*, scheme: str, district: District, amounts_by_year: dict[int, Decimal]) -> list[str]:
    """Like ``budget_check``, holding the appropriation rows locked until the caller's transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("budget_check_locked must run inside the transaction that commits the money")
    return _check(scheme=scheme, district=district, amounts_by_year=amounts_by_year, lock=True)


def application_amounts_by_year(application: Application, *, on=None) -> dict[int, Decimal]:
    """What the award of this application would pay in each fiscal year if it were approved on ``on`` (today)."""
    received = already_received(
        person_id=application.person_id, scheme=application.scheme, exclude_application_id=application.pk
    )
    decision = schemes.decide(application, already_received=received)
    start = on or timezone.localdate()
    amounts: dict[int, Decimal] = {}
    for installment in decision.installments:
        if installment.amount > 0:
            year = add_years(start, installment.year - 1).year
            amounts[year] = amounts.get(year, ZERO) + installment.amount
    return amounts


def final_approval_check(*, application: Application, by: User | None) -> None:
    """Refuse a final approval the year's appropriation cannot hold; otherwise record what it promises.

    Registered in ``applications.review.FINAL_APPROVAL_CHECKS``; runs in the approval's transaction.
    """
    # A re-approval after an objection replaces what the earlier approval promised.
    ApprovalCommitment.objects.filter(application=application).delete()
    try:
        amounts = application_amounts_by_year(application)
    except rules.RuleError as error:
        raise ApprovalRefused(
            [_("申报 %(number)s 无法计算资助金额：%(error)s") % {"number": application.number, "error": error}],
            data={"error": str(error)},
        ) from None
    problems = budget_check_locked(scheme=application.scheme, district=application.district, amounts_by_year=amounts)
    if problems:
        raise ApprovalRefused(
            [_("超出资金指标，不能批准：") + problems[0], *problems[1:]],
            data={"amounts_by_year": {str(y): str(a) for y, a in amounts.items()}, "problems": problems},
        )
    ApprovalCommitment.objects.bulk_create(
        ApprovalCommitment(
            application=application,
            fiscal_year=year,
            scheme=application.scheme,
            district_id=application.district_id,
            amount=amount,
        )
        for year, amount in amounts.items()
    )


@dataclass(frozen=True)
class ApplicationBudget:
    fiscal_year: int
    need: Decimal
    line: BudgetLine | None  # None: no appropriation for the year and scheme
    counted: bool  # the application's promise is already in ``committed``

    @property
    def exceeds(self) -> bool:
        return self.line is not None and not self.counted and self.need > self.line.left


def application_budget(application: Application) -> list[ApplicationBudget]:
    """For the review page: each fiscal year the application would be paid in, against its appropriations."""
    counted_years = set(
        ApprovalCommitment.objects.filter(
            application=application, application__state__in=PROMISED_STATES, application__award__isnull=True
        ).values_list("fiscal_year", flat=True)
    )
    try:
        amounts = application_amounts_by_year(application)
    except rules.RuleError:
        amounts = {timezone.localdate().year: ZERO}
    result = []
    for year, need in sorted(amounts.items()):
        lines = _lines_for(scheme=application.scheme, district=application.district, fiscal_year=year, lock=False)
        for line in lines or [None]:
            result.append(ApplicationBudget(year, need, line, year in counted_years))
    return result


# --- Finance's entry ---------------------------------------------------------------------------------------------


class AppropriationRefused(ValidationError):
    def __init__(self, message: str, *, data: dict):
        super().__init__(message)
        self.data = data


def appropriation_set(
    *, fiscal_year: int, scheme: str, district: District | None, amount, reason: str, by: User, request=None
) -> Appropriation:
    """Set or revise a year's appropriation for a scheme (and district), with a reason; never below what is committed."""
    try:
        return _appropriation_set(
            fiscal_year=fiscal_year, scheme=scheme, district=district, amount=amount, reason=reason, by=by,
            request=request,
        )  # fmt: skip
    except AppropriationRefused as refusal:
        # Written after the change rolled back: a refused change of money stays on record.
        audit_record(action="budget.appropriation_refused", actor=by, request=request, reason=reason, data=refusal.data)
        raise


@transaction.atomic
def _appropriation_set(*, fiscal_year, scheme, district, amount, reason, by, request) -> Appropriation:
    require(by, "budget.set")
    if scheme not in dict(scheme_choices()):
        raise ValidationError(_("未知的资助类别：%(scheme)s") % {"scheme": scheme})
    if not 2000 <= int(fiscal_year) <= 2100:
        raise ValidationError(_("预算年度须在 2000 至 2100 之间。"))
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise ValidationError(_("资金指标必须是金额数字。")) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or not ZERO < amount <= MAX_AMOUNT:
        raise ValidationError(_("资金指标须大于 0 元、最多两位小数，且不超过 999,999,999,999.99 元。"))
    amount = amount.quantize(CENT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("设定或修订资金指标必须填写理由。"))
    scope = {"fiscal_year": fiscal_year, "scheme": scheme, "district": district}
    row, before = Appropriation.objects.select_for_update().filter(**scope).order_by("pk").first(), None
    if row is None:
        try:
            with transaction.atomic():
                row = Appropriation.objects.create(**scope, amount=amount)
        except IntegrityError:  # created by someone else a moment ago: revise it instead
            row = Appropriation.objects.select_for_update().get(**scope)
            before = row.amount
    else:
        before = row.amount
    if before == amount:
        raise ValidationError(_("新的资金指标与当前相同（%(amount)s 元），无需修订。") % {"amount": money(amount)})
    usage = scope_usage(usage_by_district(fiscal_year, scheme), scheme, district.pk if district else None)
    line = BudgetLine(fiscal_year, scheme, district, row, usage)
    data = {
        "fiscal_year": fiscal_year,
        "scheme": scheme,
        "district": district.code if district else "",
        "before": str(before) if before is not None else None,
        "after": str(amount),
        "committed": str(line.usage.committed),
    }
    if amount < line.usage.committed:
        raise AppropriationRefused(
            _("%(year)s年度 %(scope)s 已承诺 %(committed)s 元，资金指标不能低于已承诺金额（本次填写 %(amount)s 元）。")
            % {
                "year": fiscal_year,
                "scope": line.scope,
                "committed": money(line.usage.committed),
                "amount": money(amount),
            },
            data=data,
        )
    row.amount = amount
    row.updated_at = timezone.now()
    row.save(update_fields=["amount", "updated_at"])
    AppropriationRevision.objects.create(
        appropriation=row,
        number=row.revisions.count() + 1,
        amount=amount,
        previous_amount=before,
        reason=reason,
        made_by=by,
    )
    audit_record(
        action="budget.appropriation_set" if before is None else "budget.appropriation_revise",
        actor=by,
        target=row,
        request=request,
        reason=reason,
        data=data,
    )
    return row
