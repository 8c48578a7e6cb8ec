"""What is withheld from a person's award, for the pages of the application side (which do not import money)."""

from django import template

from subsidies import tax

register = template.Library()


@register.simple_tag
def withholding_for(application):
    """The withholding rule that would apply to the application's award if paid to the person now."""
    return tax.rule_for(payee_kind="person", scheme=application.scheme, role=application.details.get("role", ""))
