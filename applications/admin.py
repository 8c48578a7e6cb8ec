from django.contrib import admin

from huzhou_craftsman.accounts.admin import MoneyReadOnlyAdmin

from .models import Application, MaterialRequirement, Round


class MaterialRequirementInline(admin.TabularInline):
    model = MaterialRequirement
    extra = 1


@admin.register(Round)
class RoundAdmin(MoneyReadOnlyAdmin):
    """Amounts are set (positive, audited) when the round is created and read-only afterwards."""

    list_display = ["title", "scheme", "year", "opens_at", "closes_at"]
    list_filter = ["scheme", "year"]
    inlines = [MaterialRequirementInline]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only view for administrators: states change only through the workflow services."""

    list_display = ["number", "organisation", "scheme", "level", "state", "submitted_at"]
    list_filter = ["scheme", "state", "district"]
    search_fields = ["number", "organisation__name"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
