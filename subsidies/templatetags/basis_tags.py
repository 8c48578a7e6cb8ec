"""The rule basis in the reader's language.

The basis is the rules engine's Chinese sentence, stored on the application and the award as the record of why an
amount is due (RULES.md: store what was computed and why). It is never machine-translated: on an English page the
reader gets an English summary built from the same structured fields (scheme, level, role, amount, instalments),
and the recorded Chinese sentence below it, marked ``lang="zh-Hans"`` so screen readers and the English-page
check know it is the original record.
"""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

register = template.Library()


def english_summary(application, total, instalments: int | None) -> str:
    parts = [str(application.get_scheme_display())]
    if application.level_label:
        parts.append(str(application.level_label))
    # A scheme whose form asks for a role (competitions) names it, in the scheme form's own words.
    role_field = application.definition.form_class.base_fields.get("role")
    roles = dict(getattr(role_field, "choices", None) or [])
    role = application.details.get("role")
    if role in roles:
        parts.append(str(roles[role]))
    head = " · ".join(parts)
    if total is None:
        return head
    if not total:
        return _("%(what)s: not eligible under the rules (the recorded reason is below).") % {"what": head}
    amount = intcomma(floatformat(total, 2))
    if instalments:
        paid = ngettext("paid in %(n)s instalment", "paid in %(n)s yearly instalments", instalments) % {
            "n": instalments
        }
        return _("%(what)s: %(amount)s yuan, %(paid)s.") % {"what": head, "amount": amount, "paid": paid}
    return _("%(what)s: %(amount)s yuan.") % {"what": head, "amount": amount}


@register.inclusion_tag("subsidies/_basis.html")
def basis(application, text, total=None, instalments=None):
    """The basis line: as recorded in Chinese; on an English page, an English summary and the record below."""
    english = (get_language() or "").startswith("en")
    return {"text": text, "summary": english_summary(application, total, instalments) if english else ""}
