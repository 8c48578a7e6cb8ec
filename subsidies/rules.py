"""Compute what a claim is worth under the Huzhou craftsman policy (湖州工匠培育工程实施意见, 2021).

Pure policy maths: no Django, no project imports, no I/O, no settings. The contract is
``shared/policy/RULES.md``; clause numbers ("第3条") are the policy's own numbered measures.

Money is ``Decimal`` built from strings, held to the fen and rounded with ``ROUND_HALF_UP`` on purpose
(``round()`` is banker's rounding). Money fields of a ``Claim`` accept ``Decimal``, ``int`` or a numeric
``str``; ``float`` and ``bool`` are refused with ``RuleError`` because a float cannot hold a fen exactly.

A malformed claim (unknown code, a value the policy forbids) raises ``RuleError``; a well-formed claim that
earns nothing returns ``Decision(eligible=False, total=Decimal("0"), installments=())`` with the reason.
Only the fields a scheme uses are validated; the others are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from types import MappingProxyType

POLICY_EDITION = "huzhou-2021"

Money = Decimal | int | str

FEN = Decimal("0.01")
ZERO = Decimal("0")
# The largest value a DecimalField(max_digits=14, decimal_places=2) holds; larger inputs are refused.
MONEY_MAX = Decimal("999999999999.99")
# Our own arithmetic context, so a caller's decimal.getcontext() changes can never alter an amount.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def _D(text: str) -> Decimal:
    return Decimal(text)


SCHEMES: Mapping[str, str] = MappingProxyType(
    {
        "craftsman_title": "湖州工匠遴选资助",
        "competition": "技能竞赛奖励",
        "training_base": "公共实训基地资助",
        "master_studio": "技能大师工作室资助",
        "apprenticeship": "企业新型学徒培训补贴",
    }
)

# --- 第3条 大力遴选优秀技能人才 -------------------------------------------------------------------
CRAFTSMAN_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "grand": "湖州大工匠",
        "craftsman": "湖州工匠",
        "rural": "湖州乡村工匠",
        "youth": "湖州青年工匠",
    }
)
# 第3条: "分别给予20万元、1万元、1万元、0.5万元资助", 按照就高、不重复享受原则.
CRAFTSMAN_TITLE_AMOUNTS: Mapping[str, Decimal] = MappingProxyType(
    {
        "grand": _D("200000"),
        "craftsman": _D("10000"),
        "rural": _D("10000"),
        "youth": _D("5000"),
    }
)
# 第3条: "湖州大工匠资助分两年拨付到位", the others "一次性拨付到位".
TWO_YEAR_TITLES = frozenset({"grand"})
# 第3条: quotas to 2025, "左右" (approximately) - soft limits that warn reviewers, never block.
TITLE_QUOTAS: Mapping[str, int] = MappingProxyType({"grand": 50, "craftsman": 250, "rural": 250, "youth": 1000})
PROVINCIAL_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "zhejiang_grand": "浙江大工匠",
        "zhejiang_outstanding": "浙江杰出工匠",
        "zhejiang_craftsman": "浙江工匠",
        "zhejiang_youth": "浙江青年工匠",
    }
)
# 第3条 second sentence: 在湖申报入选和市外全职引进的 provincial titles are recognised directly (直接认定).
DIRECT_RECOGNITION: Mapping[str, str] = MappingProxyType(
    {
        "zhejiang_grand": "grand",
        "zhejiang_outstanding": "grand",
        "zhejiang_craftsman": "craftsman",
        "zhejiang_youth": "youth",
    }
)

# --- 第4条 发挥技能竞赛引领作用 -------------------------------------------------------------------
COMPETITIONS: Mapping[str, str] = MappingProxyType(
    {
        "world_skills_national_team": "世界技能大赛国家集训队",
        "world_skills": "世界技能大赛",
        "china_skills": "中国技能大赛",
    }
)
COMPETITION_RESULTS: Mapping[str, str] = MappingProxyType(
    {"selected": "入选", "gold": "金牌", "silver": "银牌", "bronze": "铜牌", "excellence": "优胜奖"}
)
ROLES: Mapping[str, str] = MappingProxyType(
    {"contestant": "选手", "coach": "带队教练", "expert_team": "技术指导专家团队"}
)
# 第4条, all one-time lump sums (一次性奖励): 国家集训队选手每人5万元, 带队教练享受同等待遇; 世界技能大赛
# 金、银、铜牌和优胜奖选手100万、50万、20万、10万元, 技术指导专家团队按减半标准 (per team); 中国技能大赛
# 金、银、铜牌和优胜奖选手20万、15万、10万、2万元. None is a "—" cell: the policy grants that role nothing.
COMPETITION_AWARDS: Mapping[str, Mapping[str, Mapping[str, Decimal | None]]] = MappingProxyType(
    {
        "world_skills_national_team": MappingProxyType(
            {"selected": MappingProxyType({"contestant": _D("50000"), "coach": _D("50000"), "expert_team": None})}
        ),
        "world_skills": MappingProxyType(
            {
                "gold": MappingProxyType({"contestant": _D("1000000"), "coach": None, "expert_team": _D("500000")}),
                "silver": MappingProxyType({"contestant": _D("500000"), "coach": None, "expert_team": _D("250000")}),
                "bronze": MappingProxyType({"contestant": _D("200000"), "coach": None, "expert_team": _D("100000")}),
                "excellence": MappingProxyType({"contestant": _D("100000"), "coach": None, "expert_team": _D("50000")}),
            }
        ),
        "china_skills": MappingProxyType(
            {
                "gold": MappingProxyType({"contestant": _D("200000"), "coach": None, "expert_team": None}),
                "silver": MappingProxyType({"contestant": _D("150000"), "coach": None, "expert_team": None}),
                "bronze": MappingProxyType({"contestant": _D("100000"), "coach": None, "expert_team": None}),
                "excellence": MappingProxyType({"contestant": _D("20000"), "coach": None, "expert_team": None}),
            }
        ),
    }
)
# How the basis names the reason a role is paid.
_ROLE_BASIS = {
    ("world_skills_national_team", "contestant"): "选手每人奖励",
    ("world_skills_national_team", "coach"): "带队教练享受同等待遇",
    ("world_skills", "contestant"): "选手一次性奖励",
    ("world_skills", "expert_team"): "技术指导专家团队减半",
    ("china_skills", "contestant"): "选手一次性奖励",
}

# --- 第5条 加快公共实训基地建设 -------------------------------------------------------------------
TRAINING_BASES: Mapping[str, str] = MappingProxyType(
    {
        "national_base": "国家级高技能人才培训基地",
        "provincial_base": "省级高技能人才公共实训基地",
        "world_skills_base": "世界技能大赛国家集训基地承办单位",
    }
)
# 第5条: 国家级、省级分别给予200万元、100万元配套资助; 世界技能大赛国家集训基地承办单位200万元专项资助.
TRAINING_BASE_AMOUNTS: Mapping[str, Decimal] = MappingProxyType(
    {"national_base": _D("2000000"), "provincial_base": _D("1000000"), "world_skills_base": _D("2000000")}
)
_TRAINING_BASE_KIND = {
    "national_base": "配套资助",
    "provincial_base": "配套资助",
    "world_skills_base": "专项资助",
}

# --- 第6条 推进技能大师工作室建设 -----------------------------------------------------------------
MASTER_STUDIOS: Mapping[str, str] = MappingProxyType(
    {
        "municipal": "市级技能大师工作室",
        "provincial": "省级技能大师工作室",
        "national": "国家级技能大师工作室",
    }
)
# 第6条: 市级 "每家不少于5万元" - the round sets the amount (Claim.amount), never below this floor.
MUNICIPAL_STUDIO_MIN_AMOUNT = _D("50000")
# 第6条: 省级和国家级分别给予每家5万元、20万元配套资助. Municipal holds None: its amount comes from the round.
MASTER_STUDIO_AMOUNTS: Mapping[str, Decimal | None] = MappingProxyType(
    {"municipal": None, "provincial": _D("50000"), "national": _D("200000")}
)

# --- 第9条 企业新型学徒 ---------------------------------------------------------------------------
# 第9条: "补贴标准每人每年不高于6000元"; the round sets the standard, by default the maximum.
APPRENTICE_MAX_STANDARD = _D("6000")
# 第9条: "签订一年及以上劳动合同的技能岗位职工".
APPRENTICE_MIN_CONTRACT_MONTHS = 12
MONTHS_PER_YEAR = 12

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
    amount: Money = MUNICIPAL_STUDIO_MIN_AMOUNT
    standard: Money = APPRENTICE_MAX_STANDARD
    trained_months: int = 0
    filed_months: int = 0
    contract_months: int = 0


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
    edition: str = POLICY_EDITION


def level_label(scheme: str, level: str) -> str:
    """Return the Chinese name of a scheme's level code."""
    table = _LEVEL_TABLES.get(_code("scheme", scheme, SCHEMES, "方案"))
    if table is None:
        raise RuleError(f"方案 {scheme} 没有级别（level）划分")
    return table[_code("level", level, table, f"{scheme} 的级别")]


