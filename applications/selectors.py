"""Reads of the intake pages, with their joins decided once."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.roles import Role

from .models import Application, Attachment, Round


def open_rounds(at=None) -> QuerySet[Round]:
    """Rounds accepting applications now, closing soonest first."""
    at = at or timezone.now()
    return Round.objects.filter(opens_at__lte=at, closes_at__gt=at).order_by("closes_at")


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Applications a user may see: their organisation's, their district's, or all (city level and auditors)."""
    qs = Application.objects.select_related("round", "organisation", "person", "district")
    role = user.role
    if role == Role.ENTERPRISE:
        return qs.filter(organisation_id=user.organisation_id)
    if role == Role.DISTRICT_REVIEWER:
        return qs.filter(district_id=user.district_id).exclude(state="draft")
    if role is None:
        return qs.none()
    return qs.exclude(state="draft")


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
    return Attachment.objects.select_related("application").filter(
        application__in=applications_visible_to(user).values("pk")
    )
