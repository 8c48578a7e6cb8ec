"""The policy dashboard: every target of RULES.md against what the portal holds, and where the money went.

Every figure comes from an aggregate query (never rows loaded into Python); the page runs a fixed number of them.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Apprentice
from huzhou_craftsman.accounts.models import District
from subsidies import rules

from . import budget
from .models import Award, EvaluationFiling, Instalment, PolicyFigure, Studio

ZERO = Decimal("0.00")
STUDIO_TARGETS = {"municipal": 50, "provincial": 8, "national": 2}  # §6, to 2025
APPRENTICE_TARGET = 20_000  # §9
FILING_TARGETS = {"self_evaluating": 800, "social_organisation": 50}  # §8
ENTERED_TARGETS = {  # §1, §2 (to 2025) and §4 (per year)
    "s1_emerging": 50_000,
    "s1_traditional": 10_000,
    "s2_rural": 40_000,
    "s2_youth": 20_000,
    "s2_service": 100_000,
    "s2_key_groups": 20_000,
    "s4_city_competitions": 20,
}


@dataclass
class Table:
    """One block of the dashboard: a title, column names and rows; ``target`` columns draw progress bars."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = ""  # "progress": rows are (label, value, target, ...); "bars": rows are (label, amount, ...)

    def chart_rows(self):
        if self.chart == "progress":
            return [
                {
                    "label": r[0],
                    "value": r[1],
                    "target": r[2],
                    "percent": min(100, round(100 * r[1] / r[2])) if r[2] else 0,
                }
                for r in self.rows
            ]
        peak = max((r[1] for r in self.rows), default=0) or 1
        return [{"label": r[0], "value": r[1], "percent": round(100 * r[1] / peak)} for r in self.rows]


def _active_awards():
    return Award.objects.filter(state=Award.State.ACTIVE)


def _money_by(group: str, labels=None) -> list[list]:
    """Committed, paid and outstanding money grouped by an award field (one query)."""
    rows = (
        Instalment.objects.filter(award__state=Award.State.ACTIVE)
        .exclude(state=Instalment.State.CANCELLED)
        .values(group)
        .annotate(
            committed=Sum("amount", default=ZERO),
            paid=Sum("amount", filter=Q(state=Instalment.State.PAID), default=ZERO),
        )
        .order_by(group)
    )
    return [
        [labels.get(r[group], r[group]) if labels else r[group], r["committed"], r["paid"], r["committed"] - r["paid"]]
        for r in rows
    ]


