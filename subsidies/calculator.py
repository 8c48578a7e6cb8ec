"""The policy calculator (政策计算器): anyone picks a title, a result or a rating and reads what it is worth, the
clause, how it is paid and to whom — straight from the rules engine, nothing typed twice.

Pure server-side: a GET form and its answer, no script (the page runs under the portal's strict CSP).
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.catalogue import COMPETITION_KINDS
from applications.models import Application
from applications.schemes import registry
from applications.schemes.competition import ROLES
from applications.schemes.craftsman_title import PROVINCIAL_TITLES

from . import rules, tax


def item_choices(edition: str = rules.DEFAULT_EDITION) -> list:
    """Every title, result and rating the edition pays for, grouped as the policy's clauses are."""
    ed = rules.edition(edition)
    titles = registry.get("craftsman_title")
    competition = registry.get("competition")
    competitions = dict(COMPETITION_KINDS)
    groups = [
        (_("湖州工匠称号（第3条）"), [(f"craftsman_title:{code}", titles.level_label(code)) for code in ed.craftsman_title_amounts]),
        (_("省级称号直接认定（第3条）"),
         [(f"provincial:{code}", _("%(p)s → %(h)s") % {"p": PROVINCIAL_TITLES[code], "h": titles.level_label(level)})
          for code, level in ed.direct_recognition.items()]),
        (_("技能竞赛（第4条）"),
         [(f"competition:{comp}:{result}:{role}",
           f"{competitions.get(comp, comp)} · {competition.level_label(result)} · {ROLES[role]}")
          for comp, results in ed.competition_awards.items() for result, row in results.items()
          for role, amount in row.items() if amount is not None]),
        (_("高技能人才培训基地（第5条）"),
         [(f"training_base:{code}", registry.get("training_base").level_label(code)) for code in ed.training_base_amounts]),
        (_("技能大师工作室（第6条）"),
         [(f"master_studio:{code}", registry.get("master_studio").level_label(code)) for code in ed.master_studio_amounts]),
    ]  # fmt: skip
    return [("", gettext_lazy("请选择")), *[(str(label), items) for label, items in groups if items]]


class CalculatorForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("称号、成绩或认定"))
    edition = forms.ChoiceField(label=gettext_lazy("政策版本"))
    already_received = forms.DecimalField(
        label=gettext_lazy("此前已获同类称号资助（元）"), required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text=gettext_lazy("仅称号适用：按就高、不重复享受原则只补差额。"),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].choices = [(code, e.title) for code, e in rules.EDITIONS.items()]
        self.fields["edition"].initial = rules.DEFAULT_EDITION
        edition = self.data.get("edition") if self.data.get("edition") in rules.EDITIONS else rules.DEFAULT_EDITION
        self.fields["item"].choices = item_choices(edition)


@dataclass(frozen=True)
class Answer:
    decision: rules.Decision
    clause: str
    payee: str
    pays_person: bool
    withholding: tax.Withholding


def claim_for(item: str, *, edition: str, already_received: Decimal) -> rules.Claim:
    parts = item.split(":")
    kind = parts[0]
    if kind == "craftsman_title":
        return rules.Claim(scheme=kind, level=parts[1], already_received=already_received, edition=edition)
    if kind == "provincial":
        return rules.Claim(scheme="craftsman_title", provincial_title=parts[1], in_huzhou=True,
                           already_received=already_received, edition=edition)  # fmt: skip
    if kind == "competition":
        return rules.Claim(scheme=kind, competition=parts[1], level=parts[2], role=parts[3], edition=edition)
    if kind in ("training_base", "master_studio"):
        return rules.Claim(scheme=kind, level=parts[1], edition=edition)
    raise rules.RuleError(_("未知的项目。"))


def answer(*, item: str, edition: str, already_received: Decimal | None) -> Answer:
    """Evaluate one choice: amount, clause, instalments, who is paid and what tax is withheld by default."""
    claim = claim_for(item, edition=edition, already_received=already_received or Decimal("0"))
    decision = rules.evaluate(claim)
    # Who is paid is the scheme's own answer (RULES.md "Who is paid"), asked of an unsaved application.
    probe = Application(scheme=claim.scheme, details={"role": claim.role})
    payee = registry.get(claim.scheme).payee(probe)
    pays_person = payee == "person"
    withholding = tax.split(decision.total, payee_kind=payee, scheme=claim.scheme, role=claim.role)
    clause = rules.edition(edition).clauses.get(claim.scheme, "")
    label = _("本人（对私：本人名下个人账户或社会保障卡金融账户）") if pays_person else _("单位（对公账户）")
    return Answer(decision, clause, label, pays_person, withholding)


@dataclass(frozen=True)
class TopUp:
    label: str
    amount: Decimal


def top_ups(*, scheme: str, already_received: Decimal, edition: str = rules.DEFAULT_EDITION) -> list[TopUp]:
    """就高: what each level the calculator offers under a scheme whose awards count against each other (a higher
    title) would still pay a person who holds ``already_received`` under it, most first; levels paying nothing more
    are left out."""
    prefix = f"{scheme}:"
    found = []
    for _group, items in item_choices(edition)[1:]:
        for value, label in items:
            if not value.startswith(prefix):
                continue
            decision = rules.evaluate(claim_for(value, edition=edition, already_received=already_received))
            if decision.total > 0:
                found.append(TopUp(str(label), decision.total))
    return sorted(found, key=lambda top_up: -top_up.amount)


def calculate(data) -> tuple[CalculatorForm, Answer | None]:
    form = CalculatorForm(data or None)
    if not data or not form.is_valid():
        return form, None
    try:
        return form, answer(**{k: form.cleaned_data[k] for k in ("item", "edition", "already_received")})
    except rules.RuleError as error:
        form.add_error(None, ValidationError(str(error)))
        return form, None