def scheme_maximum(
    scheme: str, *, municipal_amount: Money = MUNICIPAL_STUDIO_MIN_AMOUNT, filed_months: int = MONTHS_PER_YEAR
) -> Decimal:
    """Return the largest total one claim under the scheme can yield.

    craftsman_title: the highest title (就高, never twice). master_studio: the municipal amount is open-ended,
    so the ceiling assumes the round's ``municipal_amount`` (default the 50,000 floor) and is the larger of it
    and the national 200,000. apprenticeship: totals scale with months, so the ceiling is per apprentice for
    ``filed_months`` at the maximum standard (default 12 months: 6,000, one person-year).
    """
    with localcontext(_CONTEXT):
        scheme = _code("scheme", scheme, SCHEMES, "方案")
        if scheme == "craftsman_title":
            return _fen(max(CRAFTSMAN_TITLE_AMOUNTS.values()))
        if scheme == "competition":
            levels = COMPETITION_AWARDS.values()
            return _fen(max(a for roles in levels for row in roles.values() for a in row.values() if a is not None))
        if scheme == "training_base":
            return _fen(max(TRAINING_BASE_AMOUNTS.values()))
        if scheme == "master_studio":
            municipal = _municipal_amount(municipal_amount)
            return _fen(max([municipal, *(a for a in MASTER_STUDIO_AMOUNTS.values() if a is not None)]))
        months = _months("filed_months", filed_months)
        return _fen(APPRENTICE_MAX_STANDARD * months / MONTHS_PER_YEAR)


