"""What §9 学费补助, §9 岗位补贴 and §10 生活补贴 share: a list of persons, each paid the amount the round sets.

The text leaves the amounts to the districts ("区县结合实际"), so the round's amount is the only limit and must be
positive.
"""

import dataclasses

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import rules

from .base import ClaimIdentity, edition_of, parse_people, people_initial
from .roster_base import RosterScheme

PEOPLE_HELP = gettext_lazy("每行一人，格式“姓名,身份证号”。")


class PeopleForm(forms.Form):
    people = forms.CharField(
        label=gettext_lazy("人员名单"), widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text=PEOPLE_HELP
    )

    def clean_people(self):
        return parse_people(self.cleaned_data["people"], what="")


class PeopleScheme(RosterScheme):
    roster = "people"
    round_amount_field = "standard_amount"
    per_year = False  # whether a person may be claimed once per year (True) or once ever (False)

    def form_initial(self, initial):
        initial = dict(initial)
        if isinstance(initial.get("people"), list):
            initial["people"] = people_initial(initial["people"])
        return initial

    def round_problems(self, round):
        if round.standard_amount is None or round.standard_amount <= 0:
            return {"standard_amount": _("%(scheme)s须设定大于 0 元的资助标准。") % {"scheme": self.label}}
        return {}

    def combine(self, application, decisions):
        combined = super().combine(application, decisions)
        if not decisions:
            return combined
        # Every person is paid the round's amount: say it once, then the list's count and total.
        return dataclasses.replace(combined, basis=f"{decisions[0].basis}；{combined.basis.split('：', 1)[-1]}")

    def claims(self, application, *, already_received=None):
        amount = application.round.standard_amount
        if amount is None:
            raise rules.RuleError(_("批次未设定资助标准（元/人），请联系市人力社保局。"))
        return [
            rules.Claim(scheme=self.code, amount=amount, edition=edition_of(application))
            for _person in application.details.get("people") or []
        ]

    def claim_identities(self, application):
        year = f"{application.round.year}:" if self.per_year else ""
        return [
            ClaimIdentity(
                key=f"{self.code}:{year}{p['resident_id']}",
                label=_("%(name)s的%(scheme)s") % {"name": p["name"], "scheme": self.label},
                person_resident_id=p["resident_id"],
            )
            for p in application.details.get("people") or []
        ]
