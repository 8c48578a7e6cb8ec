from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, District, Organisation, User


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "district", "is_verified", "contact_name"]
    list_filter = ["district", "is_verified"]
    search_fields = ["name", "uscc"]
    readonly_fields = ["is_verified", "verified_at", "verified_by", "created_at"]
    list_select_related = ["district"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "organisation", "district", "is_active", "last_login"]
    list_select_related = ["organisation", "district"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("机构与范围"), {"fields": ("full_name", "mobile", "organisation", "district")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser may hand out superuser status or single permissions; administrators work with roles.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("is_superuser", "user_permissions", "last_login", "date_joined")


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