def build() -> list[Table]:
    """Return every table of the dashboard (the page, the CSV and the XLSX show the same numbers)."""
    titles = dict(
        _active_awards().filter(scheme="craftsman_title").values_list("level").annotate(n=Count("pk")).order_by()
    )
    title_table = Table(
        "titles",
        _("第3条 工匠称号（累计批准 / 名额）"),
        [_("称号"), _("已批准"), _("名额"), _("完成率")],
        chart="progress",
    )
    for level, quota in rules.TITLE_QUOTAS.items():
        title_table.rows.append(
            [rules.CRAFTSMAN_TITLES[level], titles.get(level, 0), quota, _pct(titles.get(level, 0), quota)]
        )

    studios = dict(
        Studio.objects.filter(exited_at__isnull=True).values_list("level").annotate(n=Count("pk")).order_by()
    )
    exited = Studio.objects.filter(exited_at__isnull=False).count()
    studio_table = Table(
        "studios",
        _("第6条 技能大师工作室（在册 / 目标）"),
        [_("级别"), _("在册"), _("目标"), _("完成率")],
        chart="progress",
    )
    for level, target in STUDIO_TARGETS.items():
        studio_table.rows.append(
            [rules.MASTER_STUDIOS[level], studios.get(level, 0), target, _pct(studios.get(level, 0), target)]
        )
    studio_table.rows.append([_("已退出"), exited, "", ""])

    apprentices = Apprentice.objects.filter(application__award__state=Award.State.ACTIVE, amount__gt=0).aggregate(
        n=Count("person", distinct=True)
    )["n"]
    filings = dict(EvaluationFiling.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    counted = Table("counted", _("第8、9条 目标"), [_("指标"), _("完成"), _("目标"), _("完成率")], chart="progress")
    counted.rows.append(
        [_("§9 企业新型学徒（人）"), apprentices, APPRENTICE_TARGET, _pct(apprentices, APPRENTICE_TARGET)]
    )
    for kind, target in FILING_TARGETS.items():
        counted.rows.append(
            [str(EvaluationFiling.Kind(kind).label), filings.get(kind, 0), target, _pct(filings.get(kind, 0), target)]
        )

    bases = _active_awards().filter(scheme="training_base").values_list("level").annotate(n=Count("pk")).order_by()
    competitions = (
        _active_awards()
        .filter(scheme="competition")
        .values_list("application__details__competition")
        .annotate(n=Count("pk"))
        .order_by()
    )
    others = Table("others", _("第4、5条 竞赛获奖与培训基地（累计）"), [_("项目"), _("项数")], chart="bars")
    others.rows += [[rules.TRAINING_BASES.get(level, level), n] for level, n in bases]
    others.rows += [[rules.COMPETITIONS.get(code, code or "—"), n] for code, n in competitions]

    entered = Table(
        "entered",
        _("第1、2、4条 录入指标（最近年度，标注为人工录入）"),
        [_("指标"), _("数值"), _("目标"), _("完成率"), _("年度"), _("来源")],
        chart="progress",
    )
    latest = {}
    for figure in PolicyFigure.objects.order_by("indicator", "-year"):
        latest.setdefault(figure.indicator, figure)
    for code, target in ENTERED_TARGETS.items():
        figure = latest.get(code)
        value = figure.value if figure else 0
        entered.rows.append([
            str(PolicyFigure.Indicator(code).label), value, target, _pct(value, target),
            figure.year if figure else "—", (figure.source + _("（人工录入）")) if figure else _("尚未录入"),
        ])  # fmt: skip

    money_columns = [_("分组"), _("已批准（元）"), _("已支付（元）"), _("待支付（元）")]
    scheme_labels = dict(rules.SCHEMES)
    by_scheme = Table(
        "money_scheme", _("资金：按类别"), money_columns, _money_by("award__scheme", scheme_labels), chart="bars"
    )
    by_level = Table(
        "money_level",
        _("资金：按类别与级别"),
        money_columns,
        [[f"{scheme_labels.get(s, s)} · {_level(s, lv)}", *rest] for (s, lv), *rest in _money_by_pair()],
    )
    districts = dict(District.objects.values_list("pk", "name"))
    by_district = Table(
        "money_district",
        _("资金：按区县"),
        money_columns,
        _money_by("award__organisation__district", districts),
        chart="bars",
    )
    by_year = Table(
        "money_year",
        _("资金：按批准年度"),
        money_columns,
        [
            [r["approved_year"], r["committed"], r["paid"], r["committed"] - r["paid"]]
            for r in Instalment.objects.filter(award__state=Award.State.ACTIVE)
            .exclude(state=Instalment.State.CANCELLED)
            .annotate(approved_year=ExtractYear("award__approved_at"))
            .values("approved_year")
            .annotate(
                committed=Sum("amount", default=ZERO),
                paid=Sum("amount", filter=Q(state=Instalment.State.PAID), default=ZERO),
            )
            .order_by("approved_year")
        ],
    )
    return [title_table, studio_table, counted, others, entered, _budget_table(), by_scheme, by_level, by_district,
            by_year]  # fmt: skip


def _budget_table() -> Table:
    """This year's appropriation per scheme (and district where one is set) against what is committed and paid."""
    year = timezone.localdate().year
    table = Table(
        "budget",
        _("资金指标：%(year)s年度") % {"year": year},
        [_("类别"), _("资金指标（元）"), _("已承诺（元）"), _("已支付（元）"), _("剩余（元）")],
    )
    for line in budget.budget_overview(year):
        unset = _("未设资金指标，不限额")
        table.rows.append([
            line.scope, line.amount if line.appropriation else unset, line.usage.committed, line.usage.paid,
            line.left if line.appropriation else "—",
        ])  # fmt: skip
    return table


def _money_by_pair():
    rows = (
        Instalment.objects.filter(award__state=Award.State.ACTIVE)
        .exclude(state=Instalment.State.CANCELLED)
        .values("award__scheme", "award__level")
        .annotate(
            committed=Sum("amount", default=ZERO),
            paid=Sum("amount", filter=Q(state=Instalment.State.PAID), default=ZERO),
        )
        .order_by("award__scheme", "award__level")
    )
    return [
        [(r["award__scheme"], r["award__level"]), r["committed"], r["paid"], r["committed"] - r["paid"]] for r in rows
    ]


def _level(scheme: str, level: str) -> str:
    try:
        return rules.level_label(scheme, level) if level else "—"
    except rules.RuleError:
        return level


def _pct(value, target) -> str:
    return f"{100 * value / target:.1f}%" if target else ""
