"""Reads of 免申即享: the offers waiting for an organisation and what else it could claim; the rows an invitation letter
to an unregistered organisation lists."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from huzhou_craftsman.accounts.models import Organisation
from subsidies import rules

from . import schemes
from .models import Application
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
class Claimable:
    round_pk: int
    title: str
    scheme_label: str
    up_to: Decimal | None


def claimable_for(organisation: Organisation) -> list[Claimable]:
    """The open rounds with the most one claim can bring under each (from the rules engine)."""
    found = []
    for rnd in open_rounds()[:10]:
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
