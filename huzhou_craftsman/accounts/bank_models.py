"""Payee bank accounts (收款账户) of organisations and persons, verified by a second person before money moves.

Imported by ``accounts.models`` so that Django registers the model in the ``accounts`` app.

A person is known here by resident ID number and name only: ``applications.Person`` sits above this package
(data flows accounts ← applications ← subsidies), so the applications side links its Person to these rows by
resident ID rather than this package importing it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import identifiers
from .fields import BankAccountField


def proof_path(instance, filename):
    # The stored name never comes from the user: a random name under one folder per account row.
    return f"bank-proofs/{uuid.uuid4().hex}.{instance.proof_kind or 'bin'}"


class BankAccount(models.Model):
    """One payee account of an organisation or a person, as proposed, and what a second person decided about it.

    At most one account per holder is pending and at most one is verified (the one in force); a newly verified
    account supersedes the previous one. Rows are never edited after a decision: a change is a new row.
    """

    class HolderKind(models.TextChoices):
        ORGANISATION = "organisation", _("单位")
        PERSON = "person", _("个人")

    class AccountType(models.TextChoices):
        CORPORATE = "corporate", _("对公结算账户")
        PERSONAL = "personal", _("个人银行结算账户")
        SOCIAL_SECURITY_CARD = "social_security_card", _("社会保障卡金融账户")

    class State(models.TextChoices):
        PENDING = "pending", _("待核验")
        VERIFIED = "verified", _("已核验（在用）")
        REJECTED = "rejected", _("已退回")
        SUPERSEDED = "superseded", _("已被替换")

    PERSONAL_TYPES = (AccountType.PERSONAL, AccountType.SOCIAL_SECURITY_CARD)

    holder_kind = models.CharField(_("账户持有人类型"), max_length=16, choices=HolderKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_accounts",
        verbose_name=_("单位"),
    )
    person_resident_id = models.CharField(
        _("个人身份证号"), max_length=18, blank=True, validators=[identifiers.validate_resident_id]
    )
    person_name = models.CharField(_("个人姓名"), max_length=50, blank=True)
    account_type = models.CharField(_("账户类型"), max_length=24, choices=AccountType.choices)
    account_name = models.CharField(_("开户名称"), max_length=200)
    account_number = BankAccountField(_("银行账号"))
    bank_name = models.CharField(_("开户银行"), max_length=200)
    cnaps_code = models.CharField(_("开户行联行号"), max_length=12, validators=[identifiers.validate_cnaps])
    proof = models.FileField(_("开户证明或银行卡影像"), upload_to=proof_path, blank=True)
    proof_kind = models.CharField(_("证明文件类型"), max_length=8, blank=True)
    proof_name = models.CharField(_("证明文件原名"), max_length=255, blank=True)
    proof_sha256 = models.CharField(_("证明文件 SHA-256"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("变更原因"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("提交人"),
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("核验人"),
    )  # fmt: skip
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    decision_note = models.CharField(_("核验说明或退回原因"), max_length=300, blank=True)
    superseded_at = models.DateTimeField(_("替换时间"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("收款账户")
        verbose_name_plural = _("收款账户")
        indexes = [
            models.Index(fields=["state", "holder_kind", "submitted_at"]),
            models.Index(fields=["person_resident_id", "state"]),
            models.Index(fields=["organisation", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(holder_kind="organisation", organisation__isnull=False, person_resident_id="")
                    | Q(holder_kind="person", organisation__isnull=True)
                    & ~Q(person_resident_id="")
                    & ~Q(person_name="")
                ),
                name="bank_account_one_holder",
            ),
            # A person is paid 对私 only: a personal account or a social security card's financial account.
            models.CheckConstraint(
                condition=Q(holder_kind="organisation") | Q(account_type__in=["personal", "social_security_card"]),
                name="bank_account_person_type",
            ),
            # Two people: whoever proposed a change never verifies it.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True)
                | Q(submitted_by__isnull=True)
                | ~Q(verified_by=F("submitted_by")),
                name="bank_account_verifier_not_submitter",
            ),
            models.CheckConstraint(
                condition=~Q(state="verified") | Q(verified_at__isnull=False), name="bank_account_verified_has_time"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(state="pending", holder_kind="organisation"),
                name="bank_account_one_pending_per_organisation",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(state="verified", holder_kind="organisation"),
                name="bank_account_one_verified_per_organisation",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["person_resident_id"],
                condition=Q(state="pending", holder_kind="person"),
                name="bank_account_one_pending_per_person",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["person_resident_id"],
                condition=Q(state="verified", holder_kind="person"),
                name="bank_account_one_verified_per_person",
            ),  # fmt: skip
        ]

    def __str__(self):
        return f"{self.holder_label} {self.bank_name} {self.masked_account_number}"

    @property
    def masked_account_number(self) -> str:
        return identifiers.mask_bank_account(self.account_number)

    @property
    def holder_label(self) -> str:
        if self.holder_kind == self.HolderKind.ORGANISATION:
            return self.organisation.name if self.organisation_id else ""
        return f"{self.person_name}（{identifiers.mask_resident_id(self.person_resident_id)}）"

    @property
    def holder_key(self) -> tuple[str, str]:
        """The holder as (kind, id): the organisation's pk or the person's resident ID."""
        if self.holder_kind == self.HolderKind.ORGANISATION:
            return (self.holder_kind, str(self.organisation_id))
        return (self.holder_kind, self.person_resident_id)
