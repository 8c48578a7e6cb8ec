"""The policy dashboard: every target of RULES.md against what the portal holds, and where the money went.

Everything is counted in one window (``dashboard_window``): awards by approval time, studios by the time they were
newly rated at a level, §8 filings by filing date, entered §1/§2 figures by their year. Every figure comes from an
aggregate query (never rows loaded into Python, except the few entered figures); the page runs a fixed number.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.catalogue import COMPETITION_KINDS
from applications.models import Apprentice, describe_level
from applications.schemes import registry
from huzhou_craftsman.accounts.models import District
from subsidies import rules

from . import budget
from .dashboard_window import Window, window_for
from .models import Award, EvaluationFiling, Instalment, PolicyFigure, Studio, StudioLevelChange

ZERO = Decimal("0.00")
STUDIO_TARGETS = {"municipal": 50, "provincial": 8, "national": 2}  # §6, 新增 to 2025
STUDIO_RANK = {"municipal": 1, "provincial": 2, "national": 3}
APPRENTICE_TARGET = 20_000  # §9
FILING_TARGETS = {"self_evaluating": 800, "social_organisation": 50}  # §8, 新增
CUMULATIVE_TARGETS = {  # §1 (人) and §2 (人次), cumulative to 2025: the sum of the years' entered figures
    "s1_emerging": 50_000,
    "s1_traditional": 10_000,
    "s2_rural": 40_000,
    "s2_youth": 20_000,
    "s2_service": 100_000,
    "s2_key_groups": 20_000,
}
CITY_COMPETITIONS_PER_YEAR = 20  # §4
SKILLED_TARGET = 800_000  # 总体目标
HIGH_SKILLED_SHARE = 35  # % of skilled talents
SKILLED_SHARE = 35  # % of the employed
TECHNICIAN_COLLEGE_TARGET = 1  # §11


@dataclass
class Table:
    """One block of the dashboard: a title, column names and rows; ``target`` columns draw progress bars."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = ""  # "progress": rows are (label, value, target, ...); "bars": rows are (label, amount, ...)
    note: str = ""

    def chart_rows(self):
        def number(v):
            return v if isinstance(v, int | Decimal) else 0

        if self.chart == "progress":
            return [
                {
                    "label": r[0],
                    "value": r[1],
                    "target": r[2],
                    "percent": min(100, round(100 * number(r[1]) / r[2])) if number(r[2]) else 0,
                }
                for r in self.rows
                if number(r[2])
            ]
        peak = max((number(r[1]) for r in self.rows), default=0) or 1
        return [{"label": r[0], "value": r[1], "percent": round(100 * number(r[1]) / peak)} for r in self.rows]


def _awards(window: Window):
    return Award.objects.filter(state=Award.State.ACTIVE, **window.on("approved_at"))


def _instalments(window: Window):
    return (
        Instalment.objects.filter(award__state=Award.State.ACTIVE, **window.on("award__approved_at"))
        .exclude(state=Instalment.State.CANCELLED)
    )  # fmt: skip


def _money(queryset, *group):
    return (
        queryset.values(*group)
        .annotate(
            committed=Sum("amount", default=ZERO),
            paid=Sum("amount", filter=Q(state=Instalment.State.PAID), default=ZERO),
        )
        .order_by(*group)
    )


def _money_by(window: Window, group: str, labels=None) -> list[list]:
    """Committed, paid and outstanding money grouped by an award field (one query)."""
    return [
        [labels.get(r[group], r[group]) if labels else r[group], r["committed"], r["paid"], r["committed"] - r["paid"]]
        for r in _money(_instalments(window), group)
    ]


def _target(window: Window, target):
    return target if window.cumulative else "—"


def build(window: Window | None = None) -> list[Table]:
    """Return every table of the dashboard (the page, the CSV and the XLSX show the same numbers)."""
    window = window or window_for(None)
    figures = _figures(window)
    tables = [_overall_table(window, figures), _titles_table(window), _studios_table(window), _counted_table(window),
              _others_table(window), _entered_table(window, figures), _competitions_table(window, figures)]  # fmt: skip
    tables += [_budget_table(), *_money_tables(window)]
    return tables


def _figures(window: Window) -> dict[str, dict[int, PolicyFigure]]:
    """The entered figures of the window's years, by indicator and year (a few dozen rows at most)."""
    found: dict[str, dict[int, PolicyFigure]] = {}
    for figure in PolicyFigure.objects.filter(year__gte=window.start.year, year__lte=window.end.year):
        found.setdefault(figure.indicator, {})[figure.year] = figure
    return found


def _latest(figures, code):
    years = figures.get(code, {})
    return years[max(years)] if years else None


def _source(figure) -> str:
    return (figure.source + _("（人工录入）")) if figure else _("尚未录入")


