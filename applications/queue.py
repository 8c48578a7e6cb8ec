"""The reviewers' queue: what waits for each role, with filters, search, sorting and count-free pagination."""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts.access import DISTRICT, scope_of
from huzhou_craftsman.accounts.models import District, User
from huzhou_craftsman.accounts.roles import Role

from .models import Application, Round, scheme_choices
from .schemes import registry
from .selectors import RowLabels, applications_visible_to
from .workflow import State

# What waits for each role by default.
WAITING_FOR = {
    Role.DISTRICT_REVIEWER: [State.SUBMITTED, State.LIST_CHECK],
    Role.CITY_REVIEWER: [State.CITY_REVIEW],
    Role.CITY_APPROVER: [State.CITY_APPROVAL, State.AWAITING_NOTICE],
}
SORTS = {
    "submitted": "submitted_at",
    "-submitted": "-submitted_at",
    "number": "number",
    "-number": "-number",
    "amount": "estimate_total",
    "-amount": "-estimate_total",
}
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class QueueRow(RowLabels):
    """What one queue row shows, read as plain values (no model instances: 50 rows x 4 models was a fifth of the
    page's time)."""

    pk: int
    number: str
    scheme: str
    level: str
    state: str
    submitted_at: datetime | None
    estimate_total: Decimal | None
    organisation_name: str
    district_name: str
    person_name: str | None
    person_resident_id: str | None


QUEUE_COLUMNS = (
    "pk", "number", "scheme", "level", "state", "submitted_at", "estimate_total", "organisation__name",
    "district__name", "person__name", "person__resident_id",
)  # fmt: skip


def level_choices() -> list[tuple[str, str]]:
    """Every scheme's levels, named "级别（类别）" so a level shared by two schemes is still clear."""

    seen: dict[str, str] = {}
    for scheme in registry.SCHEMES.values():
        for code, label in scheme.level_choices():
            seen.setdefault(code, f"{label}（{scheme.label}）")
    return list(seen.items())


class QueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", help_text=_("编号、单位、姓名、身份证号或其后4位"))
    # distinct=False: filtering on the row's own column never repeats a row, and DISTINCT would make PostgreSQL
    # sort every match before it can return the first page.
    state = django_filters.MultipleChoiceFilter(label=_("状态"), choices=State.choices, distinct=False)
    round = django_filters.ModelChoiceFilter(label=_("批次"), queryset=Round.objects.only("id", "title"))
    scheme = django_filters.ChoiceFilter(label=_("类别"), choices=scheme_choices)
    level = django_filters.ChoiceFilter(label=_("级别"), choices=level_choices)
    district = django_filters.ModelChoiceFilter(label=_("区县"), queryset=District.objects.all())
    submitted_from = django_filters.DateFilter(
        label=_("提交起"),
        field_name="submitted_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    submitted_to = django_filters.DateFilter(
        label=_("提交止"),
        field_name="submitted_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    class Meta:
        model = Application
        fields = ["q", "state", "round", "scheme", "level", "district", "submitted_from", "submitted_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if re.fullmatch(r"\d{17}[\dXx]", value):
            return queryset.filter(person__resident_id=value.upper())
        if re.fullmatch(r"\d{3}[\dXx]", value):
            return queryset.filter(person__resident_id__endswith=value.upper())
        return queryset.filter(
            Q(number__iexact=value) | Q(organisation__name__icontains=value) | Q(person__name__icontains=value)
        )


def queue_for(user: User, params) -> tuple[QueueFilter, QuerySet[Application], str]:
    """Return the filter, the filtered and sorted queryset and the sort key for a reviewer's queue."""
    data = params.copy()
    if "state" not in data and user.role in WAITING_FOR:
        data.setlist("state", [s.value for s in WAITING_FOR[user.role]])
    filterset = QueueFilter(data, queryset=applications_visible_to(user).select_related(None))
    if scope_of(user) == DISTRICT:  # they see their own district only: a district filter offers nothing
        del filterset.filters["district"]
    sort = params.get("sort", "submitted")
    ordering = SORTS.get(sort, "submitted_at")
    return filterset, filterset.qs.order_by(ordering, "pk"), sort


def queue_rows(queryset: QuerySet[Application]):
    """The queue's rows as ``QueueRow`` values: only the columns shown, the details and basis stay in the database."""
    return queryset.values_list(*QUEUE_COLUMNS)


def page_number(params) -> int:
    """The page asked for in the query string (``?page=``): 1 when missing or not a number, at most 10,000."""
    try:
        return max(1, min(int(params.get("page", 1)), 10_000))
    except ValueError:
        return 1


class Page:
    """A page of results found without counting the whole table: one extra row tells whether a next page exists."""

    def __init__(self, queryset, number, size=PAGE_SIZE, row=None):
        self.number = max(number, 1)
        # The page's ids first, filtered and sorted on the applications table alone, then the joined columns for those
        # rows only, in one statement. Sorting the joined rows instead made PostgreSQL join every match of a district
        # reviewer's queue (two states, so no index gives their order) to the 100,000 people before taking 51: 40-70 ms
        # against 3 ms on the benchmark's data (issue 18, docs/performance/deadline-rush.md).
        window = queryset.values("pk")[(self.number - 1) * size : self.number * size + 1]
        rows = list(queryset.filter(pk__in=window))
        if row is not None:
            rows = [row(*values) for values in rows]
        self.has_next = len(rows) > size
        self.object_list = rows[:size]
        self.has_previous = self.number > 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)
