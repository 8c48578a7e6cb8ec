"""Reference data every database holds: Huzhou's districts. Seeded by a migration; safe to re-apply."""

DISTRICTS = [
    ("wuxing", "吴兴区"),
    ("nanxun", "南浔区"),
    ("deqing", "德清县"),
    ("changxing", "长兴县"),
    ("anji", "安吉县"),
    ("nantaihu", "南太湖新区"),
    ("city", "市本级"),
]


def seed_districts(apps) -> None:
    """Create or update the districts (works with migration-time and run-time app registries)."""
    District = apps.get_model("accounts", "District")
    for order, (code, name) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
