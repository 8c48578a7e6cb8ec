"""Compute what a claim is worth under the Huzhou craftsman policy (湖州工匠培育工程实施意见).

Pure policy maths: no Django, no project imports, no I/O, no settings. The contract is
``shared/policy/RULES.md``; clause numbers ("第3条") are the policy's own numbered measures.

Every rate table and limit belongs to a policy **edition** (``Edition``; ``EDITIONS`` maps code -> edition).
A claim names its edition (default ``huzhou-2021``, the 2021 text) and its decision records the edition that
computed it. Editions are never redefined, so adding one never changes what an earlier edition computes.
Labels (codes and Chinese names) are shared by all editions; the 2021 tables live in ``subsidies.rule_tables``
and are re-exported here under their old names.

Money is ``Decimal`` built from strings, held to the fen and rounded with ``ROUND_HALF_UP`` on purpose
(``round()`` is banker's rounding). Money fields of a ``Claim`` accept ``Decimal``, ``int`` or a numeric
``str``; ``float`` and ``bool`` are refused with ``RuleError`` because a float cannot hold a fen exactly.

A malformed claim (unknown code, a value the policy forbids) raises ``RuleError``; a well-formed claim that
earns nothing returns ``Decision(eligible=False, total=Decimal("0"), installments=())`` with the reason.
Only the fields a scheme uses are validated; the others are ignored.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from types import MappingProxyType

from subsidies.rule_tables import (
    APPRENTICE_MAX_STANDARD,
    APPRENTICE_MIN_CONTRACT_MONTHS,
    CLAUSES_2021,
    COMPETITION_AWARDS,
    COMPETITION_RESULTS,
    COMPETITIONS,
    CRAFTSMAN_TITLE_AMOUNTS,
    CRAFTSMAN_TITLES,
    DIRECT_RECOGNITION,
    MASTER_STUDIO_AMOUNTS,
    MASTER_STUDIOS,
    MONTHS_PER_YEAR,
    MUNICIPAL_STUDIO_MIN_AMOUNT,
    PROVINCIAL_TITLES,
    ROLE_BASIS,
    ROLES,
    ROUND_SET_SCHEMES,
    SCHEMES,
    TITLE_QUOTAS,
    TRAINING_BASE_AMOUNTS,
    TRAINING_BASE_KIND,
    TRAINING_BASES,
    TWO_YEAR_TITLES,
)

DEFAULT_EDITION = "huzhou-2021"
POLICY_EDITION = DEFAULT_EDITION  # the name code written before editions existed imports

Money = Decimal | int | str

FEN = Decimal("0.01")
ZERO = Decimal("0")
# The largest value a DecimalField(max_digits=14, decimal_places=2) holds; larger inputs are refused.
MONEY_MAX = Decimal("999999999999.99")
# Our own arithmetic context, so a caller's decimal.getcontext() changes can never alter an amount.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])

_LEVEL_TABLES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "craftsman_title": CRAFTSMAN_TITLES,
        "competition": COMPETITION_RESULTS,
        "training_base": TRAINING_BASES,
        "master_studio": MASTER_STUDIOS,
    }
)


class RuleError(ValueError):
    """A claim the policy cannot evaluate; the message says which field to fix and how."""


# --- Editions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """Every rate table and limit of one policy text; codes in the tables are those of the label tables.

    Tables may be given as dicts: they are copied into read-only mappings, and amounts (Decimal, int or
    numeric str, never float) become whole-fen Decimals, so nothing can change an edition once it exists.
    ``clauses`` maps each scheme to the clause its basis cites (default: the 2021 numbering).
    """

    code: str
    title: str
    craftsman_title_amounts: Mapping[str, Decimal]
    two_year_titles: frozenset[str]
    title_quotas: Mapping[str, int]
    direct_recognition: Mapping[str, str]
    competition_awards: Mapping[str, Mapping[str, Mapping[str, Decimal | None]]]
    training_base_amounts: Mapping[str, Decimal]
    master_studio_amounts: Mapping[str, Decimal | None]
    municipal_studio_min_amount: Decimal
    apprentice_max_standard: Decimal
    apprentice_min_contract_months: int
    schemes: frozenset[str]
    clauses: Mapping[str, str] = field(default_factory=lambda: CLAUSES_2021)

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code or self.code != self.code.strip():
            raise RuleError(f"Edition.code 取值 {self.code!r} 无效：须为非空、无首尾空格的字符串，如 'huzhou-2026'")
        at = f"Edition {self.code}: "
        if not isinstance(self.title, str) or not self.title.strip():
            raise RuleError(f"{at}title 取值 {self.title!r} 无效：须写明政策文件名称")
        fix = functools.partial(object.__setattr__, self)  # frozen: tables are normalised once, here
        fix("schemes", frozenset(_keys(at + "schemes", self.schemes, SCHEMES)))
        titles = _amounts(at + "craftsman_title_amounts", self.craftsman_title_amounts, CRAFTSMAN_TITLES)
        fix("craftsman_title_amounts", titles)
        fix("two_year_titles", frozenset(_keys(at + "two_year_titles", self.two_year_titles, titles)))
        quotas = dict(_items(at + "title_quotas", self.title_quotas))
        _keys(at + "title_quotas", quotas, titles)
        fix("title_quotas", MappingProxyType({c: _count(f"{at}title_quotas[{c}]", n) for c, n in quotas.items()}))
        recognition = dict(_items(at + "direct_recognition", self.direct_recognition))
        _keys(at + "direct_recognition", recognition, PROVINCIAL_TITLES)
        _keys(at + "direct_recognition 的取值", list(recognition.values()), titles)
        fix("direct_recognition", MappingProxyType(recognition))
        awards = {}
        for competition, results in _items(at + "competition_awards", self.competition_awards):
            _keys(at + "competition_awards", [competition], COMPETITIONS)
            where = f"{at}competition_awards[{competition}]"
            _keys(where, dict(_items(where, results)), COMPETITION_RESULTS)
            awards[competition] = MappingProxyType(
                {result: _amounts(f"{where}[{result}]", row, ROLES, optional=True) for result, row in results.items()}
            )
        fix("competition_awards", MappingProxyType(awards))
        fix("training_base_amounts", _amounts(at + "training_base_amounts", self.training_base_amounts, TRAINING_BASES))
        studios = _amounts(at + "master_studio_amounts", self.master_studio_amounts, MASTER_STUDIOS, optional=True)
        fix("master_studio_amounts", studios)
        for name in ("municipal_studio_min_amount", "apprentice_max_standard"):
            fix(name, _money(at + name, getattr(self, name)))
        months = _count(at + "apprentice_min_contract_months", self.apprentice_min_contract_months)
        fix("apprentice_min_contract_months", months)
        clauses = dict(_items(at + "clauses", self.clauses))
        missing = [s for s in SCHEMES if s in self.schemes and not isinstance(clauses.get(s), str)]
        if missing:
            raise RuleError(f"{at}clauses 缺少方案 {'、'.join(missing)} 的条款号（如 '第9条'）")
        fix("clauses", MappingProxyType(clauses))


def edition(code: str) -> Edition:
    """Return the policy edition with this code (RuleError names the known codes)."""
    return _lookup_edition(code)


def register_edition(ed: Edition) -> None:
    """Add a policy edition; an existing code is refused, because an edition is never redefined.

    For a new policy text (register it once at start-up, next to the tables that define it) and for tests.
    Editions live in this process only: every process that evaluates claims of an edition must register it.
    """
    if not isinstance(ed, Edition):
        raise RuleError(f"register_edition 需要一个 Edition，收到的是 {type(ed).__name__}")
    if ed.code in _EDITIONS:
        raise RuleError(
            f"edition 取值 {ed.code!r} 无效：政策版本 {ed.code} 已存在（{_EDITIONS[ed.code].title}），"
            "版本一经登记不得重新定义；修订的政策请用新的版本代码"
        )
    _EDITIONS[ed.code] = ed


def unregister_edition(code: str) -> None:
    """Remove a registered edition (for tests); the default edition huzhou-2021 is never removed."""
    if code == DEFAULT_EDITION:
        raise RuleError(f"edition 取值 {code!r} 无效：默认政策版本 {DEFAULT_EDITION} 不能移除")
    del _EDITIONS[edition(code).code]


# --- Claims and decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One thing a person or organisation claims under one scheme; see RULES.md for the fields."""

    scheme: str = ""
    level: str = ""
    competition: str = ""
    role: str = "contestant"
    provincial_title: str = ""
    # The direct-recognition condition (在湖申报入选或市外全职引进). RULES.md names only the False case as not
    # eligible, so the contract's default is True; the portal's forms always set it from the applicant's
    # declaration and its proof, so the default never decides a real claim.
    in_huzhou: bool = True
    already_received: Money = ZERO
    # master_studio (municipal) and the round-set schemes (tuition, post_allowance, living_allowance).
    amount: Money = MUNICIPAL_STUDIO_MIN_AMOUNT
    standard: Money = APPRENTICE_MAX_STANDARD
    trained_months: int = 0
    filed_months: int = 0
    contract_months: int = 0
    edition: str = DEFAULT_EDITION


