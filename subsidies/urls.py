"""URLs of the money side: awards and, later, documents and payments."""

from django.urls import path

from . import views

urlpatterns = [
    path("review/notices/<int:pk>/close/", views.notice_close, name="notice-close"),
    path("review/notices/<int:pk>/close-early/", views.notice_close_early, name="notice-close-early"),
    path("awards/", views.award_list, name="award-list"),
]