def evaluate(claim: Claim) -> Decision:
    """Return the decision the policy gives for a claim."""
    if not isinstance(claim, Claim):
        raise RuleError(f"evaluate 需要一个 Claim，收到的是 {type(claim).__name__}")
    with localcontext(_CONTEXT):
        scheme = _code("scheme", claim.scheme, SCHEMES, "方案")
        return _EVALUATORS[scheme](claim)


# --- Evaluators, one per scheme ---------------------------------------------------------------------


def _craftsman_title(claim: Claim) -> Decision:
    already = _money("already_received", claim.already_received)
    if not isinstance(claim.in_huzhou, bool):
        raise RuleError(f"in_huzhou 取值 {claim.in_huzhou!r} 无效：只能是 True 或 False")
    if claim.provincial_title and claim.level:
        raise RuleError(
            f"level（{claim.level!r}）和 provincial_title（{claim.provincial_title!r}）只能填一个："
            "遴选的称号填 level，直接认定填 provincial_title 并把 level 留空"
        )
    if claim.provincial_title:
        provincial = _code("provincial_title", claim.provincial_title, PROVINCIAL_TITLES, "浙江省工匠称号")
        level = DIRECT_RECOGNITION[provincial]
        title = f"{PROVINCIAL_TITLES[provincial]}直接认定为{CRAFTSMAN_TITLES[level]}"
        if not claim.in_huzhou:
            return _not_eligible(
                f"第3条 {PROVINCIAL_TITLES[provincial]} 须为在湖申报入选或市外全职引进方可直接认定为"
                f"{CRAFTSMAN_TITLES[level]}，不符合条件，不予认定资助"
            )
    else:
        level = _code("level", claim.level, CRAFTSMAN_TITLES, "craftsman_title 的级别")
        title = CRAFTSMAN_TITLES[level]
    award = CRAFTSMAN_TITLE_AMOUNTS[level]
    schedule = "分两年拨付" if level in TWO_YEAR_TITLES else "一次性拨付"
    if already >= award:
        return _not_eligible(
            f"第3条 {title} 资助{_yuan(award)}，已享受{_yuan(already)}，"
            "按就高、不重复享受原则已足额资助，不再拨付（称号仍可认定）"
        )
    payable = award - already
    if already:
        basis = f"第3条 {title} 资助{_yuan(award)}，已享受{_yuan(already)}，按就高、不重复享受原则补差"
        basis += f"{_yuan(payable)}，{schedule}"
    else:
        basis = f"第3条 {title} 资助{_yuan(award)}，{schedule}"
    return _eligible(payable, basis, two_years=level in TWO_YEAR_TITLES)


