"""Seed the competition catalogue, map existing competition applications to it, give existing roster rows their
training months, and record what every live application claims (ClaimKey) in the new identity format.

Competition applications whose free-text trade matches no catalogue trade keep their text and are flagged
(``details.catalogue_unmatched``) for the bureau — listed in the admin's "未对应赛事目录" filter, never dropped.
"""

import datetime
import re
import unicodedata

from django.db import migrations

WORLD_SKILLS_TRADES = [
    "数控铣", "数控车", "焊接", "电气装置", "移动机器人", "网络安全", "工业控制", "增材制造", "云计算",
    "信息网络布线", "汽车技术", "美发", "烹饪（西餐）", "时装技术", "货运代理", "工业4.0", "砌筑", "精细木工",
]  # fmt: skip
CHINA_SKILLS_TRADES = [
    "数控铣", "数控车", "焊接", "电工", "钳工", "汽车维修", "中式烹调", "美发", "网络安全", "工业机器人系统运维",
]  # fmt: skip
CATALOGUE = [
    ("world_skills", "第46届世界技能大赛特别赛", 2022, WORLD_SKILLS_TRADES),
    ("world_skills", "第47届世界技能大赛", 2024, WORLD_SKILLS_TRADES),
    ("world_skills", "第48届世界技能大赛", 2026, WORLD_SKILLS_TRADES),
    ("world_skills_national_team", "第47届世界技能大赛中国集训队", 2023, WORLD_SKILLS_TRADES),
    ("world_skills_national_team", "第48届世界技能大赛中国集训队", 2025, WORLD_SKILLS_TRADES),
    ("china_skills", "第一届全国技能大赛（中国技能大赛）", 2020, CHINA_SKILLS_TRADES),
    ("china_skills", "第二届全国技能大赛（中国技能大赛）", 2023, CHINA_SKILLS_TRADES),
]
ACTIVE = ["submitted", "city_review", "city_approval", "awaiting_notice", "public_notice", "approved", "returned"]
DIRECT = {"zhejiang_grand": "grand", "zhejiang_outstanding": "grand", "zhejiang_craftsman": "craftsman",
          "zhejiang_youth": "youth"}  # fmt: skip


def _plain(text: str) -> str:
    return re.sub(r"[\s（）()]", "", unicodedata.normalize("NFKC", text or ""))


def _document(text: str) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    return re.sub(r"[〕］\]】)）]", ")", re.sub(r"[〔［\[【(（]", "(", text)).upper()


def _months(start, end):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def seed_catalogue(apps, schema_editor):
    Edition = apps.get_model("applications", "CompetitionEdition")
    Trade = apps.get_model("applications", "CompetitionTrade")
    for competition, name, year, trades in CATALOGUE:
        edition, _created = Edition.objects.get_or_create(
            name=name, defaults={"competition": competition, "year": year}
        )
        for trade in trades:
            Trade.objects.get_or_create(edition=edition, name=trade)


def map_competitions(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Trade = apps.get_model("applications", "CompetitionTrade")
    for application in Application.objects.filter(scheme="competition"):
        d = dict(application.details)
        if d.get("trade") is None or isinstance(d.get("trade"), int):
            continue
        text = _plain(str(d.get("trade", "")).split("（")[0])
        match = None
        for trade in Trade.objects.filter(
            edition__competition=d.get("competition", ""), edition__year=d.get("year") or 0
        ).select_related("edition"):
            if _plain(trade.name) == text:
                match = trade
                break
        if match is None:
            d["catalogue_unmatched"] = True
            d["trade_text"] = d.get("trade", "")
            d["trade"] = None
        else:
            d["competition_edition"], d["trade"] = match.edition_id, match.pk
        application.details = d
        application.save(update_fields=["details"])


def fill_roster_months(apps, schema_editor):
    # Rows filed before months were asked: training assumed to start in January of the round's year.
    Apprentice = apps.get_model("applications", "Apprentice")
    for a in Apprentice.objects.filter(start_month__isnull=True).select_related("application__round"):
        start = datetime.date(a.application.round.year, 1, 1)
        months = max(a.trained_months, 1) - 1
        a.start_month = start
        a.end_month = datetime.date(
            start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1
        )
        a.save(update_fields=["start_month", "end_month"])


def _title_keys(app, d, rid):
    level = DIRECT.get(d.get("provincial_title", ""), "") if d.get("route") == "direct" else d.get("level", "")
    return [(f"craftsman_title:{level}:{rid}", rid)]


def _competition_keys(app, d, rid):
    trade = d.get("trade") or f"text-{_plain(d.get('trade_text', ''))}-{d.get('competition')}-{d.get('year')}"
    role = d.get("role", "contestant")
    if role == "expert_team":
        return [(f"competition:{trade}:expert_team", "")]
    return [(f"competition:{trade}:{role}:{rid}", rid)]


def _base_keys(app, d, rid):
    return [(f"training_base:{app.organisation_id}:{d.get('level', '')}", "")]


def _studio_keys(app, d, rid):
    return [(f"master_studio:{app.organisation_id}:{d.get('level', '')}:{_document(d.get('document_number', ''))}", "")]


def _apprentice_keys(app, d, rid):
    return [
        (f"apprenticeship:{a.person.resident_id}:{m}", a.person.resident_id)
        for a in app.apprentices.select_related("person")
        for m in _months(a.start_month, a.end_month)
    ]


# The identity formats of applications.schemes at the time of this migration (frozen here, as migrations are).
KEYS = {
    "craftsman_title": _title_keys,
    "competition": _competition_keys,
    "training_base": _base_keys,
    "master_studio": _studio_keys,
    "apprenticeship": _apprentice_keys,
}


def backfill_claim_keys(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    ClaimKey = apps.get_model("applications", "ClaimKey")
    for app in Application.objects.filter(state__in=ACTIVE).select_related("person").order_by("submitted_at", "pk"):
        rid = app.person.resident_id if app.person_id else ""
        for key, person in KEYS[app.scheme](app, app.details, rid):
            # An older duplicate the free-text key let through keeps its claim; the later one is left for review.
            if not ClaimKey.objects.filter(key=key).exists():
                ClaimKey.objects.create(application=app, key=key, person_resident_id=person)


class Migration(migrations.Migration):
    dependencies = [("applications", "0005_catalogue_claim_keys_editions")]

    operations = [
        migrations.RunPython(seed_catalogue, migrations.RunPython.noop),
        migrations.RunPython(map_competitions, migrations.RunPython.noop),
        migrations.RunPython(fill_roster_months, migrations.RunPython.noop),
        migrations.RunPython(backfill_claim_keys, migrations.RunPython.noop),
    ]