def _overall_table(window: Window, figures) -> Table:
    """总体目标 and §11: stock figures, the latest entered year of the window."""
    table = Table(
        "overall",
        _("总体目标与第11条（录入指标，取区间内最近年度）"),
        [_("指标"), _("数值"), _("目标"), _("完成情况"), _("年度"), _("来源")],
        chart="progress",
    )
    skilled, high, employed = (_latest(figures, c) for c in ("overall_skilled", "overall_high_skilled",
                                                               "overall_employed"))  # fmt: skip
    college = _latest(figures, "s11_technician_college")
    table.rows.append([
        _("技能人才总量（人）"), skilled.value if skilled else "—", SKILLED_TARGET,
        _pct(skilled.value, SKILLED_TARGET) if skilled else "", skilled.year if skilled else "—", _source(skilled),
    ])  # fmt: skip
    for label, part, whole, target in (
        (_("高技能人才占技能人才比例（%）"), high, skilled, HIGH_SKILLED_SHARE),
        (_("技能人才占就业人员比例（%）"), skilled, employed, SKILLED_SHARE),
    ):
        known = part is not None and whole is not None and whole.value > 0
        share = (Decimal(100 * part.value) / whole.value).quantize(Decimal("0.1")) if known else None
        table.rows.append([
            label, share if known else "—", target, (_("已达到") if share >= target else _("未达到")) if known else "",
            f"{part.year}/{whole.year}" if known else "—",
            f"{part.source}；{whole.source}" + _("（人工录入）") if known else _("尚未录入"),
        ])  # fmt: skip
    table.rows.append([
        _("万人技师学院（所）"), college.value if college else "—", TECHNICIAN_COLLEGE_TARGET,
        (_("已达到") if college.value >= TECHNICIAN_COLLEGE_TARGET else _("未达到")) if college else "",
        college.year if college else "—", _source(college),
    ])  # fmt: skip
    table.note = _("目标均为“到2025年”的目标；比例由录入的人数计算，目标为不低于 35%。")
    return table


def _titles_table(window: Window) -> Table:
    titles = dict(
        _awards(window).filter(scheme="craftsman_title").values_list("level").annotate(n=Count("pk")).order_by()
    )
    table = Table(
        "titles",
        _("第3条 工匠称号（区间内批准 / 名额）"),
        [_("称号"), _("已批准"), _("名额"), _("完成率")],
        chart="progress",
    )
    for level, quota in rules.TITLE_QUOTAS.items():
        n = titles.get(level, 0)
        table.rows.append([describe_level("craftsman_title", level), n, _target(window, quota),
                           _pct(n, quota) if window.cumulative else ""])  # fmt: skip
    return table


def _studios_table(window: Window) -> Table:
    """§6 新增: each studio counts once at each level it was newly rated at in the window (upgrades too; a studio
    that has since exited still counts; a bureau downgrade is not a new rating)."""
    new = dict(
        StudioLevelChange.objects.filter(**window.on("decided_at"))
        .annotate(to_rank=_rank("to_level"), from_rank=_rank("from_level"))
        .filter(to_rank__gt=F("from_rank"))
        .values_list("to_level")
        .annotate(n=Count("studio", distinct=True))
        .order_by()
    )
    current = Studio.objects.aggregate(
        active=Count("pk", filter=Q(exited_at__isnull=True)), exited=Count("pk", filter=Q(exited_at__isnull=False))
    )
    table = Table(
        "studios",
        _("第6条 技能大师工作室（区间内新增 / 目标）"),
        [_("级别"), _("新增"), _("目标"), _("完成率")],
        chart="progress",
    )
    for level, target in STUDIO_TARGETS.items():
        n = new.get(level, 0)
        table.rows.append([describe_level("master_studio", level), n, _target(window, target),
                           _pct(n, target) if window.cumulative else ""])  # fmt: skip
    table.rows.append([_("当前在册"), current["active"], "", ""])
    table.rows.append([_("已退出"), current["exited"], "", ""])
    table.note = _("升级的工作室在每个新评定的级别各计一次；已退出的工作室仍计入新增。")
    return table


