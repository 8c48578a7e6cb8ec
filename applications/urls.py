from django.urls import path

from . import review_views, views

urlpatterns = [
    path("enterprise/", views.enterprise_home, name="enterprise-home"),
    path("apply/", views.round_list, name="round-list"),
    path("apply/<int:round_pk>/new/", views.application_create, name="application-create"),
    path("apply/roster-template.xlsx", views.roster_template_download, name="roster-template"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("applications/<int:pk>/payee/", views.application_payee, name="application-payee"),
    path(
        "applications/<int:pk>/materials/<int:requirement_pk>/",
        views.attachment_upload,
        name="attachment-upload",
    ),
    path("applications/<int:pk>/roster/", views.roster_edit, name="roster-edit"),
    path("applications/<int:pk>/roster/upload/", views.roster_upload, name="roster-upload"),
    path("review/queue/", review_views.review_queue, name="review-queue"),
    path("review/bulk/", review_views.review_bulk, name="review-bulk"),
    path("review/applications/<int:pk>/", review_views.review_detail, name="review-detail"),
    path("review/applications/<int:pk>/decide/", review_views.review_decide, name="review-decide"),
    path("review/applications/<int:pk>/return/", review_views.review_return, name="review-return"),
    path("review/applications/<int:pk>/comment/", review_views.review_comment, name="review-comment"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]
