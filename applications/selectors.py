"""Reads of the intake pages, with their joins decided once."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, prefetch_related_objects
from django.utils import timezone, translation

from huzhou_craftsman.accounts.access import visible
from huzhou_craftsman.accounts.identifiers import mask_resident_id
from huzhou_craftsman.accounts.models import User

from .models import Application, Attachment, MaterialRequirement, Round, describe_level
from .schemes import registry
from .workflow import NEXT_STEP, PUBLIC_NAMES, State


def open_rounds(at=None) -> QuerySet[Round]:
    """Rounds accepting applications now, closing soonest first."""
    at = at or timezone.now()
    return Round.objects.filter(opens_at__lte=at, closes_at__gt=at).order_by("closes_at")


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Applications a user may see (accounts.access: their organisation's, their district's, or all but drafts)."""
    return visible(user, Application.objects.select_related("round", "organisation", "person", "district"))


@lru_cache(maxsize=2048)
def _row_texts(scheme: str, level: str, state: str, language: str) -> tuple[str, str, str, str, str]:
    # Computed under ``language`` (the caller's active one, part of the key): a list page shows a handful of schemes,
    # levels and states on many rows, and each lazy translation turned into text cost more than the row's markup.
    return (
        registry.label(scheme), str(describe_level(scheme, level)), str(PUBLIC_NAMES[State(state)]),
        str(NEXT_STEP.get(State(state), "")), str(State(state).label),
    )  # fmt: skip


def row_texts(scheme: str, level: str, state: str) -> tuple[str, str, str, str, str]:
    """(scheme label, level label, public state, next step, staff state label) of a list row, in the user's language."""
    return _row_texts(scheme, level, state, translation.get_language())


class RowLabels:
    """The texts of a list row (``HomeRow``, ``QueueRow``) from its plain ``scheme``, ``level`` and ``state`` values,
    in the user's language (``row_texts``), and its masked ID number."""

    __slots__ = ()
    scheme: str
    level: str
    state: str
    person_resident_id: str | None

    @property
    def scheme_label(self) -> str:
        return row_texts(self.scheme, self.level, self.state)[0]

    @property
    def level_label(self) -> str:
        return row_texts(self.scheme, self.level, self.state)[1]

    @property
    def public_state(self) -> str:
        return row_texts(self.scheme, self.level, self.state)[2]

    @property
    def next_step(self) -> str:
        return row_texts(self.scheme, self.level, self.state)[3]

    @property
    def state_label(self) -> str:
        return row_texts(self.scheme, self.level, self.state)[4]

    @property
    def masked_resident_id(self) -> str:
        return mask_resident_id(self.person_resident_id or "")


@dataclass(frozen=True, slots=True)
class HomeRow(RowLabels):
    """One row of the enterprise home's table, read as plain values (no model instances: building 50 applications
    with their person and round was most of the page's time, issue 18)."""

    pk: int
    number: str
    scheme: str
    level: str
    state: str
    estimate_total: Decimal | None
    entered_name: str
    person_name: str | None
    person_resident_id: str | None
    closes_at: datetime

    @property
    def has_person(self) -> bool:
        return self.person_resident_id is not None

    @property
    def person_display_name(self) -> str:
        """As ``Application.person_display_name``: the name the enterprise entered, never the registered one."""
        return self.entered_name or self.person_name or ""


HOME_COLUMNS = (
    "pk", "number", "scheme", "level", "state", "estimate_total", "entered_name", "person__name", "person__resident_id",
    "round__closes_at",
)  # fmt: skip


def home_rows(user: User) -> QuerySet:
    """The applications of the enterprise home's table, most recently changed first, as the values of ``HomeRow``
    (only the columns shown)."""
    return applications_visible_to(user).select_related(None).order_by("-updated_at", "-pk").values_list(*HOME_COLUMNS)


@lru_cache(maxsize=1)
def received_annotation() -> Subquery:
    """``already_received`` of each row, as a column of the query that reads the application (``received_total``):
    the page and the submission read it with the application instead of asking again (issue 18). The same awards:
    the person's other applications under the same scheme with an active award.

    Built once (it is the same for every read): ``annotate`` resolves a copy of it for each queryset."""
    awards = (
        Application.objects.filter(person_id=OuterRef("person_id"), scheme=OuterRef("scheme"), award__state="active")
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("person_id")
        .annotate(total=Sum("award__total"))
        .values("total")
    )
    return Subquery(awards, output_field=DecimalField(max_digits=14, decimal_places=2))


def application_for_page(user: User, pk: int) -> Application:
    """One application with everything its page shows (raises DoesNotExist outside the user's scope), with the sum
    of its person's other awards (``received_total``, for the estimate and the submission check)."""
    application = applications_visible_to(user).annotate(received_total=received_annotation()).get(pk=pk)
    return application_prefetch(application, history=True)


def application_prefetch(application: Application, *, history: bool) -> Application:
    """Load the application's attachments (with their checklist item), its round's checklist, its apprentices and,
    with ``history``, its versions and correction requests, so that reading them costs no query.

    What the application cannot have is not asked for (the deadline rush opens and submits thousands of drafts,
    issue 18): versions and correction requests before its first submission (both are written only once it has a
    version), apprentices outside the schemes with an apprentice roster (the only ones ``roster_replace`` accepts).
    """
    # The attachments (with their checklist item, not their uploader: no page shows it) and the round's checklist:
    # two plain reads stored as prefetch results (prefetch_related_objects' own machinery cost more than the two
    # queries, issue 18).
    attachments = list(Attachment.objects.filter(application_id=application.pk).select_related("requirement"))
    for attachment in attachments:
        Attachment.application.field.set_cached_value(attachment, application)
    _store_prefetched(application, "attachments", attachments)
    _store_prefetched(
        application.round, "materials", list(MaterialRequirement.objects.filter(round_id=application.round_id))
    )
    lookups, empty = [], []
    if application.definition.roster == "apprentices":
        lookups.append("apprentices__person")
    else:
        empty.append("apprentices")
    if history and application.version:
        lookups += ["versions", "corrections"]
    elif history:
        empty += ["versions", "corrections"]
    if lookups:
        prefetch_related_objects([application], *lookups)
    for name in empty:
        # Nothing to read: an empty result, without a query and without compiling one (iterating a bare .none()
        # still builds its SQL until it finds the WHERE empty: a tenth of a millisecond each time, issue 18).
        _store_prefetched(application, name, [])
    return application


def _store_prefetched(instance, name: str, rows: list) -> None:
    """Store ``rows`` as ``instance.<name>.all()``, as prefetch_related_objects stores what it read: the related
    manager then answers from them without a query."""
    related = getattr(instance, name).all()
    related._result_cache, related._prefetch_done = rows, True
    vars(instance).setdefault("_prefetched_objects_cache", {})[name] = related


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    return visible(user, Attachment.objects.select_related("application"))
