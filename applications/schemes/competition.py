"""§4 Skills competitions: World Skills (and its national squad) and the China Skills Competition.

The competition edition and the trade are picked (one choice, trades grouped by edition) from the bureau's
catalogue (``CompetitionEdition``, ``CompetitionTrade``), never typed: the claim identity is person × trade (of one edition) × role, so no rewording
of a trade can make the same medal a second claim.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.catalogue import CompetitionTrade
from subsidies import rules

from .base import ClaimIdentity, Payee, PersonFields, SchemeDefinition, edition_of, parse_people, people_initial

ROLES = {
    "contestant": gettext_lazy("选手"),
    "coach": gettext_lazy("带队教练"),
    "expert_team": gettext_lazy("技术指导专家团队"),
}


def trade_choices() -> list:
    """The catalogue's trades grouped by competition edition (the applicant picks both with one choice)."""
    groups: dict[str, list] = {}
    for trade in (
        CompetitionTrade.objects.filter(edition__active=True)
        .select_related("edition")
        .order_by("-edition__year", "edition__name", "name")
    ):
        groups.setdefault(trade.edition.display_name, []).append((trade.pk, trade.name))
    return [("", gettext_lazy("请选择")), *groups.items()]


class CompetitionForm(PersonFields):
    trade = forms.TypedChoiceField(
        label=gettext_lazy("赛事及竞赛项目"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("从人力社保局维护的赛事目录中选择；目录中没有的赛事或项目请联系市人力社保局。"),
    )
    level = forms.ChoiceField(label=gettext_lazy("成绩"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("获奖身份"), choices=list(ROLES.items()), initial="contestant")
    team_members = forms.CharField(
        label=gettext_lazy("专家团队成员"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("技术指导专家团队填写：每行一人，格式“姓名,身份证号”。上方人员填团队负责人。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trade"].choices = trade_choices()

    def clean_team_members(self):
        return parse_people(self.cleaned_data["team_members"], what="")

    def clean_trade(self):
        pk = self.cleaned_data["trade"]
        if pk is None:
            return None
        trade = CompetitionTrade.objects.filter(pk=pk, edition__active=True).select_related("edition").first()
        if trade is None:
            raise forms.ValidationError(_("所选赛事或竞赛项目不在赛事目录中，请重新选择。"))
        return trade


class Competition(SchemeDefinition):
    code = "competition"
    label = gettext_lazy("技能竞赛奖励（第4条）")
    clause = "第4条"
    form_class = CompetitionForm
    has_person = True
    levels = {
        "selected": gettext_lazy("入选"),
        "gold": gettext_lazy("金牌"),
        "silver": gettext_lazy("银牌"),
        "bronze": gettext_lazy("铜牌"),
        "excellence": gettext_lazy("优胜奖"),
    }
    required = {"": ("trade", "level", "role")}

    def form_initial(self, initial):
        initial = dict(initial)
        if isinstance(initial.get("team_members"), list):
            initial["team_members"] = people_initial(initial["team_members"])
        return initial

    def details_from(self, cleaned):
        details = super().details_from(cleaned)
        trade = cleaned.get("trade")
        # The edition, the rules engine's competition code and the year come from the catalogue, never typed.
        details["competition_edition"] = trade.edition_id if trade else None
        details["competition"] = trade.edition.competition if trade else ""
        details["year"] = trade.edition.year if trade else None
        return details

    def missing_fields(self, application):
        missing = super().missing_fields(application)
        d = application.details
        if d.get("role") == "expert_team" and not d.get("team_members"):
            missing.append(str(self.form_class.base_fields["team_members"].label))
        return missing

    def display_value(self, application, name, form_field, value):
        if name == "trade":
            trade = CompetitionTrade.objects.filter(pk=value).select_related("edition").first()
            return f"{trade.edition.display_name} · {trade.name}" if trade else _("（赛事目录中已无此项）")
        return super().display_value(application, name, form_field, value)

    def claims(self, application, *, already_received=None):
        d = application.details
        return [
            rules.Claim(
                scheme=self.code,
                competition=d.get("competition", ""),
                level=d.get("level", ""),
                role=d.get("role", ""),
                edition=edition_of(application),
            )
        ]

    def claim_identities(self, application):
        d = application.details
        trade, role = d.get("trade"), d.get("role", "contestant")
        if role == "expert_team":
            # One technical expert team per trade of one competition edition.
            return [ClaimIdentity(key=f"{self.code}:{trade}:expert_team", label=_("该竞赛项目的技术指导专家团队奖励"))]
        resident_id = application.person.resident_id
        return [
            ClaimIdentity(
                key=f"{self.code}:{trade}:{role}:{resident_id}",
                label=_("该人员在同一赛事同一项目的%(role)s奖励") % {"role": ROLES.get(role, role)},
                person_resident_id=resident_id,
            )
        ]

    def payee(self, application):
        # RULES.md: contestants and coaches are paid themselves; an expert team through the organisation leading it.
        return Payee.ORGANISATION if application.details.get("role") == "expert_team" else Payee.PERSON
