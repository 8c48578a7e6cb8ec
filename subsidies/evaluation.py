"""The end-of-period evaluation (终期评估) table a third-party evaluator works from.

One row per scheme, year and district: applications submitted, approvals, money committed and paid. Years are
calendar years in Asia/Shanghai; applications count by submission time, approvals and money by approval time.
Three aggregate queries, merged here.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from applications.models import Application
from applications.schemes import registry
from huzhou_craftsman.accounts.models import District

from .dashboard import ZERO, Table
from .dashboard_window import Window
from .models import Award, Instalment


def evaluation_table(window: Window) -> Table:
    """Applications, approvals and money per scheme, year and district in the window (the evaluator's sheet)."""
    rows: dict[tuple, dict] = defaultdict(lambda: {"applied": 0, "approved": 0, "committed": ZERO, "paid": ZERO})
    applied = (
        Application.objects.filter(submitted_at__isnull=False, **window.on("submitted_at"))
        .annotate(y=ExtractYear("submitted_at"))
        .values_list("scheme", "y", "district")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for scheme, year, district, n in applied:
        rows[scheme, year, district]["applied"] = n
    approved = (
        Award.objects.filter(state=Award.State.ACTIVE, **window.on("approved_at"))
        .annotate(y=ExtractYear("approved_at"))
        .values_list("scheme", "y", "application__district")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for scheme, year, district, n in approved:
        rows[scheme, year, district]["approved"] = n
    money = (
        Instalment.objects.filter(award__state=Award.State.ACTIVE, **window.on("award__approved_at"))
        .exclude(state=Instalment.State.CANCELLED)
        .annotate(y=ExtractYear("award__approved_at"))
        .values_list("award__scheme", "y", "award__application__district")
        .annotate(
            committed=Sum("amount", default=ZERO),
            paid=Sum("amount", filter=Q(state=Instalment.State.PAID), default=ZERO),
        )
        .order_by()
    )
    for scheme, year, district, committed, paid in money:
        rows[scheme, year, district].update(committed=committed, paid=paid)
    districts = {d.pk: d for d in District.objects.all()}
    order = {code: i for i, code in enumerate(registry.SCHEMES)}
    table = Table(
        "evaluation",
        _("终期评估：按类别、年度、区县（%(window)s）") % {"window": window.label},
        [_("类别"), _("年度"), _("区县"), _("申报（件）"), _("批准（件）"), _("批准金额（元）"), _("已支付（元）"),
         _("待支付（元）")],
    )  # fmt: skip
    for (scheme, year, district), r in sorted(
        rows.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1], item[0][2] or 0)
    ):
        place = districts.get(district)
        table.rows.append([
            registry.label(scheme), year, place.display_name if place else "—", r["applied"], r["approved"],
            r["committed"], r["paid"], r["committed"] - r["paid"],
        ])  # fmt: skip
    totals = [sum((r[i] for r in table.rows), Decimal(0) if i >= 5 else 0) for i in range(3, 8)]
    table.rows.append([_("合计"), "", "", *totals])
    return table
