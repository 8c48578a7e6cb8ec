"""Payment batches for the bank: a maker prepares, a checker approves, the bank's result file settles each line.

Imported by ``subsidies.models`` so that Django registers these models in the ``subsidies`` app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class PaymentBatch(models.Model):
    """A set of instalments sent to the bank together (代发批次)."""

    class State(models.TextChoices):
        AWAITING_CHECK = "awaiting_check", _("待复核")
        APPROVED = "approved", _("已复核，可导出")
        EXPORTED = "exported", _("已导出，待银行回盘")
        SETTLED = "settled", _("已回盘")
        RETURNED = "returned", _("复核退回")

    number = models.CharField(_("批次号"), max_length=32, unique=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.AWAITING_CHECK)
    purpose = models.CharField(_("用途"), max_length=100, default="湖州工匠培育工程资助")
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total = models.DecimalField(_("总金额（元）"), **MONEY, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("编制时间"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    check_note = models.TextField(_("复核意见"), blank=True)
    exported_at = models.DateTimeField(_("首次导出时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("付款批次")
        verbose_name_plural = _("付款批次")

    def __str__(self):
        return self.number


class PaymentLine(models.Model):
    """One instalment in one batch, with the payee's bank details as they were when the batch was made.

    A person (对私) is paid through the bank's 代发 file, which needs the payee's ID type and number; an
    organisation (对公) through the 批量转账 file. The ID number is shown masked everywhere but in the bank file.
    """

    class PayeeKind(models.TextChoices):
        CORPORATE = "corporate", _("对公")
        PERSONAL = "personal", _("对私")

    class IdType(models.TextChoices):
        RESIDENT_ID = "01", _("居民身份证")

    class State(models.TextChoices):
        PENDING = "pending", _("待银行处理")
        PAID = "paid", _("已支付")
        FAILED = "failed", _("支付失败")
        CANCELLED = "cancelled", _("已取消（批次退回）")
        REVERSED = "reversed", _("已冲正")

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines")
    instalment = models.ForeignKey("subsidies.Instalment", on_delete=models.PROTECT, related_name="payment_lines")
    line_number = models.PositiveIntegerField(_("序号"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    account_name = models.CharField(_("收款户名"), max_length=200)
    account_number = models.CharField(_("收款账号"), max_length=32)
    bank_name = models.CharField(_("开户行"), max_length=200)
    cnaps_code = models.CharField(_("联行号"), max_length=12)
    payee_kind = models.CharField(
        _("收款人类型"), max_length=10, choices=PayeeKind.choices, default=PayeeKind.CORPORATE
    )
    payee_id_type = models.CharField(_("证件类型"), max_length=2, choices=IdType.choices, blank=True)
    payee_id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    # What the instalment is worth (gross), what is withheld as individual income tax, and the net paid (amount).
    gross = models.DecimalField(_("应发金额（元）"), **MONEY, null=True, blank=True)
    tax_withheld = models.DecimalField(_("代扣个税（元）"), **MONEY, default=0)
    tax_category = models.CharField(_("所得项目"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    failure_reason = models.CharField(_("失败原因"), max_length=300, blank=True)
    result_at = models.DateTimeField(_("回盘时间"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "line_number"]
        verbose_name = _("付款明细")
        verbose_name_plural = _("付款明细")
        constraints = [
            # An instalment is in at most one live batch, and once paid it never enters another one.
            models.UniqueConstraint(
                fields=["instalment"],
                condition=Q(state__in=["paid", "pending"]),
                name="instalment_in_one_live_batch",
            ),
            models.UniqueConstraint(fields=["batch", "line_number"], name="one_line_number_per_batch"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_amount_positive"),
            # Gross = tax withheld + net paid, to the fen, whenever the split was recorded.
            models.CheckConstraint(
                condition=Q(gross__isnull=True) | Q(gross=models.F("tax_withheld") + models.F("amount")),
                name="payment_line_gross_is_tax_plus_net",
            ),
        ]
        indexes = [models.Index(fields=["batch", "account_number"])]

    def __str__(self):
        return f"{self.batch_id}#{self.line_number}"

    @property
    def payee_id_number_masked(self) -> str:
        from huzhou_craftsman.accounts.identifiers import mask_resident_id

        return mask_resident_id(self.payee_id_number)


class PaymentCorrection(models.Model):
    """A reversal of a wrong payment: a new entry with a reason, never an edit of the line it corrects."""

    line = models.ForeignKey(PaymentLine, on_delete=models.PROTECT, related_name="corrections")
    amount = models.DecimalField(_("冲正金额（元）"), **MONEY)
    reason = models.TextField(_("原因"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("冲正记录")
        verbose_name_plural = _("冲正记录")
        constraints = [models.UniqueConstraint(fields=["line"], name="one_reversal_per_line")]

    def __str__(self):
        return f"{self.line_id} -{self.amount}"


class BankResultImport(models.Model):
    """One import of a bank result file: what it matched and what it could not (the file's hash makes re-imports
    recognisable)."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    paid = models.PositiveIntegerField(_("成功笔数"), default=0)
    failed = models.PositiveIntegerField(_("失败笔数"), default=0)
    unchanged = models.PositiveIntegerField(_("已处理过的笔数"), default=0)
    problems = models.JSONField(_("未处理的行"), default=list)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("银行回盘导入")
        verbose_name_plural = _("银行回盘导入")

    def __str__(self):
        return f"{self.batch_id} {self.file_name}"
