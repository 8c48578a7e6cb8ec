from django.contrib import admin

from .models import EvaluationFiling, PolicyFigure


class _EnteredByAdmin(admin.ModelAdmin):
    """Figures and filings are entered by an administrator; who entered them is recorded automatically."""

    user_field = "entered_by"

    def get_exclude(self, request, obj=None):
        return [self.user_field]

    def save_model(self, request, obj, form, change):
        if not change:
            setattr(obj, self.user_field, request.user)
        super().save_model(request, obj, form, change)


@admin.register(PolicyFigure)
class PolicyFigureAdmin(_EnteredByAdmin):
    list_display = ["indicator", "year", "value", "source", "entered_by", "entered_at"]
    list_filter = ["indicator", "year"]


@admin.register(EvaluationFiling)
class EvaluationFilingAdmin(_EnteredByAdmin):
    user_field = "recorded_by"
    list_display = ["organisation_name", "kind", "year", "filed_on", "document_number"]
    list_filter = ["kind", "year"]
    search_fields = ["organisation_name", "uscc"]
