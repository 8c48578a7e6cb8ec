"""Reads of the approval documents: who may see which."""

from django.db.models import QuerySet

from huzhou_craftsman.accounts.access import visible
from huzhou_craftsman.accounts.models import User

from .models import Document


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Documents a user may see and download (accounts.access: their organisation's; their district's and the round
    notices, which are addressed to every district; or all for the city)."""
    documents = Document.objects.select_related("award__organisation", "award__person", "award__application", "notice")
    return visible(user, documents)
