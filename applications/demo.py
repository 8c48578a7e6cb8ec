"""Demo rounds: one open round per scheme, each with a materials checklist. Safe to run again."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .models import Round

DEMO_ROUNDS = [
    (
        "craftsman_title",
        "2026年度湖州工匠遴选（第一批）",
        {},
        ["推荐表（单位盖章）", "技能等级证书", "主要业绩证明"],
    ),
    ("competition", "2026年度技能竞赛获奖奖励", {}, ["获奖证书或入选文件"]),
    ("training_base", "2026年度高技能人才培训基地配套资助", {}, ["认定文件"]),
    (
        "master_studio",
        "2026年度技能大师工作室资助",
        {"municipal_studio_amount": Decimal("80000")},
        ["认定文件", "工作室建设方案"],
    ),
    (
        "apprenticeship",
        "2026年度企业新型学徒培训补贴",
        {"apprentice_standard": Decimal("6000")},
        ["培训备案表", "劳动合同（可合并为一个 PDF）"],
    ),
    (
        "tuition",
        "2026年度高级工班、预备技师班毕业生学费补助",
        {"standard_amount": Decimal("3000")},
        ["毕业证书及在湖就业证明（可合并为一个 PDF）"],
    ),
    ("post_allowance", "2026年度高技能人才岗位补贴", {"standard_amount": Decimal("2400")}, ["岗位津贴制度文件"]),
    (
        "living_allowance",
        "2026年度中西部、劳务协作地区学生生活补贴",
        {"standard_amount": Decimal("2000")},
        ["联合招生协议", "学生名单（学校盖章）"],
    ),
]


def seed_rounds() -> list[Round]:
    """Create one open round per scheme (closing in 30 days) unless a round of that title exists."""
    now = timezone.now()
    rounds = []
    for scheme, title, params, materials in DEMO_ROUNDS:
        round, created = Round.objects.get_or_create(
            title=title,
            defaults={
                "scheme": scheme,
                "year": timezone.localdate().year,
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=30),
                "notes": "演示批次：用于体验申报流程。",
                **params,
            },
        )
        if created:
            for order, name in enumerate(materials, start=1):
                round.materials.create(name=name, required=order == 1, sort_order=order)
        rounds.append(round)
    return rounds
