"""Users, districts, organisations and the append-only audit trail."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import identifiers
from .fields import BankAccountField, USCCField
from .roles import READ_ONLY_ROLES, STAFF_ROLES, Role


class District(models.Model):
    """A district or county of Huzhou (区县), or the city level itself (市本级)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("区县")
        verbose_name_plural = _("区县")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the user's language (the seeded districts' English names are in the .po)."""
        return gettext(self.name)


class Organisation(models.Model):
    """An applying organisation (申报单位), known by its Unified Social Credit Code."""

    name = models.CharField(_("单位名称"), max_length=200)
    uscc = USCCField(_("统一社会信用代码"), unique=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("所属区县")
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11, validators=[identifiers.validate_mobile])
    bank_account_name = models.CharField(_("开户名称"), max_length=200)
    bank_account_number = BankAccountField(_("银行账号"))
    bank_name = models.CharField(_("开户银行"), max_length=200)
    bank_cnaps_code = models.CharField(_("开户行联行号"), max_length=12, validators=[identifiers.validate_cnaps])
    bank_details_changed_at = models.DateTimeField(_("收款账户变更时间"), null=True, blank=True)
    is_verified = models.BooleanField(_("已认定"), default=False)
    verified_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("认定人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("申报单位")
        verbose_name_plural = _("申报单位")
        indexes = [models.Index(fields=["district", "is_verified"])]

    def __str__(self):
        return self.name

    @property
    def masked_bank_account(self) -> str:
        return identifiers.mask_bank_account(self.bank_account_number)


class User(AbstractUser):
    """A person who logs in: an enterprise's staff member or a bureau official."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("所属单位")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("所属区县")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("apply", _("以申报单位身份申报")),
            ("review_district", _("区县初审")),
            ("review_city", _("市级复审")),
            ("approve_city", _("市级审批")),
            ("verify_organisation", _("认定申报单位")),
            ("make_payments", _("编制付款批次（经办）")),
            ("check_payments", _("复核付款批次")),
            ("view_all", _("查看全部数据（只读）")),
            ("view_dashboard", _("查看政策看板")),
            ("manage_portal", _("管理平台")),
            ("verify_bank_account", _("核验收款账户")),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or super().get_full_name()

    @cached_property
    def role(self) -> Role | None:
        """The user's role: the first role group they belong to (a user normally has exactly one)."""
        names = {g.name for g in self.groups.all()}
        for role in Role:
            if role.value in names:
                return role
        return None

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else ""

    @property
    def is_bureau_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES


class AuditEvent(models.Model):
    """One append-only line of the audit trail: who did what to which object, when, from where and why.

    Rows are never updated or deleted (enforced here and, on PostgreSQL, by a trigger); a correction is a new event.
    """

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("事件"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only; record a new event instead of editing one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only and cannot be deleted.")


# Payee bank accounts live beside their services; imported here so Django registers them in this app.
from .bank_models import BankAccount  # noqa: E402, F401
