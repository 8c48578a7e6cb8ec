"""Demo rounds: one open round per scheme, each with a materials checklist. Safe to run again."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .models import Round, Scheme

DEMO_ROUNDS = [
    (
        Scheme.CRAFTSMAN_TITLE,
        "2026年度湖州工匠遴选（第一批）",
        {},
        ["推荐表（单位盖章）", "技能等级证书", "主要业绩证明"],
    ),
    (Scheme.COMPETITION, "2026年度技能竞赛获奖奖励", {}, ["获奖证书或入选文件"]),
    (Scheme.TRAINING_BASE, "2026年度高技能人才培训基地配套资助", {}, ["认定文件"]),
    (
        Scheme.MASTER_STUDIO,
        "2026年度技能大师工作室资助",
        {"municipal_studio_amount": Decimal("80000")},
        ["认定文件", "工作室建设方案"],
    ),
    (
        Scheme.APPRENTICESHIP,
        "2026年度企业新型学徒培训补贴",
        {"apprentice_standard": Decimal("6000")},
        ["培训备案表", "劳动合同（可合并为一个 PDF）"],
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
