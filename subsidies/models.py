"""Awards and their instalments: what the rules engine decided for an approved application, and when it is due."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Person
from huzhou_craftsman.accounts.models import Organisation

from .budget_models import Appropriation, AppropriationRevision, ApprovalCommitment
from .payment_models import BankResultImport, PaymentBatch, PaymentCorrection, PaymentLine
from .policy_models import EvaluationFiling, PolicyFigure, Studio, StudioLevelChange, StudioReview
from .tax_models import WithholdingRule

__all__ = [
    "Appropriation",
    "AppropriationRevision",
    "ApprovalCommitment",
    "Award",
    "BankResultImport",
    "EvaluationFiling",
    "Instalment",
    "PaymentBatch",
    "PaymentCorrection",
    "PaymentLine",
    "PolicyFigure",
    "Studio",
    "StudioLevelChange",
    "StudioReview",
    "WithholdingRule",
]

MONEY = {"max_digits": 14, "decimal_places": 2}


class Award(models.Model):
    """The money granted to one approved application, with the rules engine's reasons. One per application."""

    class State(models.TextChoices):
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已撤销")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="awards")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="awards")
    scheme = models.CharField(_("资助类别"), max_length=32)
    level = models.CharField(_("级别"), max_length=32, blank=True)
    total = models.DecimalField(_("资助总额（元）"), **MONEY)
    already_received = models.DecimalField(_("此前已获同类资助（元）"), **MONEY, default=0)
    basis = models.TextField(_("依据"))
    policy_edition = models.CharField(_("政策版本"), max_length=32)
    approved_at = models.DateTimeField(_("批准时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.ACTIVE)
    # Master-studio awards belong to a studio, whose yearly reviews and exit (§6) outlive any one award.
    studio = models.ForeignKey(
        "subsidies.Studio", on_delete=models.PROTECT, null=True, blank=True, related_name="awards"
    )
    # Who is paid (RULES.md "Who is paid"): the person's own account or the organisation's. Awards made before
    # payees existed keep paying the organisation until finance confirms the person (award_payee_confirm).
    payee_kind = models.CharField(
        _("收款人"), max_length=16, choices=[("organisation", _("单位（对公）")), ("person", _("本人（对私）"))],
        default="organisation",
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("资助")
        verbose_name_plural = _("资助")
        indexes = [models.Index(fields=["person", "scheme", "state"])]
        constraints = [models.CheckConstraint(condition=models.Q(total__gte=0), name="award_total_not_negative")]

    def __str__(self):
        return f"{self.application} {self.total}"

    @property
    def pays_person(self) -> bool:
        return self.payee_kind == "person"

    @property
    def payee_name(self) -> str:
        return self.person.name if self.pays_person and self.person_id else self.organisation.name


class Instalment(models.Model):
    """One payment of an award, due on a date (year 1 on approval; the grand craftsman's year 2 a year later)."""

    class State(models.TextChoices):
        DUE = "due", _("待支付")
        IN_BATCH = "in_batch", _("已列入付款批次")
        PAID = "paid", _("已支付")
        FAILED = "failed", _("支付失败")
        CANCELLED = "cancelled", _("已取消")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="instalments")
    year = models.PositiveSmallIntegerField(_("年度序号"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    due_on = models.DateField(_("应付日期"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DUE)
    # When the bank last reported a failure: the instalment is payable again once the bank details change after it.
    failed_at = models.DateTimeField(_("支付失败时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("分期款项")
        verbose_name_plural = _("分期款项")
        constraints = [
            models.UniqueConstraint(fields=["award", "year"], name="one_instalment_per_award_year"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self):
        return f"{self.award_id} Y{self.year} {self.amount}"


# The approval documents live beside their services (subsidies/documents/); imported here so Django registers them.
from .documents.models import Document, DocumentSequence, RegenerationJob  # noqa: E402, F401
