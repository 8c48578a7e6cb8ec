"""URLs of 免申即享: the bureau's official lists and the organisation's offers."""

from django.urls import path

from . import official_list_views as views

urlpatterns = [
    path("official-lists/", views.official_list_index, name="official-list-index"),
    path("official-lists/template/<str:kind>.xlsx", views.official_list_template, name="official-list-template"),
    path("official-lists/unmatched/", views.unmatched_rows, name="official-list-unmatched"),
    path("official-lists/letter/<str:uscc>/", views.invitation_letter, name="official-list-letter"),
    path("official-lists/<int:pk>/", views.official_list_detail, name="official-list-detail"),
    path("official-lists/<int:pk>/file/", views.official_list_file, name="official-list-file"),
    path("official-lists/<int:pk>/rematch/", views.official_list_rematch, name="official-list-rematch"),
    path("people-claims/", views.people_claims, name="people-claims"),
    path("offers/<int:pk>/", views.offer_detail, name="offer-detail"),
    path("offers/<int:pk>/confirm/", views.offer_confirm, name="offer-confirm"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("offers/<int:pk>/payee/", views.offer_payee, name="offer-payee"),
]
