"""Approval documents of an award, their gap-free yearly numbering, and batch regeneration jobs.

Imported by ``subsidies.models`` so that Django registers these models in the ``subsidies`` app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentSequence(models.Model):
    """The last number issued in a year of one series (the applicants' letters, the round notices); its row is
    locked while a number is taken, so numbers have no gaps."""

    class Series(models.TextChoices):
        AWARD = "award", _("资助告知书与拨付计划")
        NOTICE = "notice", _("资助名单通知")

    series = models.CharField(_("编号序列"), max_length=16, choices=Series.choices, default=Series.AWARD)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("已用最大序号"), default=0)

    class Meta:
        verbose_name = _("文书编号序列")
        verbose_name_plural = _("文书编号序列")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_series_year")]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last_number}"


def document_path(instance, filename):
    # Never the user's name for anything: the year of the number and the unguessable token.
    return f"documents/{instance.year}/{instance.token}.pdf"


class Document(models.Model):
    """One issued, digitally sealed PDF, in one version, verifiable by its token: an award's letter or disbursement
    schedule, or the official notice (通知) listing the awards of a closed public notice."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("资助告知书")
        SCHEDULE = "schedule", _("资助分期拨付计划")
        ROUND_NOTICE = "round_notice", _("资助名单通知")

    class State(models.TextChoices):
        PENDING = "pending", _("生成中")
        READY = "ready", _("有效")
        FAILED = "failed", _("生成失败")
        REVOKED = "revoked", _("已作废")

    award = models.ForeignKey(
        "subsidies.Award",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("资助"),
    )
    notice = models.ForeignKey(
        "applications.PublicNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("公示"),
    )
    kind = models.CharField(_("文书类型"), max_length=16, choices=Kind.choices, default=Kind.LETTER)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    year = models.PositiveSmallIntegerField(_("编号年度"))
    serial = models.PositiveIntegerField(_("年度序号"))
    number = models.CharField(_("文号"), max_length=40, unique=True)
    token = models.CharField(_("核验令牌"), max_length=64, unique=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    file = models.FileField(_("文件"), upload_to=document_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successor",
        verbose_name=_("替代的文书"),
    )
    reason = models.TextField(_("出具原因"), blank=True)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("作废原因"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("生成尝试次数"), default=0)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    # Who sealed the file (the signing certificate's subject) and when; empty when signing was switched off.
    signer = models.CharField(_("签章人"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("签章时间"), null=True, blank=True)
    # When the sweep last re-sent the generation task (a document is re-sent at most once per sweep period).
    last_swept_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("资助文书")
        verbose_name_plural = _("资助文书")
        constraints = [
            models.UniqueConstraint(fields=["award", "kind", "version"], name="one_document_per_award_kind_version"),
            models.UniqueConstraint(fields=["notice", "kind", "version"], name="one_document_per_notice_kind_version"),
            models.CheckConstraint(
                condition=(Q(kind="round_notice") & Q(award__isnull=True) & Q(notice__isnull=False))
                | (~Q(kind="round_notice") & Q(award__isnull=False) & Q(notice__isnull=True)),
                name="document_of_an_award_or_of_a_notice",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | (~Q(sha256="") & ~Q(file="")), name="ready_document_has_file_and_hash"
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self):
        return self.number


class RegenerationJob(models.Model):
    """An administrator's batch re-issue of documents (e.g. after the issuing office's name changed), with progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")

    year = models.PositiveSmallIntegerField(_("文书年度"))
    kind = models.CharField(_("文书类型"), max_length=16, choices=Document.Kind.choices, blank=True)
    reason = models.CharField(_("重新生成原因"), max_length=200)
    # The documents chosen when the job started, in order; ``done`` counts how many of them have been handled.
    document_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(_("文书总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("文书重新生成任务")
        verbose_name_plural = _("文书重新生成任务")
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="regeneration_done_within_total")
        ]

    def __str__(self):
        return f"{self.year} {self.kind or '*'} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def is_finished(self) -> bool:
        return self.state == self.State.DONE
