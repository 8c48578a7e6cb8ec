"""The budget panel of the review page: the application's scheme and years against their appropriations.

A template tag, so the review page (in ``applications``) shows money-side figures without importing ``subsidies``.
"""

from django import template

from applications.workflow import State
from subsidies import budget

register = template.Library()

# Where the figures matter: up to the final approval, and while its promise waits for the award.
SHOWN_IN = frozenset({State.CITY_REVIEW, State.CITY_APPROVAL, State.AWAITING_NOTICE, State.PUBLIC_NOTICE})


@register.inclusion_tag("subsidies/_budget_panel.html")
def budget_panel(application):
    rows = budget.application_budget(application) if application.state in SHOWN_IN else []
    return {"rows": rows}
