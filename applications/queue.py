"""The reviewers' queue: what waits for each role, with filters, search, sorting and count-free pagination."""

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts.models import District, User
from huzhou_craftsman.accounts.roles import Role

from .models import Application, Round, Scheme
from .selectors import applications_visible_to
from .workflow import State

# What waits for each role by default.
WAITING_FOR = {
    Role.DISTRICT_REVIEWER: [State.SUBMITTED],
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


class QueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", help_text=_("编号、单位、姓名、身份证号或其后4位"))
    state = django_filters.MultipleChoiceFilter(label=_("状态"), choices=State.choices)
    round = django_filters.ModelChoiceFilter(label=_("批次"), queryset=Round.objects.all())
    scheme = django_filters.ChoiceFilter(label=_("类别"), choices=Scheme.choices)
    level = django_filters.CharFilter(label=_("级别代码"))
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
    filterset = QueueFilter(data, queryset=applications_visible_to(user))
    sort = params.get("sort", "submitted")
    ordering = SORTS.get(sort, "submitted_at")
    return filterset, filterset.qs.order_by(ordering, "pk"), sort


class Page:
    """A page of results found without counting the whole table: one extra row tells whether a next page exists."""

    def __init__(self, queryset, number, size=PAGE_SIZE):
        self.number = max(number, 1)
        rows = list(queryset[(self.number - 1) * size : self.number * size + 1])
        self.has_next = len(rows) > size
        self.object_list = rows[:size]
        self.has_previous = self.number > 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)
