from django.urls import path

from . import budget_views
from . import finance_views as views

urlpatterns = [
    path("finance/", views.due_list, name="finance-due"),
    path("finance/payees/<int:pk>/confirm/", views.payee_confirm, name="finance-payee-confirm"),
    path("finance/batches/", views.batch_list, name="finance-batches"),
    path("finance/batches/new/", views.batch_create, name="finance-batch-create"),
    path("finance/batches/<int:pk>/", views.batch_detail, name="finance-batch"),
    path("finance/batches/<int:pk>/check/", views.batch_check, name="finance-batch-check"),
    path("finance/batches/<int:pk>/export/<str:file_format>/", views.batch_export, name="finance-batch-export"),
    path("finance/batches/<int:pk>/results/", views.results_upload, name="finance-results-upload"),
    path("finance/lines/<int:pk>/reverse/", views.line_reverse, name="finance-line-reverse"),
    path("finance/result-template.xlsx", views.result_template, name="finance-result-template"),
    path("finance/budget/", budget_views.budget_page, name="finance-budget"),
    path("finance/budget/set/", budget_views.budget_set, name="finance-budget-set"),
    path("finance/reconciliation/", views.reconciliation_report, name="finance-reconciliation"),
    path("finance/withholding.xlsx", views.withholding_report, name="finance-withholding"),
]
