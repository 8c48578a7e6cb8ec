"""Reads for the organisation's home: the offers waiting for it (免申即享) and what else it could claim."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from huzhou_craftsman.accounts.models import Organisation
from subsidies import rules

from .models import Application
from .schemes import registry
from .selectors import open_rounds
from .workflow import State


def offers_for(organisation: Organisation) -> QuerySet[Application]:
    """The offers an organisation has not answered yet, newest first."""
    return (
        Application.objects.filter(organisation=organisation, state=State.OFFERED, official_row__isnull=False)
        .select_related("person", "round", "official_row__official_list")
        .order_by("-created_at", "-pk")
    )


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
