"""Individual income tax withheld on payments (RULES.md "Tax — Interpretation").

Imported by ``subsidies.models`` so that Django registers the model in the ``subsidies`` app.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WithholdingRule(models.Model):
    """What is withheld from a payment to a payee kind, optionally narrowed to a scheme and a role.

    The most specific rule wins (scheme and role, then scheme, then the payee kind alone). The rate applies to
    instalments that enter a batch after it was set: a payment line keeps the gross, tax and net it was made with.
    """

    class PayeeKind(models.TextChoices):
        PERSON = "person", _("个人（对私）")
        ORGANISATION = "organisation", _("单位（对公）")

    payee_kind = models.CharField(_("收款人类型"), max_length=16, choices=PayeeKind.choices)
    scheme = models.CharField(_("资助类别"), max_length=32, blank=True, help_text=_("留空表示所有类别。"))
    role = models.CharField(_("获奖身份"), max_length=32, blank=True, help_text=_("留空表示所有身份。"))
    rate = models.DecimalField(
        _("代扣税率"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("如 0.2000 表示 20%。"),
    )
    category = models.CharField(_("所得项目"), max_length=50, help_text=_("如：偶然所得；不代扣。"))
    updated_at = models.DateTimeField(_("设定时间"), default=timezone.now)

    class Meta:
        ordering = ["payee_kind", "scheme", "role"]
        verbose_name = _("个税代扣设置")
        verbose_name_plural = _("个税代扣设置")
        constraints = [
            models.UniqueConstraint(fields=["payee_kind", "scheme", "role"], name="one_withholding_rule_per_scope"),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=1), name="withholding_rate_0_to_1"),
        ]

    def __str__(self):
        return f"{self.payee_kind}/{self.scheme or '*'}/{self.role or '*'} {self.rate}"

    @property
    def rate_percent(self) -> str:
        return f"{self.rate * 100:.2f}%".replace(".00%", "%")