@dataclass(frozen=True)
class Installment:
    """One payment of an award: the year it falls due (1 = on approval) and its amount."""

    year: int
    amount: Decimal


@dataclass(frozen=True)
class Decision:
    """What a claim is worth, how it is paid, why, and which policy edition said so."""

    eligible: bool
    total: Decimal
    installments: tuple[Installment, ...]
    basis: str
    edition: str = DEFAULT_EDITION


def level_label(scheme: str, level: str) -> str:
    """Return the Chinese name of a scheme's level code."""
    table = _LEVEL_TABLES.get(_code("scheme", scheme, SCHEMES, "方案"))
    if table is None:
        raise RuleError(f"方案 {scheme} 没有级别（level）划分")
    return table[_code("level", level, table, f"{scheme} 的级别")]


def scheme_maximum(
    scheme: str,
    *,
    municipal_amount: Money | None = None,
    filed_months: int = MONTHS_PER_YEAR,
    amount: Money | None = None,
    edition: str = DEFAULT_EDITION,
) -> Decimal:
    """Return the largest total one claim under the scheme can yield in an edition.

    craftsman_title: the highest title (就高, never twice). master_studio: the municipal amount is open-ended,
    so the ceiling assumes the round's ``municipal_amount`` (default the edition's floor, 50,000 in 2021) and
    is the larger of it and the highest fixed studio amount. apprenticeship: totals scale with months, so the
    ceiling is per apprentice for ``filed_months`` at the maximum standard (default 12 months: one
    person-year). tuition, post_allowance, living_allowance: the text sets no maximum, so the ceiling is the
    round's ``amount`` (required).
    """
    with localcontext(_CONTEXT):
        ed = _lookup_edition(edition)
        scheme = _scheme(scheme, ed)
        if scheme in ROUND_SET_SCHEMES:
            if amount is None:
                raise RuleError(f"amount 未填写：{SCHEMES[scheme]}没有政策上限，最高额即批次确定的金额，须传入 amount")
            return _fen(_round_amount(scheme, amount, ed))
        return _fen(_MAXIMA[scheme](ed, municipal_amount, filed_months))


