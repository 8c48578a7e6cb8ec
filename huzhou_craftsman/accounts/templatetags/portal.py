"""Template helpers for the portal's busiest pages: filter bars and money, without a template render per widget.

Django renders each widget (and each ``<option>``) through its own template, and crispy-forms adds another per
field: on the reviewers' queue that was a third of the page's time. ``filter_controls`` reads a bound filter form
once in Python and hands ``_filter_controls.html`` plain values to loop over.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms, template
from django.utils import timezone

from huzhou_craftsman.accounts.identifiers import mask_bank_account

register = template.Library()


@dataclass
class Control:
    id: str
    name: str
    label: str
    kind: str  # "select" or "input"
    input_type: str = "text"
    multiple: bool = False
    value: str = ""
    options: list = field(default_factory=list)  # (value, label, selected)
    help_text: str = ""
    errors: list = field(default_factory=list)


def _selected_values(bound) -> set[str]:
    value = bound.value()
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return {str(value)}


def _choices(field: forms.Field):
    """A field's choices; a model choice field's from one plain query (its own iterator opens a server-side cursor,
    three round trips on PostgreSQL)."""
    if not isinstance(field, forms.ModelChoiceField):
        return field.choices
    choices = (
        []
        if field.empty_label is None or isinstance(field, forms.ModelMultipleChoiceField)
        else [("", field.empty_label)]
    )
    return choices + [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset.all()]


@register.simple_tag
def filter_controls(form: forms.Form) -> list[Control]:
    """The fields of a (filter) form as plain controls: select boxes with their options marked, or inputs."""
    controls = []
    for bound in form:
        widget = bound.field.widget
        common = {
            "id": bound.auto_id,
            "name": bound.html_name,
            "label": str(bound.label),
            "help_text": str(bound.help_text or ""),
            "errors": list(bound.errors),
        }
        if isinstance(widget, forms.Select | forms.SelectMultiple):
            selected = _selected_values(bound)
            options = [
                (str(value), str(label), str(value) in selected)
                for value, label in _choices(bound.field)
                if not isinstance(label, list | tuple)  # no option groups in the portal's filters
            ]
            controls.append(
                Control(kind="select", multiple=isinstance(widget, forms.SelectMultiple), options=options, **common)
            )
        else:
            value = bound.value()
            if hasattr(widget, "format_value"):
                value = widget.format_value(value)
            controls.append(
                Control(
                    kind="input",
                    input_type=getattr(widget, "input_type", "text") or "text",
                    value="" if value is None else str(value),
                    **common,
                )
            )
    return controls


@register.filter
def yuan(value) -> str:
    """An amount in yuan with thousands separators and two decimals (``1,234,567.80``); "—" for none."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def minute(value) -> str:
    """A date-time in the portal's time zone to the minute (``2026-11-25 14:05``), as ``date:"Y-m-d H:i"`` but
    through strftime; "" for none."""
    if not value:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@register.filter
def masked_account(value) -> str:
    """A bank account number showing only its last four digits (the full number is for the verifier and the bank
    file only)."""
    return mask_bank_account(value or "")
