"""Reads of the intake pages, with their joins decided once."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from huzhou_craftsman.accounts.access import visible
from huzhou_craftsman.accounts.models import User

from .models import Application, Attachment, Round


def open_rounds(at=None) -> QuerySet[Round]:
    """Rounds accepting applications now, closing soonest first."""
    at = at or timezone.now()
    return Round.objects.filter(opens_at__lte=at, closes_at__gt=at).order_by("closes_at")


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Applications a user may see (accounts.access: their organisation's, their district's, or all but drafts)."""
    return visible(user, Application.objects.select_related("round", "organisation", "person", "district"))


def application_for_page(user: User, pk: int) -> Application:
    """One application with everything its page shows (raises DoesNotExist outside the user's scope)."""
    return (
        applications_visible_to(user)
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.select_related("requirement", "uploaded_by"),
            ),
            "round__materials",
            "versions",
            "corrections",
            "apprentices__person",
        )
        .get(pk=pk)
    )


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    return visible(user, Attachment.objects.select_related("application"))