def _rank(field_name: str) -> Case:
    """A studio level's rank in SQL (an empty or unknown level ranks 0)."""
    whens = [When(**{field_name: code}, then=Value(n)) for code, n in STUDIO_RANK.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _counted_table(window: Window) -> Table:
    apprentices = Apprentice.objects.filter(
        application__award__state=Award.State.ACTIVE, amount__gt=0, **window.on("application__award__approved_at")
    ).aggregate(n=Count("person", distinct=True))["n"]
    filings = dict(
        EvaluationFiling.objects.filter(**window.on_dates("filed_on")).values_list("kind").annotate(n=Count("pk"))
        .order_by()
    )  # fmt: skip
    table = Table(
        "counted", _("第8、9条（区间内新增）"), [_("指标"), _("完成"), _("目标"), _("完成率")], chart="progress"
    )
    table.rows.append([_("§9 企业新型学徒（人）"), apprentices, _target(window, APPRENTICE_TARGET),
                       _pct(apprentices, APPRENTICE_TARGET) if window.cumulative else ""])  # fmt: skip
    for kind, target in FILING_TARGETS.items():
        n = filings.get(kind, 0)
        table.rows.append([str(EvaluationFiling.Kind(kind).label), n, _target(window, target),
                           _pct(n, target) if window.cumulative else ""])  # fmt: skip
    return table


def _others_table(window: Window) -> Table:
    bases = _awards(window).filter(scheme="training_base").values_list("level").annotate(n=Count("pk")).order_by()
    competitions = (
        _awards(window)
        .filter(scheme="competition")
        .values_list("application__details__competition")
        .annotate(n=Count("pk"))
        .order_by()
    )
    kinds = dict(COMPETITION_KINDS)
    table = Table("others", _("第4、5条 竞赛获奖与培训基地（区间内批准）"), [_("项目"), _("项数")], chart="bars")
    table.rows += [[describe_level("training_base", level), n] for level, n in bases]
    table.rows += [[str(kinds.get(code, code or "—")), n] for code, n in competitions]
    return table


def _entered_table(window: Window, figures) -> Table:
    """§1 and §2: the sum of the entered yearly figures over the window's years (cumulative targets)."""
    table = Table(
        "entered",
        _("第1、2条 录入指标（区间内各年度累计，人工录入）"),
        [_("指标"), _("累计"), _("目标"), _("完成率"), _("年度"), _("来源")],
        chart="progress",
    )
    for code, target in CUMULATIVE_TARGETS.items():
        years = figures.get(code, {})
        value = sum(f.value for f in years.values())
        sources = "；".join(dict.fromkeys(f.source for f in years.values()))
        table.rows.append([
            str(PolicyFigure.Indicator(code).label), value, _target(window, target),
            _pct(value, target) if window.cumulative else "",
            "、".join(str(y) for y in sorted(years)) or "—",
            (sources + _("（人工录入）")) if years else _("尚未录入"),
        ])  # fmt: skip
    table.note = _("年度数字按录入年度计入；2021 年度只录政策发布（2021-10-20）以后的数字。")
    return table


def _competitions_table(window: Window, figures) -> Table:
    """§4: at least 20 city-level competitions a year, one row per year of the window."""
    table = Table(
        "city_competitions",
        _("第4条 市级技能竞赛（每年不少于20场，人工录入）"),
        [_("年度"), _("场数"), _("目标"), _("完成率"), _("来源")],
        chart="progress",
    )
    years = figures.get("s4_city_competitions", {})
    for year in window.years:
        figure = years.get(year)
        value = figure.value if figure else 0
        table.rows.append([str(year), value, CITY_COMPETITIONS_PER_YEAR,
                           _pct(value, CITY_COMPETITIONS_PER_YEAR) if figure else "", _source(figure)])  # fmt: skip
    return table


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


def _money_tables(window: Window) -> list[Table]:
    money_columns = [_("分组"), _("已批准（元）"), _("已支付（元）"), _("待支付（元）")]
    scheme_labels = dict(registry.choices())
    by_scheme = Table(
        "money_scheme",
        _("资金：按类别（区间内批准的资助）"),
        money_columns,
        [[str(scheme_labels.get(r[0], r[0])), *r[1:]] for r in _money_by(window, "award__scheme")],
        chart="bars",
    )
    by_level = Table(
        "money_level",
        _("资金：按类别与级别"),
        money_columns,
        [
            [f"{scheme_labels.get(r['award__scheme'], r['award__scheme'])} · "
             f"{describe_level(r['award__scheme'], r['award__level']) or '—'}",
             r["committed"], r["paid"], r["committed"] - r["paid"]]
            for r in _money(_instalments(window), "award__scheme", "award__level")
        ],
    )  # fmt: skip
    districts = {d.pk: d.display_name for d in District.objects.all()}
    by_district = Table(
        "money_district",
        _("资金：按区县"),
        money_columns,
        _money_by(window, "award__application__district", districts),
        chart="bars",
    )
    by_year = Table(
        "money_year",
        _("资金：按批准年度"),
        money_columns,
        [
            [r["approved_year"], r["committed"], r["paid"], r["committed"] - r["paid"]]
            for r in _money(_instalments(window).annotate(approved_year=ExtractYear("award__approved_at")),
                            "approved_year")
        ],
    )  # fmt: skip
    return [by_scheme, by_level, by_district, by_year]


def _pct(value, target) -> str:
    return f"{100 * value / target:.1f}%" if target else ""
