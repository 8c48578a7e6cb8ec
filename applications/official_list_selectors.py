"""Reads of 免申即享: the offers waiting for an organisation and what else it could claim; the rows an invitation letter
to an unregistered organisation lists."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.models import Organisation
from subsidies import rules

from . import schemes
from .models import Application, Person
from .official_lists import OfficialListRow, RowStatus
from .schemes import registry
from .schemes.craftsman_title import PROVINCIAL_TITLES
from .selectors import open_rounds
from .workflow import ANSWERABLE_STATES, Action, State


def offers_for(organisation: Organisation) -> QuerySet[Application]:
    """The offers an organisation has to answer (new, or returned by the district for correction), newest first."""
    return (
        Application.objects.filter(organisation=organisation, state__in=ANSWERABLE_STATES, official_row__isnull=False)
        .select_related("person", "round", "official_row__official_list")
        .order_by("-created_at", "-pk")
    )


def offer_return_reason(application: Application) -> str:
    """Why the district sent a confirmed offer back (empty unless it waits for the organisation's correction)."""
    if application.state != State.LIST_RETURNED:
        return ""
    decision = application.decisions.filter(action=Action.LIST_CHECK_RETURN).order_by("-pk").first()
    return decision.reason if decision else ""


@dataclass(frozen=True)
class Held:
    label: str
    state: str
    amount: Decimal | None
    is_award: bool


@dataclass(frozen=True)
class PersonClaims:
    name: str
    masked_resident_id: str
    held: list[Held]
    top_ups: list  # subsidies.calculator.TopUp: a higher title and what it would still pay (就高)


PEOPLE_PAGE = 50


def people_claims(organisation: Organisation, page: int | str = 1) -> Page:
    """可以申领什么, per person: for each person of the organisation's applications, offers and awards, what they hold
    or wait for here, and what a higher title would still pay under the policy in force (就高: what they hold in
    active awards of such a scheme counted, wherever it was awarded — as every estimate counts it — and what waits
    for them here as if it were awarded).

    A page of ``PEOPLE_PAGE`` people in the order of their names (``page``: its number, as the query string gives
    it); ``object_list`` holds their ``PersonClaims``."""
    from subsidies import calculator  # the calculator reads applications; imported here, never at import time

    mine = Application.objects.filter(organisation=organisation, person__isnull=False).exclude(
        state__in=(State.DRAFT, State.WITHDRAWN, State.REJECTED)
    )
    # In the order of the names this organisation entered (never the registered name of a number it typed).
    entered = NullIf(Min("applications__entered_name", filter=Q(applications__in=mine)), Value(""))
    people = Paginator(
        Person.objects.filter(pk__in=mine.values("person_id"))
        .annotate(shown=Coalesce(entered, "name"))
        .order_by("shown", "pk"),
        PEOPLE_PAGE,
    )
    shown = people.get_page(page)
    applications = list(
        mine.filter(person__in=list(shown.object_list)).select_related("person", "award").order_by("-created_at")
    )
    by_person: dict[int, list[Application]] = {}
    for person in shown.object_list:  # in the page's order
        by_person[person.pk] = []
    for application in applications:
        by_person[application.person_id].append(application)
    counted = [code for code, scheme in registry.SCHEMES.items() if scheme.counts_already_received()]
    received: dict[tuple[int, str], Decimal] = {
        (row["person_id"], row["scheme"]): row["total"]
        for row in Application.objects.filter(person_id__in=list(by_person), scheme__in=counted, award__state="active")
        .values("person_id", "scheme").annotate(total=Sum("award__total"))
    }  # fmt: skip
    memo: dict[tuple[str, Decimal], list] = {}
    found = []
    for person_id, held_here in by_person.items():
        if not held_here:  # withdrawn between the two reads
            continue
        person = held_here[0].person
        held = []
        for application in held_here:
            award = getattr(application, "award", None)
            is_award = award is not None and award.state == "active"
            held.append(Held(
                label=f"{registry.label(application.scheme)} · {application.level_label}",
                state=_("已获资助") if is_award else application.public_state,
                amount=award.total if is_award else application.estimate_total, is_award=is_award,
            ))  # fmt: skip
        # What they hold, and what is on its way here (an offer, an application under review) as if awarded:
        # a higher title pays the difference to both.
        waiting: dict[str, Decimal] = {}
        for application, item in zip(held_here, held, strict=True):
            if not item.is_award and application.state != State.APPROVED and application.estimate_total:
                waiting[application.scheme] = waiting.get(application.scheme, Decimal("0")) + application.estimate_total
        more = []
        for code in counted:
            key = (code, received.get((person_id, code), Decimal("0")) + waiting.get(code, Decimal("0")))
            if key not in memo:
                try:
                    memo[key] = calculator.top_ups(scheme=code, already_received=key[1])
                except rules.RuleError:
                    memo[key] = []
            more += memo[key]
        # The name as this organisation entered it (never the registered name of a number it typed).
        found.append(PersonClaims(held_here[0].person_display_name, person.masked_resident_id, held, more))
    shown.object_list = found
    return shown


@dataclass(frozen=True)
class Claimable:
    round_pk: int
    title: str
    scheme_label: str
    up_to: Decimal | None


def claimable_for(organisation: Organisation, *, rounds: list | None = None) -> list[Claimable]:
    """The open rounds with the most one claim can bring under each (from the rules engine).

    ``rounds``: the open rounds, if the caller has read them already (the enterprise home does)."""
    found = []
    for rnd in (open_rounds() if rounds is None else rounds)[:10]:
        try:
            up_to = rules.scheme_maximum(
                rnd.scheme, municipal_amount=rnd.municipal_studio_amount, amount=rnd.standard_amount,
                edition=rnd.edition,
            )  # fmt: skip
        except rules.RuleError:
            up_to = None
        found.append(Claimable(rnd.pk, rnd.title, registry.label(rnd.scheme), up_to))
    return found


def row_description(row: OfficialListRow) -> str:
    """What a row names, in words: the provincial title, or the level in its list's round's scheme."""
    if row.provincial_title:
        return str(PROVINCIAL_TITLES.get(row.provincial_title, row.provincial_title))
    label = schemes.get(row.official_list.round.scheme).level_label(row.level)
    return f"{label} {row.studio_name}".strip()


def invitation_rows(uscc: str) -> list[OfficialListRow]:
    """The rows waiting for an unregistered organisation, oldest document first, each with ``what`` it names."""
    rows = list(
        OfficialListRow.objects.filter(status=RowStatus.UNREGISTERED, uscc=uscc)
        .select_related("official_list__round")
        .order_by("official_list__document_date", "row_number")
    )
    for row in rows:
        row.what = row_description(row)
    return rows
