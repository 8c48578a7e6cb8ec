"""The reconciliation report: per period of approval and per batch, every yuan approved is paid, in payment,
failed or still due — the columns add up by construction, from aggregate queries only."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth, TruncYear

from .models import Instalment
from .payment_models import PaymentBatch, PaymentLine

ZERO = Decimal("0.00")
STATES = ("paid", "in_batch", "failed", "due")


@dataclass
class PeriodRow:
    period: str
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    in_batch: Decimal = ZERO
    failed: Decimal = ZERO
    due: Decimal = ZERO

    @property
    def adds_up(self) -> bool:
        return self.approved == self.paid + self.in_batch + self.failed + self.due


@dataclass
class BatchRow:
    number: str
    state: str
    count: int
    total: Decimal
    pending: Decimal
    paid: Decimal
    failed: Decimal
    reversed: Decimal


@dataclass
class Report:
    periods: list[PeriodRow] = field(default_factory=list)
    batches: list[BatchRow] = field(default_factory=list)

    @property
    def totals(self) -> PeriodRow:
        total = PeriodRow(period="合计")
        for row in self.periods:
            for name in ("approved", *STATES):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def _amount(state):
    return Sum("amount", filter=Q(state=state), default=ZERO)


def build(*, period: str = "month") -> Report:
    """Aggregate instalments by the month (or year) their award was approved, and lines by batch."""
    trunc = TruncYear if period == "year" else TruncMonth
    fmt = "%Y" if period == "year" else "%Y-%m"
    report = Report()
    rows = (
        Instalment.objects.exclude(state=Instalment.State.CANCELLED)
        .annotate(period=trunc("award__approved_at"))
        .values("period")
        .annotate(
            approved=Sum("amount", default=ZERO),
            paid=_amount(Instalment.State.PAID),
            in_batch=_amount(Instalment.State.IN_BATCH),
            failed=_amount(Instalment.State.FAILED),
            due=_amount(Instalment.State.DUE),
        )
        .order_by("period")
    )
    for row in rows:
        report.periods.append(PeriodRow(row["period"].strftime(fmt), *(row[name] for name in ("approved", *STATES))))
    lines = (
        PaymentLine.objects.exclude(state=PaymentLine.State.CANCELLED)
        .values("batch__number", "batch__state")
        .annotate(
            count=Count("pk"),
            total=Sum("amount", default=ZERO),
            pending=_amount(PaymentLine.State.PENDING),
            paid=_amount(PaymentLine.State.PAID),
            failed=_amount(PaymentLine.State.FAILED),
            reversed=_amount(PaymentLine.State.REVERSED),
        )
        .order_by("batch__number")
    )
    states = dict(PaymentBatch.State.choices)
    for row in lines:
        report.batches.append(
            BatchRow(row["batch__number"], str(states[row["batch__state"]]), row["count"], row["total"],
                     row["pending"], row["paid"], row["failed"], row["reversed"])
        )  # fmt: skip
    return report


def write_xlsx(report: Report, target) -> None:
    """Write both tables of the report to an XLSX workbook (amounts as numbers with two decimals)."""
    from openpyxl import Workbook

    from huzhou_craftsman.exports import xlsx_append

    workbook = Workbook(write_only=True)
    periods = workbook.create_sheet("按期间")
    xlsx_append(periods, ["期间", "已批准", "已支付", "支付中", "支付失败", "待支付"])
    for row in [*report.periods, report.totals]:
        xlsx_append(periods, [row.period, row.approved, row.paid, row.in_batch, row.failed, row.due])
    batches = workbook.create_sheet("按批次")
    xlsx_append(batches, ["批次号", "状态", "笔数", "金额", "待回盘", "已支付", "失败", "已冲正"])
    for row in report.batches:
        xlsx_append(
            batches, [row.number, row.state, row.count, row.total, row.pending, row.paid, row.failed, row.reversed]
        )
    workbook.save(target)