def _competition_maximum(ed: Edition, _municipal: object, _months_: int) -> Decimal:
    levels = ed.competition_awards.values()
    return max((a for roles in levels for row in roles.values() for a in row.values() if a is not None), default=ZERO)


def _studio_maximum(ed: Edition, municipal_amount: Money | None, _months_: int) -> Decimal:
    floor = ed.municipal_studio_min_amount
    municipal = _municipal_amount(floor if municipal_amount is None else municipal_amount, ed)
    return max([municipal, *(a for a in ed.master_studio_amounts.values() if a is not None)])


def _apprentice_maximum(ed: Edition, _municipal: object, filed_months: int) -> Decimal:
    return ed.apprentice_max_standard * _months("filed_months", filed_months) / MONTHS_PER_YEAR


# The ceiling of one claim, per scheme with a policy ceiling (the round-set schemes have none: see above).
_MAXIMA = {
    "craftsman_title": lambda ed, _m, _f: max(ed.craftsman_title_amounts.values(), default=ZERO),
    "competition": _competition_maximum,
    "training_base": lambda ed, _m, _f: max(ed.training_base_amounts.values(), default=ZERO),
    "master_studio": _studio_maximum,
    "apprenticeship": _apprentice_maximum,
}


def evaluate(claim: Claim) -> Decision:
    """Return the decision the claim's policy edition gives for it."""
    if not isinstance(claim, Claim):
        raise RuleError(f"evaluate 需要一个 Claim，收到的是 {type(claim).__name__}")
    with localcontext(_CONTEXT):
        ed = _lookup_edition(claim.edition)
        scheme = _scheme(claim.scheme, ed)
        return dataclasses.replace(_EVALUATORS[scheme](claim, ed), edition=ed.code)


