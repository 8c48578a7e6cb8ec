"""The Django admin: reference data only. Bank details, roles and money change through the audited services, so
the admin shows them read-only (and changes a role only through an audited action)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEvent, BankAccount, District, Organisation, User
from .roles import Role

BANK_FIELDS = ("bank_account_name", "bank_account_number", "bank_name", "bank_cnaps_code", "bank_details_changed_at")
ROLE_FIELDS = ("groups", "user_permissions", "is_staff", "is_superuser")


def money_fields(model) -> tuple[str, ...]:
    """Every money column of a model (DecimalField): shown read-only once the row exists."""
    return tuple(f.name for f in model._meta.get_fields() if isinstance(f, models.DecimalField))


class MoneyReadOnlyAdmin(admin.ModelAdmin):
    """An admin whose money fields are entered once, on creation (audited), and read-only afterwards."""

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + money_fields(self.model) if obj is not None else readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        names = [name for name in money_fields(self.model) if name in form.base_fields]

        class PositiveMoneyForm(form):
            def clean(self):
                cleaned = super().clean()
                for name in names:
                    value = cleaned.get(name)
                    if value is not None and value <= 0:
                        self.add_error(name, _("金额必须大于 0（当前 %(v)s 元）。") % {"v": value})
                return cleaned

        return PositiveMoneyForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.audit_record(
                action=f"admin.{obj._meta.model_name}.create", actor=request.user, target=obj, request=request,
                data={name: str(getattr(obj, name)) for name in money_fields(self.model)},
            )  # fmt: skip


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "district", "is_verified", "contact_name"]
    list_filter = ["district", "is_verified"]
    search_fields = ["name", "uscc"]
    list_select_related = ["district"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ("is_verified", "verified_at", "verified_by", "created_at", "bank_details_changed_at")
        # A change of bank details is a pending change verified by a second person (收款账户核验), never an edit.
        return readonly + BANK_FIELDS if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        if not change:
            # Audited; its first account awaits verification like any other; its offers (免申即享) appear at once.
            services.organisation_create(organisation=obj, by=request.user, request=request)
            return
        super().save_model(request, obj, form, change)
        if "uscc" in form.changed_data:  # a corrected USCC may name an organisation an official list waits for
            services.organisation_known(organisation=obj, by=request.user, request=request)


def _role_action(role: Role):
    def action(modeladmin, request, queryset):
        for user in queryset:
            services.user_set_role(user=user, role=role, by=request.user, request=request)
        messages.success(
            request, _("已将 %(n)s 个用户的角色设为“%(role)s”，变更已记录。") % {"n": len(queryset), "role": role.label}
        )

    action.__name__ = f"set_role_{role.value}"
    return admin.action(description=_("设置角色为：%(role)s") % {"role": role.label})(action)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role_label", "organisation", "district", "is_active", "last_login"]
    list_select_related = ["organisation", "district"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("机构与范围"), {"fields": ("full_name", "mobile", "organisation", "district")}),
    )
    actions = [_role_action(role) for role in Role]

    def get_readonly_fields(self, request, obj=None):
        # Roles (groups), single permissions and staff/superuser flags change only through the audited role action.
        return (*ROLE_FIELDS, "last_login", "date_joined")


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    """Read-only: accounts are proposed, verified and rejected only through the services (收款账户核验)."""

    list_display = ["holder_label", "holder_kind", "account_type", "bank_name", "masked_account_number", "state"]
    list_filter = ["state", "holder_kind", "account_type"]
    exclude = ["account_number", "proof"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "actor_name", "action", "target_type", "target_id", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["actor_name", "target_id", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
