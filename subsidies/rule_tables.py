"""Labels and the 2021 rate tables of the Huzhou craftsman policy, as pure data.

Imported by ``subsidies.rules``, which is the public face: import these names from there. This module
imports nothing from the project. Labels (codes and their Chinese names) are shared by every policy
edition; the amounts and limits below are edition ``huzhou-2021`` (rules.EDITIONS holds them per edition).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

SCHEMES: Mapping[str, str] = MappingProxyType(
    {
        "craftsman_title": "湖州工匠遴选资助",
        "competition": "技能竞赛奖励",
        "training_base": "公共实训基地资助",
        "master_studio": "技能大师工作室资助",
        "apprenticeship": "企业新型学徒培训补贴",
        "tuition": "技工院校毕业生学费补助",
        "post_allowance": "高技能人才岗位补贴",
        "living_allowance": "联合招生学生生活补贴",
    }
)

# The clause (the policy's numbered measure) each scheme comes from in the 2021 text.
CLAUSES_2021: Mapping[str, str] = MappingProxyType(
    {
        "craftsman_title": "第3条",
        "competition": "第4条",
        "training_base": "第5条",
        "master_studio": "第6条",
        "apprenticeship": "第9条",
        "tuition": "第9条",
        "post_allowance": "第9条",
        "living_allowance": "第10条",
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
        "grand": Decimal("200000"),
        "craftsman": Decimal("10000"),
        "rural": Decimal("10000"),
        "youth": Decimal("5000"),
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


def _roles(contestant: str | None, coach: str | None, expert_team: str | None) -> Mapping[str, Decimal | None]:
    row = {"contestant": contestant, "coach": coach, "expert_team": expert_team}
    return MappingProxyType({role: None if a is None else Decimal(a) for role, a in row.items()})


# 第4条, all one-time lump sums (一次性奖励): 国家集训队选手每人5万元, 带队教练享受同等待遇; 世界技能大赛
# 金、银、铜牌和优胜奖选手100万、50万、20万、10万元, 技术指导专家团队按减半标准 (per team); 中国技能大赛
# 金、银、铜牌和优胜奖选手20万、15万、10万、2万元. None is a "—" cell: the policy grants that role nothing.
COMPETITION_AWARDS: Mapping[str, Mapping[str, Mapping[str, Decimal | None]]] = MappingProxyType(
    {
        "world_skills_national_team": MappingProxyType({"selected": _roles("50000", "50000", None)}),
        "world_skills": MappingProxyType(
            {
                "gold": _roles("1000000", None, "500000"),
                "silver": _roles("500000", None, "250000"),
                "bronze": _roles("200000", None, "100000"),
                "excellence": _roles("100000", None, "50000"),
            }
        ),
        "china_skills": MappingProxyType(
            {
                "gold": _roles("200000", None, None),
                "silver": _roles("150000", None, None),
                "bronze": _roles("100000", None, None),
                "excellence": _roles("20000", None, None),
            }
        ),
    }
)
# How the basis names the reason a role is paid (a role an edition pays without a line here: "<role>一次性奖励").
ROLE_BASIS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("world_skills_national_team", "contestant"): "选手每人奖励",
        ("world_skills_national_team", "coach"): "带队教练享受同等待遇",
        ("world_skills", "contestant"): "选手一次性奖励",
        ("world_skills", "expert_team"): "技术指导专家团队减半",
        ("china_skills", "contestant"): "选手一次性奖励",
    }
)

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
    {
        "national_base": Decimal("2000000"),
        "provincial_base": Decimal("1000000"),
        "world_skills_base": Decimal("2000000"),
    }
)
TRAINING_BASE_KIND: Mapping[str, str] = MappingProxyType(
    {"national_base": "配套资助", "provincial_base": "配套资助", "world_skills_base": "专项资助"}
)

# --- 第6条 推进技能大师工作室建设 -----------------------------------------------------------------
MASTER_STUDIOS: Mapping[str, str] = MappingProxyType(
    {
        "municipal": "市级技能大师工作室",
        "provincial": "省级技能大师工作室",
        "national": "国家级技能大师工作室",
    }
)
# 第6条: 市级 "每家不少于5万元" - the round sets the amount (Claim.amount), never below this floor.
MUNICIPAL_STUDIO_MIN_AMOUNT = Decimal("50000")
# 第6条: 省级和国家级分别给予每家5万元、20万元配套资助. Municipal holds None: its amount comes from the round.
MASTER_STUDIO_AMOUNTS: Mapping[str, Decimal | None] = MappingProxyType(
    {"municipal": None, "provincial": Decimal("50000"), "national": Decimal("200000")}
)

# --- 第9条 企业新型学徒 ---------------------------------------------------------------------------
# 第9条: "补贴标准每人每年不高于6000元"; the round sets the standard, by default the maximum.
APPRENTICE_MAX_STANDARD = Decimal("6000")
# 第9条: "签订一年及以上劳动合同的技能岗位职工".
APPRENTICE_MIN_CONTRACT_MONTHS = 12
MONTHS_PER_YEAR = 12

# --- 第9条 学费补助、岗位补贴, 第10条 生活补贴 ------------------------------------------------------
# Amounts set by the round (区县结合实际); the text sets no maximum. Code -> (what is paid, per what).
ROUND_SET_SCHEMES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "tuition": ("学费补助", "每人"),
        "post_allowance": ("岗位补贴", "每人每年"),
        "living_allowance": ("生活补贴", "每生每年"),
    }
)
