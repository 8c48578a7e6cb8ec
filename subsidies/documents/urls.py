"""URLs of the approval documents. Included at the root: ``path("", include("subsidies.documents.urls"))``."""

from django.urls import path

from . import views

urlpatterns = [
    # Public (no login; the two-factor middleware lets /verify/ through): what the QR code on a document opens.
    path("verify/<str:token>/", views.verify, name="document-verify"),
    path("documents/", views.document_list, name="document-list"),
    path("documents/<int:pk>/download/", views.download, name="document-download"),
    # 免申即享: the invitation to an organisation the official lists name (the HTML preview is applications').
    path("official-lists/letter/<str:uscc>/pdf/", views.invitation_letter, name="official-list-letter-pdf"),
    path("manage/documents/regenerate/", views.regenerate, name="documents-regenerate"),
    path("manage/documents/regenerate/<int:pk>/", views.regenerate_job, name="documents-regenerate-job"),
]