# --- Evaluators, one per scheme; each reads every amount from the claim's edition ----------------------


def _craftsman_title(claim: Claim, ed: Edition) -> Decision:
    clause = ed.clauses["craftsman_title"]
    amounts = ed.craftsman_title_amounts
    already = _money("already_received", claim.already_received)
    if not isinstance(claim.in_huzhou, bool):
        raise RuleError(f"in_huzhou 取值 {claim.in_huzhou!r} 无效：只能是 True 或 False")
    if claim.provincial_title and claim.level:
        raise RuleError(
            f"level（{claim.level!r}）和 provincial_title（{claim.provincial_title!r}）只能填一个："
            "遴选的称号填 level，直接认定填 provincial_title 并把 level 留空"
        )
    if claim.provincial_title:
        labels = PROVINCIAL_TITLES
        provincial = _code("provincial_title", claim.provincial_title, ed.direct_recognition, "浙江省工匠称号", labels)
        level = ed.direct_recognition[provincial]
        title = f"{PROVINCIAL_TITLES[provincial]}直接认定为{CRAFTSMAN_TITLES[level]}"
        if not claim.in_huzhou:
            return _not_eligible(
                f"{clause} {PROVINCIAL_TITLES[provincial]} 须为在湖申报入选或市外全职引进方可直接认定为"
                f"{CRAFTSMAN_TITLES[level]}，不符合条件，不予认定资助"
            )
    else:
        level = _code("level", claim.level, amounts, "craftsman_title 的级别", CRAFTSMAN_TITLES)
        title = CRAFTSMAN_TITLES[level]
    award = amounts[level]
    two_years = level in ed.two_year_titles
    schedule = "分两年拨付" if two_years else "一次性拨付"
    if already >= award:
        return _not_eligible(
            f"{clause} {title} 资助{_yuan(award)}，已享受{_yuan(already)}，"
            "按就高、不重复享受原则已足额资助，不再拨付（称号仍可认定）"
        )
    payable = award - already
    if already:
        basis = f"{clause} {title} 资助{_yuan(award)}，已享受{_yuan(already)}，按就高、不重复享受原则补差"
        basis += f"{_yuan(payable)}，{schedule}"
    else:
        basis = f"{clause} {title} 资助{_yuan(award)}，{schedule}"
    return _eligible(payable, basis, two_years=two_years)


def _competition(claim: Claim, ed: Edition) -> Decision:
    clause = ed.clauses["competition"]
    competition = _code("competition", claim.competition, ed.competition_awards, "竞赛", COMPETITIONS)
    results = ed.competition_awards[competition]
    level = claim.level
    if level == "" and len(results) == 1:
        # A competition with a single result (国家集训队: 入选) needs no level to say which.
        (level,) = results
    level = _code("level", level, results, f"{competition} 的成绩", labels=COMPETITION_RESULTS)
    role = _code("role", claim.role, ROLES, "角色")
    what = _result_phrase(competition, level)
    row = results[level]
    amount = row.get(role)
    if amount is None:
        paid = "、".join(ROLES[r] for r, a in row.items() if a is not None)
        return _not_eligible(f"{clause} {what} {ROLES[role]}不在奖励范围（政策只奖励{paid}），不予奖励")
    reason = ROLE_BASIS.get((competition, role), f"{ROLES[role]}一次性奖励")
    return _eligible(amount, f"{clause} {what} {reason}")


