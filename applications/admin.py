from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts.admin import MoneyReadOnlyAdmin

from .models import Application, CompetitionEdition, CompetitionTrade, MaterialRequirement, Round


class MaterialRequirementInline(admin.TabularInline):
    model = MaterialRequirement
    extra = 1


@admin.register(Round)
class RoundAdmin(MoneyReadOnlyAdmin):
    """Amounts are set (positive, audited) when the round is created and read-only afterwards; so is the edition
    that prices its applications."""

    list_display = ["title", "scheme", "edition", "year", "opens_at", "closes_at"]
    list_filter = ["scheme", "edition", "year"]

    def get_readonly_fields(self, request, obj=None):
        # A round's edition prices its open applications: changing it later would re-price them.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "scheme", "edition") if obj is not None else readonly

    inlines = [MaterialRequirementInline]


class CompetitionTradeInline(admin.TabularInline):
    model = CompetitionTrade
    extra = 3


@admin.register(CompetitionEdition)
class CompetitionEditionAdmin(admin.ModelAdmin):
    """The competition catalogue applicants pick from (they never type a competition or trade)."""

    list_display = ["name", "competition", "year", "active"]
    list_filter = ["competition", "year", "active"]
    search_fields = ["name", "trades__name"]
    inlines = [CompetitionTradeInline]

    def has_delete_permission(self, request, obj=None):
        return False  # applications refer to it: retire an edition by clearing "可供申报选择" instead


class UnmappedCompetitionFilter(admin.SimpleListFilter):
    """Competition applications that predate the catalogue and could not be matched to an entry of it."""

    title = _("赛事目录对应")
    parameter_name = "catalogue"

    def lookups(self, request, model_admin):
        return [("unmapped", _("未对应赛事目录（需人工核对）"))]

    def queryset(self, request, queryset):
        if self.value() == "unmapped":
            return queryset.filter(scheme="competition", details__catalogue_unmatched=True)
        return queryset


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only view for administrators: states change only through the workflow services."""

    list_display = ["number", "organisation", "scheme", "level", "state", "submitted_at"]
    list_filter = ["scheme", "state", "district", UnmappedCompetitionFilter]
    search_fields = ["number", "organisation__name"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
