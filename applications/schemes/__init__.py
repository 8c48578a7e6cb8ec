"""Schemes of the policy: one module each, registered in ``registry``; the portal asks here, never branches on codes.

The functions below are the portal's whole interface to schemes; each looks the application's scheme up.
"""

from decimal import Decimal

from subsidies import rules

from .base import PERSON_FIELDS, ApplicationDecision, ClaimIdentity, Payee, SchemeDefinition
from .registry import SCHEMES, UnknownScheme, choices, get, label

__all__ = [
    "PERSON_FIELDS",
    "SCHEMES",
    "ApplicationDecision",
    "ClaimIdentity",
    "Payee",
    "SchemeDefinition",
    "UnknownScheme",
    "choices",
    "claims",
    "decide",
    "details_display",
    "details_from",
    "effective_level",
    "eligibility_problems",
    "form_for",
    "get",
    "label",
    "missing_fields",
]


def form_for(round, *, data=None, initial=None):
    return get(round.scheme).form(round, data=data, initial=initial)


def details_from(scheme: str, cleaned: dict) -> dict:
    return get(scheme).details_from(cleaned)


def details_display(application) -> list[tuple[str, str]]:
    return get(application.scheme).details_display(application)


def effective_level(application) -> str:
    return get(application.scheme).effective_level(application)


def missing_fields(application) -> list[str]:
    return get(application.scheme).missing_fields(application)


def eligibility_problems(application) -> list[str]:
    return get(application.scheme).eligibility_problems(application)


def claims(application, *, already_received: Decimal = Decimal("0")) -> list[rules.Claim]:
    return get(application.scheme).claims(application, already_received=already_received)


def decide(application, *, already_received: Decimal = Decimal("0")) -> ApplicationDecision:
    """Evaluate the application's claims and combine them (raises rules.RuleError for a malformed claim)."""
    scheme = get(application.scheme)
    decisions = [rules.evaluate(claim) for claim in scheme.claims(application, already_received=already_received)]
    return scheme.combine(application, decisions)
