"""The competition catalogue the bureau keeps (赛事目录): competition editions and their trades.

Applicants pick from it and never type a competition or trade, so one medal is one claim whatever its wording.
Imported by ``applications.models`` so that Django registers these models.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The rules engine's competition codes (RULES.md §4), with the names staff and applicants read.
COMPETITION_KINDS = [
    ("world_skills", _("世界技能大赛")),
    ("world_skills_national_team", _("世界技能大赛国家集训队")),
    ("china_skills", _("中国技能大赛")),
]


class CompetitionEdition(models.Model):
    """One edition of a competition, e.g. 第48届世界技能大赛 (2026)."""

    competition = models.CharField(_("竞赛"), max_length=40, choices=COMPETITION_KINDS)
    name = models.CharField(_("赛事名称"), max_length=200, unique=True)
    year = models.PositiveSmallIntegerField(_("举办年度"))
    active = models.BooleanField(_("可供申报选择"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("赛事")
        verbose_name_plural = _("赛事目录")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The edition as the bureau named it; on an English page the competition and year (the bureau's names are
        Chinese data, the competition kinds have English names)."""
        if (get_language() or "").startswith("en"):
            return f"{self.get_competition_display()} {self.year}"
        return self.name


class CompetitionTrade(models.Model):
    """One trade (竞赛项目) of a competition edition, e.g. 数控铣."""

    edition = models.ForeignKey(
        CompetitionEdition, on_delete=models.PROTECT, related_name="trades", verbose_name=_("赛事")
    )
    name = models.CharField(_("项目名称"), max_length=100)
    code = models.CharField(_("项目编号"), max_length=20, blank=True)

    class Meta:
        ordering = ["edition", "name"]
        verbose_name = _("竞赛项目")
        verbose_name_plural = _("竞赛项目")
        constraints = [models.UniqueConstraint(fields=["edition", "name"], name="one_trade_name_per_edition")]

    def __str__(self):
        return f"{self.edition.display_name} · {self.name}"
