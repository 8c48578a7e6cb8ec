"""Reads of the intake pages, with their joins decided once."""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
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
    application = applications_visible_to(user).get(pk=pk)
    return application_prefetch(application, history=True)


def application_prefetch(application: Application, *, history: bool) -> Application:
    """Load the application's attachments (with their checklist item), its round's checklist, its apprentices and,
    with ``history``, its versions and correction requests, so that reading them costs no query.

    What the application cannot have is not asked for (the deadline rush opens and submits thousands of drafts,
    issue 18): versions and correction requests before its first submission (both are written only once it has a
    version), apprentices outside the schemes with an apprentice roster (the only ones ``roster_replace`` accepts).
    """
    lookups = [Prefetch("attachments", queryset=Attachment.objects.select_related("requirement", "uploaded_by")),
               "round__materials"]  # fmt: skip
    empty = []
    if application.definition.roster == "apprentices":
        lookups.append("apprentices__person")
    else:
        empty.append("apprentices")
    if history and application.version:
        lookups += ["versions", "corrections"]
    elif history:
        empty += ["versions", "corrections"]
    prefetch_related_objects([application], *lookups)
    for name in empty:
        # An empty prefetch result: the related manager's .all() answers from it, without a query.
        application._prefetched_objects_cache[name] = getattr(application, name).none()
    return application


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    return visible(user, Attachment.objects.select_related("application"))
