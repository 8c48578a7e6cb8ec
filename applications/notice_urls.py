"""URLs of the public notice (公示) pages."""

from django.urls import path

from . import notice_views

urlpatterns = [
    path("notices/", notice_views.notice_public_list, name="notice-public"),
    path("notices/<int:pk>/", notice_views.notice_public_detail, name="notice-public-detail"),
    path("notices/archive/<int:year>/", notice_views.notice_public_archive, name="notice-archive"),
    path("review/notices/", notice_views.notice_staff_list, name="notice-list"),
    path("review/notices/<int:pk>/", notice_views.notice_staff_detail, name="notice-detail"),
    path("review/notices/<int:pk>/objections/", notice_views.objection_create, name="notice-objection"),
]
