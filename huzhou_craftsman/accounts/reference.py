"""Reference data every database holds: Huzhou's districts. Seeded by a migration; safe to re-apply.

The names are stored in Chinese; ``District.display_name`` shows them through gettext (English names in the .po:
Wuxing District, Nanxun District, Deqing County, Changxing County, Anji County, South Taihu New Area, City level).
A district the bureau adds later shows its stored name until the .po has it.
"""

from django.utils.translation import gettext_noop

DISTRICTS = [
    ("wuxing", gettext_noop("吴兴区")),
    ("nanxun", gettext_noop("南浔区")),
    ("deqing", gettext_noop("德清县")),
    ("changxing", gettext_noop("长兴县")),
    ("anji", gettext_noop("安吉县")),
    ("nantaihu", gettext_noop("南太湖新区")),
    ("city", gettext_noop("市本级")),
]


def seed_districts(apps) -> None:
    """Create or update the districts (works with migration-time and run-time app registries)."""
    District = apps.get_model("accounts", "District")
    for order, (code, name) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
