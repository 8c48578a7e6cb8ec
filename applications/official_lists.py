"""Official lists the bureau already holds (免申即享): provincial titles, competition results, national squads and the
ratings of bases and studios. Each row is matched to a person and an organisation and becomes an offer (an
``Application`` in state ``offered``) that the organisation confirms instead of applying.

Imported by ``applications.models`` so that Django registers these models.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts.models import Organisation

from .catalogue import CompetitionTrade


class ListKind(models.TextChoices):
    PROVINCIAL_TITLES = "provincial_titles", _("省级工匠称号名单")
    COMPETITION_RESULTS = "competition_results", _("技能竞赛获奖名单")
    NATIONAL_SQUAD = "national_squad", _("世界技能大赛国家集训队入选名单")
    STUDIO_BASE_RATINGS = "studio_base_ratings", _("基地与大师工作室认定名单")


# Which schemes a list of each kind may pay under (the round chosen for the list must be of one of them).
KIND_SCHEMES = {
    ListKind.PROVINCIAL_TITLES: ("craftsman_title",),
    ListKind.COMPETITION_RESULTS: ("competition",),
    ListKind.NATIONAL_SQUAD: ("competition",),
    ListKind.STUDIO_BASE_RATINGS: ("training_base", "master_studio"),
}


def official_list_path(instance, filename):
    # The stored name never comes from the user; the folder is served by no URL (downloads go through a view).
    return f"official-lists/{uuid.uuid4().hex}.xlsx"


class OfficialList(models.Model):
    """One list as the bureau received it: its source document, the file itself and the round whose edition pays it."""

    kind = models.CharField(_("名单类别"), max_length=32, choices=ListKind.choices)
    document_number = models.CharField(_("来源文件文号"), max_length=100)
    # The number as an identity (width, spaces and bracket styles never make it a new document).
    document_key = models.CharField(_("文号标识"), max_length=100, unique=True)
    document_date = models.DateField(_("来源文件日期"))
    round = models.ForeignKey(
        "applications.Round", on_delete=models.PROTECT, related_name="official_lists", verbose_name=_("计发批次")
    )
    file = models.FileField(_("名单文件"), upload_to=official_list_path)
    original_name = models.CharField(_("原文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("官方名单")
        verbose_name_plural = _("官方名单")

    def __str__(self):
        return f"{self.get_kind_display()} {self.document_number}"


class RowStatus(models.TextChoices):
    OFFERED = "offered", _("已生成待确认资助")
    UNREGISTERED = "unregistered", _("单位未在平台注册")
    OUTSIDE_CITY = "outside_city", _("单位不在本市（人员可能已迁出）")
    NOT_DUE = "not_due", _("无应发金额")
    CLAIMED = "claimed", _("已在其他申报中申领")


# Rows the bureau follows up (a letter to the organisation, or a check of the person's whereabouts).
UNMATCHED = (RowStatus.UNREGISTERED, RowStatus.OUTSIDE_CITY)


class OfficialListRow(models.Model):
    """One line of an official list: who, which organisation, which title, result or rating — and what came of it."""

    official_list = models.ForeignKey(OfficialList, on_delete=models.PROTECT, related_name="rows")
    # The row's identity within its source document (person × title, person × trade × role, organisation × level ×
    # studio): importing the same list again finds it and adds nothing.
    row_key = models.CharField(_("行标识"), max_length=200)
    row_number = models.PositiveIntegerField(_("表格行号"))
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    resident_id = models.CharField(_("身份证号"), max_length=18, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    organisation_name = models.CharField(_("单位名称"), max_length=200)
    level = models.CharField(_("级别或成绩"), max_length=32, blank=True)
    provincial_title = models.CharField(_("省级称号"), max_length=32, blank=True)
    in_huzhou_basis = models.CharField(_("直接认定条件"), max_length=32, blank=True)
    title_year = models.PositiveSmallIntegerField(_("获评年度"), null=True, blank=True)
    trade = models.ForeignKey(CompetitionTrade, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    role = models.CharField(_("获奖身份"), max_length=20, blank=True)
    studio_name = models.CharField(_("工作室名称"), max_length=200, blank=True)
    status = models.CharField(_("处理结果"), max_length=16, choices=RowStatus.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(
        "applications.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="official_rows"
    )
    offer = models.OneToOneField(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="official_row",
        verbose_name=_("待确认资助"),
    )

    class Meta:
        ordering = ["official_list", "row_number"]
        verbose_name = _("官方名单行")
        verbose_name_plural = _("官方名单行")
        constraints = [models.UniqueConstraint(fields=["official_list", "row_key"], name="official_row_once_per_list")]
        indexes = [models.Index(fields=["status", "uscc"], name="official_row_status_uscc")]

    def __str__(self):
        return f"{self.official_list_id}#{self.row_number}"