def _training_base(claim: Claim, ed: Edition) -> Decision:
    level = _code("level", claim.level, ed.training_base_amounts, "training_base 的级别", TRAINING_BASES)
    amount = ed.training_base_amounts[level]
    kind = TRAINING_BASE_KIND.get(level, "资助")
    return _eligible(amount, f"{ed.clauses['training_base']} {TRAINING_BASES[level]} {kind}{_yuan(amount)}，一次性拨付")


def _master_studio(claim: Claim, ed: Edition) -> Decision:
    clause = ed.clauses["master_studio"]
    level = _code("level", claim.level, ed.master_studio_amounts, "master_studio 的级别", MASTER_STUDIOS)
    fixed = ed.master_studio_amounts[level]
    if fixed is None:
        amount = _municipal_amount(claim.amount, ed)
        floor = _yuan(ed.municipal_studio_min_amount)
        basis = f"{clause} {MASTER_STUDIOS[level]} 资助{_yuan(amount)}（每家不少于{floor}）"
    else:
        amount = fixed
        basis = f"{clause} {MASTER_STUDIOS[level]} 配套资助{_yuan(amount)}"
    return _eligible(amount, basis)


def _apprenticeship(claim: Claim, ed: Edition) -> Decision:
    clause = ed.clauses["apprenticeship"]
    _no_level(claim)
    standard = _money("standard", claim.standard)
    if standard <= ZERO or standard > ed.apprentice_max_standard:
        raise RuleError(
            f"standard 取值 {_yuan(standard)} 无效：补贴标准须大于0元，"
            f"且每人每年不高于{_yuan(ed.apprentice_max_standard)}（{clause}）"
        )
    trained = _months("trained_months", claim.trained_months)
    filed = _months("filed_months", claim.filed_months)
    contract = _months("contract_months", claim.contract_months)
    minimum = ed.apprentice_min_contract_months
    if contract < minimum:
        term = "一年及以上" if minimum == MONTHS_PER_YEAR else f"{minimum}个月及以上"
        return _not_eligible(f"{clause} 企业新型学徒须与企业签订{term}劳动合同（现为{contract}个月），不予补贴")
    if trained == 0:
        return _not_eligible(f"{clause} 企业新型学徒 实际培训期限为0个月，没有可补贴的期限")
    if filed == 0:
        return _not_eligible(f"{clause} 企业新型学徒 备案期限为0个月，补贴期限不超过备案期限，没有可补贴的期限")
    months = min(trained, filed)
    total = _fen(standard * months / MONTHS_PER_YEAR)
    capped = "（不超过备案期限）" if trained > filed else ""
    basis = f"{clause} 企业新型学徒 补贴标准每人每年{_yuan(standard)} × 补贴期限{months}个月{capped} ÷ 12"
    if total == ZERO:  # e.g. a 0.01 yuan standard for one month: nothing is left to pay after rounding
        return _not_eligible(f"{basis} 不足0.01元，没有可拨付的金额")
    return _eligible(total, f"{basis} = {_yuan(total)}")


def _round_set(claim: Claim, ed: Edition) -> Decision:
    """tuition, post_allowance, living_allowance: one person (one year), the round's amount, one lump sum."""
    _no_level(claim)
    amount = _round_amount(claim.scheme, claim.amount, ed)
    what, per = ROUND_SET_SCHEMES[claim.scheme]
    return _eligible(amount, f"{ed.clauses[claim.scheme]} {what} {per}{_yuan(amount)}（区县结合实际，由批次确定）")


