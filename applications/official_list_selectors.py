"""Reads for the organisation's home: the offers waiting for it (免申即享) and what else it could claim."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from huzhou_craftsman.accounts.models import Organisation
from subsidies import rules

from .models import Application
from .schemes import registry
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
