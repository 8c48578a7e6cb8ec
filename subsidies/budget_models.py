"""The year's appropriation (资金指标) per scheme, optionally per district, and the money a final approval promised
before its award exists. Imported by ``subsidies.models`` so Django registers them in ``subsidies``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class Appropriation(models.Model):
    """The money the year's budget holds for one scheme: city-wide (no district) or for one district.

    ``amount`` is the current figure; every value it ever had is an ``AppropriationRevision`` (append-only).
    """

    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"))
    scheme = models.CharField(_("资助类别"), max_length=32)
    district = models.ForeignKey(
        "accounts.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区县（空为全市）"),
    )
    amount = models.DecimalField(_("资金指标（元）"), **MONEY)
    created_at = models.DateTimeField(_("设立时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最近修订时间"), default=timezone.now)

    class Meta:
        ordering = ["-fiscal_year", "scheme", "district"]
        verbose_name = _("资金指标")
        verbose_name_plural = _("资金指标")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="appropriation_amount_positive"),
            # NULL never equals NULL in a plain unique index: the city-wide row needs its own partial constraint.
            models.UniqueConstraint(
                fields=["fiscal_year", "scheme", "district"],
                condition=Q(district__isnull=False),
                name="one_appropriation_per_year_scheme_district",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "scheme"],
                condition=Q(district__isnull=True),
                name="one_citywide_appropriation_per_year_scheme",
            ),
        ]

    def __str__(self):
        return f"{self.fiscal_year} {self.scheme} {self.district_id or 'city'} {self.amount}"


class AppropriationRevision(models.Model):
    """One value an appropriation took: who set it, when, why, and what it was before. Never edited."""

    appropriation = models.ForeignKey(Appropriation, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("修订序号"))
    amount = models.DecimalField(_("资金指标（元）"), **MONEY)
    previous_amount = models.DecimalField(_("修订前（元）"), **MONEY, null=True, blank=True)
    reason = models.TextField(_("理由"))
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("修订时间"), default=timezone.now)

    class Meta:
        ordering = ["appropriation", "number"]
        verbose_name = _("资金指标修订")
        verbose_name_plural = _("资金指标修订")
        constraints = [
            models.UniqueConstraint(fields=["appropriation", "number"], name="one_revision_number_per_appropriation"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="appropriation_revision_amount_positive"),
        ]

    def __str__(self):
        return f"{self.appropriation_id} #{self.number} {self.amount}"


class ApprovalCommitment(models.Model):
    """Money a final approval promised for one fiscal year, counted until the application's award exists.

    Between the city's approval and the end of the public notice there is no award yet, but the decision on the
    money is made: these rows keep it in the year's committed figure, so two approvals cannot both pass a budget
    only one of them fits. They stop counting once the award exists (its instalments count instead) or once the
    application leaves the approved states (an objection sends it back to review).
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="budget_commitments"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"))
    scheme = models.CharField(_("资助类别"), max_length=32)
    district = models.ForeignKey("accounts.District", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    created_at = models.DateTimeField(_("批准时间"), default=timezone.now)

    class Meta:
        ordering = ["fiscal_year", "id"]
        verbose_name = _("已批准待生成资助的承诺")
        verbose_name_plural = _("已批准待生成资助的承诺")
        constraints = [
            models.UniqueConstraint(fields=["application", "fiscal_year"], name="one_commitment_per_application_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="approval_commitment_amount_positive"),
        ]
        indexes = [models.Index(fields=["fiscal_year", "scheme", "district"])]

    def __str__(self):
        return f"{self.application_id} {self.fiscal_year} {self.amount}"