def _competition(claim: Claim) -> Decision:
    competition = _code("competition", claim.competition, COMPETITIONS, "竞赛")
    results = COMPETITION_AWARDS[competition]
    level = claim.level
    if level == "" and len(results) == 1:
        # A competition with a single result (国家集训队: 入选) needs no level to say which.
        (level,) = results
    level = _code("level", level, results, f"{competition} 的成绩", labels=COMPETITION_RESULTS)
    role = _code("role", claim.role, ROLES, "角色")
    what = _result_phrase(competition, level)
    amount = results[level][role]
    if amount is None:
        paid = "、".join(ROLES[r] for r, a in results[level].items() if a is not None)
        return _not_eligible(f"第4条 {what} {ROLES[role]}不在奖励范围（政策只奖励{paid}），不予奖励")
    return _eligible(amount, f"第4条 {what} {_ROLE_BASIS[competition, role]}")


def _training_base(claim: Claim) -> Decision:
    level = _code("level", claim.level, TRAINING_BASES, "training_base 的级别")
    amount = TRAINING_BASE_AMOUNTS[level]
    basis = f"第5条 {TRAINING_BASES[level]} {_TRAINING_BASE_KIND[level]}{_yuan(amount)}，一次性拨付"
    return _eligible(amount, basis)


def _master_studio(claim: Claim) -> Decision:
    level = _code("level", claim.level, MASTER_STUDIOS, "master_studio 的级别")
    fixed = MASTER_STUDIO_AMOUNTS[level]
    if fixed is None:
        amount = _municipal_amount(claim.amount)
        floor = _yuan(MUNICIPAL_STUDIO_MIN_AMOUNT)
        basis = f"第6条 {MASTER_STUDIOS[level]} 资助{_yuan(amount)}（每家不少于{floor}）"
    else:
        amount = fixed
        basis = f"第6条 {MASTER_STUDIOS[level]} 配套资助{_yuan(amount)}"
    return _eligible(amount, basis)


def _apprenticeship(claim: Claim) -> Decision:
    if claim.level:
        raise RuleError(f"level 取值 {claim.level!r} 无效：apprenticeship 没有级别，level 须留空")
    standard = _money("standard", claim.standard)
    if standard <= ZERO or standard > APPRENTICE_MAX_STANDARD:
        raise RuleError(
            f"standard 取值 {_yuan(standard)} 无效：补贴标准须大于0元，"
            f"且每人每年不高于{_yuan(APPRENTICE_MAX_STANDARD)}（第9条）"
        )
    trained = _months("trained_months", claim.trained_months)
    filed = _months("filed_months", claim.filed_months)
    contract = _months("contract_months", claim.contract_months)
    if contract < APPRENTICE_MIN_CONTRACT_MONTHS:
        return _not_eligible(f"第9条 企业新型学徒须与企业签订一年及以上劳动合同（现为{contract}个月），不予补贴")
    if trained == 0:
        return _not_eligible("第9条 企业新型学徒 实际培训期限为0个月，没有可补贴的期限")
    if filed == 0:
        return _not_eligible("第9条 企业新型学徒 备案期限为0个月，补贴期限不超过备案期限，没有可补贴的期限")
    months = min(trained, filed)
    total = _fen(standard * months / MONTHS_PER_YEAR)
    capped = "（不超过备案期限）" if trained > filed else ""
    basis = f"第9条 企业新型学徒 补贴标准每人每年{_yuan(standard)} × 补贴期限{months}个月{capped} ÷ 12"
    if total == ZERO:  # e.g. a 0.01 yuan standard for one month: nothing is left to pay after rounding
        return _not_eligible(f"{basis} 不足0.01元，没有可拨付的金额")
    return _eligible(total, f"{basis} = {_yuan(total)}")


_EVALUATORS = {
    "craftsman_title": _craftsman_title,
    "competition": _competition,
    "training_base": _training_base,
    "master_studio": _master_studio,
    "apprenticeship": _apprenticeship,
}


# --- Helpers ----------------------------------------------------------------------------------------


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


def _municipal_amount(value: object) -> Decimal:
    amount = _money("amount", value)
    if amount < MUNICIPAL_STUDIO_MIN_AMOUNT:
        raise RuleError(
            f"amount 取值 {_yuan(amount)} 无效："
            f"市级技能大师工作室每家资助不少于{_yuan(MUNICIPAL_STUDIO_MIN_AMOUNT)}（第6条）"
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