_EVALUATORS = {
    "craftsman_title": _craftsman_title,
    "competition": _competition,
    "training_base": _training_base,
    "master_studio": _master_studio,
    "apprenticeship": _apprenticeship,
    "tuition": _round_set,
    "post_allowance": _round_set,
    "living_allowance": _round_set,
}


# --- Helpers ----------------------------------------------------------------------------------------


def _lookup_edition(code: object) -> Edition:
    labels = {c: e.title for c, e in _EDITIONS.items()}
    return _EDITIONS[_code("edition", code, _EDITIONS, "政策版本", labels)]


def _scheme(scheme: object, ed: Edition) -> str:
    """Return the scheme code if the edition covers it, else raise RuleError naming the edition's schemes."""
    covered = {code: label for code, label in SCHEMES.items() if code in ed.schemes}
    return _code("scheme", scheme, covered, f"政策版本 {ed.code} 的方案", SCHEMES)


def _no_level(claim: Claim) -> None:
    if claim.level:
        raise RuleError(f"level 取值 {claim.level!r} 无效：{claim.scheme} 没有级别，level 须留空")


def _round_amount(scheme: str, value: object, ed: Edition) -> Decimal:
    """The round's amount for tuition, post_allowance or living_allowance: positive, to the fen."""
    what, per = ROUND_SET_SCHEMES[scheme]
    rule = f"{what}{per}金额须大于0元、最多精确到分（{ed.clauses[scheme]}，区县结合实际由批次确定）"
    try:
        amount = _money("amount", value)
    except RuleError as error:
        raise RuleError(f"{error}；{rule}") from None
    if amount <= ZERO:
        raise RuleError(f"amount 取值 {_yuan(amount)} 无效：{rule}")
    return amount


def _eligible(total: Decimal, basis: str, *, two_years: bool = False) -> Decision:
    total = _fen(total)
    installments = _two_years(total) if two_years else (Installment(year=1, amount=total),)
    return Decision(eligible=True, total=total, installments=installments, basis=basis)


def _not_eligible(basis: str) -> Decision:
    return Decision(eligible=False, total=ZERO, installments=(), basis=basis)


def _two_years(payable: Decimal) -> tuple[Installment, ...]:
    """Split a payable amount into two equal yearly halves, the odd fen going to year 1."""
    first = _fen(payable / 2)
    second = payable - first
    if second == ZERO:  # 0.01 cannot be split: a zero instalment would only be an empty payment line
        return (Installment(year=1, amount=first),)
    return (Installment(year=1, amount=first), Installment(year=2, amount=second))


