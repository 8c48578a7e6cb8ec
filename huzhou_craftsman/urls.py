from django.contrib import admin
from django.urls import include, path

from huzhou_craftsman.accounts import bank_views
from huzhou_craftsman.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("huzhou_craftsman.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/events/", account_views.audit_event_list, name="audit-events"),
    path("audit/events/export.csv", account_views.audit_event_export, name="audit-events-export"),
    path("manage/", account_views.admin_home, name="admin-home"),
    path("organisations/", account_views.organisation_list, name="organisation-list"),
    path("organisations/<int:pk>/", account_views.organisation_detail, name="organisation-detail"),
    path("register/", account_views.register, name="register"),
    path("organisations/<int:pk>/bank/", account_views.organisation_bank_update, name="organisation-bank"),
    path("organisations/<int:pk>/verify/", account_views.organisation_verify, name="organisation-verify"),
    path("bank-accounts/", bank_views.bank_account_queue, name="bank-account-queue"),
    path("bank-accounts/<int:pk>/", bank_views.bank_account_detail, name="bank-account-detail"),
    path("bank-accounts/<int:pk>/proof/", bank_views.bank_account_proof, name="bank-account-proof"),
    path("bank-accounts/<int:pk>/decide/", bank_views.bank_account_decide, name="bank-account-decide"),
    path("", include("applications.urls")),
    path("", include("applications.notice_urls")),
    path("", include("applications.official_list_urls")),
    path("", include("subsidies.urls")),
    path("", include("subsidies.documents.urls")),
    path("", include("subsidies.finance_urls")),
    path("", include("subsidies.policy_urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = "湖州工匠资助平台 · 管理后台"

# A database outage answers 503 "not saved, try again later" rather than the generic 500 page.
handler500 = "huzhou_craftsman.errors.server_error"
