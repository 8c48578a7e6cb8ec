"""The policy's life after the award: skill-master studios reviewed yearly (§6), figures the bureau enters for the
dashboard, and the §8 registries. Imported by ``subsidies.models`` so Django registers them in ``subsidies``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Studio(models.Model):
    """A skill-master studio (技能大师工作室). Keeps one history when it is later rated higher."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="studios")
    name = models.CharField(_("工作室名称"), max_length=200)
    level = models.CharField(_("当前级别"), max_length=32)
    exited_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    exit_reason = models.TextField(_("退出原因"), blank=True)
    exited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("技能大师工作室")
        verbose_name_plural = _("技能大师工作室")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="one_studio_per_name")]

    def __str__(self):
        return self.name

    @property
    def has_exited(self) -> bool:
        return self.exited_at is not None

    @property
    def level_label(self) -> str:
        from applications.models import describe_level

        return describe_level("master_studio", self.level)


class StudioLevelChange(models.Model):
    """One change of a studio's rating (动态调整): a higher rating's award, or a bureau decision to downgrade.

    The studio stays one record with one history; no award already paid is recalculated.
    """

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="level_changes")
    from_level = models.CharField(_("原级别"), max_length=32, blank=True)
    to_level = models.CharField(_("新级别"), max_length=32)
    reason = models.TextField(_("依据或理由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("调整时间"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("工作室级别调整")
        verbose_name_plural = _("工作室级别调整")

    def __str__(self):
        return f"{self.studio_id} {self.from_level}→{self.to_level}"

    @property
    def from_level_label(self) -> str:
        from applications.models import describe_level

        return describe_level("master_studio", self.from_level)

    @property
    def to_level_label(self) -> str:
        from applications.models import describe_level

        return describe_level("master_studio", self.to_level)


class StudioReview(models.Model):
    """A studio's yearly performance review (绩效考核)."""

    class Result(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("考核年度"))
    result = models.CharField(_("考核结果"), max_length=16, choices=Result)
    notes = models.TextField(_("考核意见"), blank=True)
    attachment = models.FileField(_("考核材料"), upload_to="studio-reviews/", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["studio", "-year"]
        verbose_name = _("工作室年度考核")
        verbose_name_plural = _("工作室年度考核")
        constraints = [models.UniqueConstraint(fields=["studio", "year"], name="one_review_per_studio_year")]

    def __str__(self):
        return f"{self.studio} {self.year} {self.result}"


class PolicyFigure(models.Model):
    """A figure the portal cannot know (e.g. people trained under §2), entered by an administrator with its source."""

    class Indicator(models.TextChoices):
        # 总体目标 and §11 are stock figures (the dashboard shows the latest year); §1 and §2 are yearly flows (the
        # dashboard adds the years of its window); §4 is per year.
        SKILLED = "overall_skilled", _("总体目标 全市技能人才总量（人）")
        HIGH_SKILLED = "overall_high_skilled", _("总体目标 其中高技能人才（人）")
        EMPLOYED = "overall_employed", _("总体目标 全市就业人员（人）")
        TECHNICIAN_COLLEGE = "s11_technician_college", _("§11 万人技师学院（所）")
        EMERGING_INDUSTRY_TRAINED = "s1_emerging", _("§1 四大战略性新兴产业培养技能人才（人）")
        TRADITIONAL_INDUSTRY_TRAINED = "s1_traditional", _("§1 两大传统产业培养技能人才（人）")
        RURAL_TALENT = "s2_rural", _("§2 乡村人才培训（人次）")
        YOUTH_ENTREPRENEURSHIP = "s2_youth", _("§2 青年创业培训（人次）")
        SERVICE_INDUSTRY = "s2_service", _("§2 服务业技能培训（人次）")
        KEY_GROUPS = "s2_key_groups", _("§2 重点群体培训（人次）")
        CITY_COMPETITIONS = "s4_city_competitions", _("§4 市级技能竞赛（场/年）")

    indicator = models.CharField(_("指标"), max_length=32, choices=Indicator)
    year = models.PositiveSmallIntegerField(
        _("年度"), help_text=_("§1、§2 录当年新增数（2021 年只录 2021-10-20 以后）；总体目标和万人技师学院录年末数。")
    )
    value = models.PositiveIntegerField(_("数值"))
    source = models.CharField(_("来源"), max_length=300)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        ordering = ["indicator", "-year"]
        verbose_name = _("录入指标")
        verbose_name_plural = _("录入指标")
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="one_figure_per_indicator_year")]

    def __str__(self):
        return f"{self.get_indicator_display()} {self.year}: {self.value}"


class EvaluationFiling(models.Model):
    """A §8 filing: a self-evaluating enterprise (自主评价备案企业) or a social training-evaluation organisation."""

    class Kind(models.TextChoices):
        SELF_EVALUATING = "self_evaluating", _("自主评价备案企业")
        SOCIAL_ORGANISATION = "social_organisation", _("社会培训评价组织")

    kind = models.CharField(_("类别"), max_length=32, choices=Kind)
    organisation_name = models.CharField(_("单位名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    year = models.PositiveSmallIntegerField(_("备案年度"))
    filed_on = models.DateField(_("备案日期"))
    document_number = models.CharField(_("备案文件"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["-filed_on"]
        verbose_name = _("评价备案")
        verbose_name_plural = _("评价备案")
        constraints = [
            models.UniqueConstraint(fields=["kind", "organisation_name", "year"], name="one_filing_per_org_kind_year")
        ]

    def __str__(self):
        return f"{self.organisation_name} {self.year}"