def _fen(value: Decimal) -> Decimal:
    """Round to the fen, half up."""
    if value > MONEY_MAX:
        raise RuleError(f"金额 {value:f} 超出可记录的上限 {MONEY_MAX:f} 元")
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _money(field: str, value: object) -> Decimal:
    """Turn a Decimal, int or numeric str into a non-negative whole-fen Decimal."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise RuleError(
            f"{field} 取值 {value!r} 无效：金额须为 Decimal、整数或数字字符串（如 '10000.00'），不接受浮点数"
        )
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RuleError(f"{field} 取值 {value!r} 无效：不是数字") from None
    if not amount.is_finite():
        raise RuleError(f"{field} 取值 {value!r} 无效：须为有限的数")
    if amount < ZERO:
        raise RuleError(f"{field} 取值 {amount:f} 无效：金额不能为负数")
    if amount > MONEY_MAX:
        raise RuleError(f"{field} 取值 {amount:f} 无效：金额不能超过 {MONEY_MAX:f} 元")
    if amount != amount.quantize(FEN):
        raise RuleError(f"{field} 取值 {amount:f} 无效：金额最多精确到分（两位小数）")
    return amount + ZERO  # normalise -0 to 0


def _municipal_amount(value: object, ed: Edition) -> Decimal:
    amount = _money("amount", value)
    if amount < ed.municipal_studio_min_amount:
        raise RuleError(
            f"amount 取值 {_yuan(amount)} 无效："
            f"市级技能大师工作室每家资助不少于{_yuan(ed.municipal_studio_min_amount)}（{ed.clauses['master_studio']}）"
        )
    return amount


def _months(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{field} 取值 {value!r} 无效：月数须为整数")
    if value < 0:
        raise RuleError(f"{field} 取值 {value} 无效：月数不能为负数")
    return value


def _code(
    field: str, value: object, table: Mapping[str, object], what: str, labels: Mapping[str, str] | None = None
) -> str:
    """Return value if it is a key of table, else raise RuleError listing the allowed codes."""
    if isinstance(value, str) and value in table:
        return value
    labels = labels if labels is not None else table
    allowed = "、".join(f"{code}（{labels[code]}）" for code in table)
    raise RuleError(f"{field} 取值 {value!r} 无效：{what}只能是 {allowed}")


def _result_phrase(competition: str, level: str) -> str:
    if level == "selected":
        return f"入选{COMPETITIONS[competition]}"
    return f"{COMPETITIONS[competition]}{COMPETITION_RESULTS[level]}"


def _yuan(amount: Decimal) -> str:
    """Format yuan for a basis line: 190,000元, 199,999.99元."""
    if amount == amount.to_integral_value():
        return f"{amount.quantize(Decimal('1')):,}元"
    return f"{amount.quantize(FEN):,}元"


# --- Checks that an edition's tables use known codes and hold money, not floats ------------------------


def _items(field: str, table: object) -> list[tuple[object, object]]:
    if not isinstance(table, Mapping):
        raise RuleError(f"{field} 取值 {table!r} 无效：须为映射（dict），代码 -> 取值")
    return list(table.items())


def _keys(field: str, codes: object, allowed: Mapping[str, object]) -> list[str]:
    """Return codes as a list if every one is a key of allowed, else raise RuleError listing the allowed codes."""
    if isinstance(codes, str) or not isinstance(codes, (Mapping, set, frozenset, list, tuple, type({}.keys()))):
        raise RuleError(f"{field} 取值 {codes!r} 无效：须为代码的集合")
    for code in codes:
        if not isinstance(code, str) or code not in allowed:
            raise RuleError(f"{field} 含代码 {code!r} 无效：只能是 {'、'.join(allowed)}")
    return list(codes)


def _amounts(
    field: str, table: object, labels: Mapping[str, str], *, optional: bool = False
) -> Mapping[str, Decimal | None]:
    """Copy a code -> amount table into a read-only one of whole-fen Decimals (None: not paid, if optional)."""
    rows = dict(_items(field, table))
    _keys(field, rows, labels)
    return MappingProxyType(
        {code: None if optional and a is None else _money(f"{field}[{code}]", a) for code, a in rows.items()}
    )


def _count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(f"{field} 取值 {value!r} 无效：须为非负整数")
    return value


# --- The editions, built last because an Edition checks its tables with the helpers above -------------

HUZHOU_2021 = Edition(
    code="huzhou-2021",
    title="湖州工匠培育工程实施意见（2021）",
    craftsman_title_amounts=CRAFTSMAN_TITLE_AMOUNTS,
    two_year_titles=TWO_YEAR_TITLES,
    title_quotas=TITLE_QUOTAS,
    direct_recognition=DIRECT_RECOGNITION,
    competition_awards=COMPETITION_AWARDS,
    training_base_amounts=TRAINING_BASE_AMOUNTS,
    master_studio_amounts=MASTER_STUDIO_AMOUNTS,
    municipal_studio_min_amount=MUNICIPAL_STUDIO_MIN_AMOUNT,
    apprentice_max_standard=APPRENTICE_MAX_STANDARD,
    apprentice_min_contract_months=APPRENTICE_MIN_CONTRACT_MONTHS,
    schemes=frozenset(SCHEMES),
    clauses=CLAUSES_2021,
)

_EDITIONS: dict[str, Edition] = {HUZHOU_2021.code: HUZHOU_2021}
# A read-only live view: register_edition and unregister_edition are the only ways to change it.
EDITIONS: Mapping[str, Edition] = MappingProxyType(_EDITIONS)
