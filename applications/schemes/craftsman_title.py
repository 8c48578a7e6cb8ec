"""§3 Craftsman titles (湖州大工匠 / 湖州工匠 / 湖州乡村工匠 / 湖州青年工匠), by selection or direct recognition."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import rules

from .base import ZERO, ClaimIdentity, Payee, PersonFields, SchemeDefinition, edition_of

SKILL_LEVELS = [
    ("junior", gettext_lazy("初级工")),
    ("intermediate", gettext_lazy("中级工")),
    ("senior", gettext_lazy("高级工")),
    ("technician", gettext_lazy("技师")),
    ("senior_technician", gettext_lazy("高级技师")),
    ("principal_technician", gettext_lazy("特级技师")),
]
ROUTES = [("selection", gettext_lazy("遴选申报")), ("direct", gettext_lazy("省级称号直接认定"))]
IN_HUZHOU_BASIS = [
    ("selected_in_huzhou", gettext_lazy("在湖申报入选")),
    ("full_time_import", gettext_lazy("市外全职引进")),
    ("none", gettext_lazy("均不符合")),
]
PROVINCIAL_TITLES = {
    "zhejiang_grand": gettext_lazy("浙江大工匠"),
    "zhejiang_outstanding": gettext_lazy("浙江杰出工匠"),
    "zhejiang_craftsman": gettext_lazy("浙江工匠"),
    "zhejiang_youth": gettext_lazy("浙江青年工匠"),
}
NONE = [("", gettext_lazy("请选择"))]


class CraftsmanTitleForm(PersonFields):
    route = forms.ChoiceField(label=gettext_lazy("申报方式"), choices=ROUTES, initial="selection")
    level = forms.ChoiceField(label=gettext_lazy("申报称号"), required=False)
    skill_level = forms.ChoiceField(label=gettext_lazy("技能等级"), choices=NONE + SKILL_LEVELS, required=False)
    occupation = forms.CharField(label=gettext_lazy("职业（工种）"), max_length=100, required=False)
    years_in_huzhou = forms.IntegerField(label=gettext_lazy("在湖工作年限"), min_value=0, max_value=70, required=False)
    achievements = forms.CharField(
        label=gettext_lazy("主要业绩"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000, required=False
    )
    provincial_title = forms.ChoiceField(
        label=gettext_lazy("省级称号"), choices=NONE + list(PROVINCIAL_TITLES.items()), required=False
    )
    title_year = forms.IntegerField(label=gettext_lazy("获评年度"), min_value=2000, max_value=2100, required=False)
    in_huzhou_basis = forms.ChoiceField(
        label=gettext_lazy("直接认定条件"), choices=NONE + IN_HUZHOU_BASIS, required=False
    )


class CraftsmanTitle(SchemeDefinition):
    code = "craftsman_title"
    label = gettext_lazy("湖州工匠遴选资助（第3条）")
    clause = "第3条"
    form_class = CraftsmanTitleForm
    has_person = True
    levels = {
        "grand": gettext_lazy("湖州大工匠"),
        "craftsman": gettext_lazy("湖州工匠"),
        "rural": gettext_lazy("湖州乡村工匠"),
        "youth": gettext_lazy("湖州青年工匠"),
    }
    required = {
        "selection": ("level", "skill_level", "occupation", "years_in_huzhou", "achievements"),
        "direct": ("provincial_title", "title_year", "in_huzhou_basis"),
    }

    def route(self, details):
        return details.get("route", "selection") or "selection"

    def effective_level(self, application):
        details = application.details
        if self.route(details) == "direct":
            return rules.DIRECT_RECOGNITION.get(details.get("provincial_title", ""), "")
        return details.get("level", "")

    def eligibility_problems(self, application):
        problems = []
        level = self.effective_level(application)
        rnd = application.round
        direct = self.route(application.details) == "direct"
        if level and rnd.eligible_levels and not direct and level not in rnd.eligible_levels:
            problems.append(_("本批次不受理“%(level)s”。") % {"level": self.level_label(level)})
        if level == "youth" and application.person_id:
            age = application.person.age_on(rnd.closes_at.date())
            if age > rnd.youth_age_limit:
                problems.append(
                    _("申报湖州青年工匠须在截止日不超过 %(limit)s 周岁，被推荐人届时 %(age)s 周岁。")
                    % {"limit": rnd.youth_age_limit, "age": age}
                )
        return problems

    def claims(self, application, *, already_received: Decimal = ZERO):
        d = application.details
        edition = edition_of(application)
        if self.route(d) == "direct":
            return [
                rules.Claim(
                    scheme=self.code,
                    provincial_title=d.get("provincial_title", ""),
                    in_huzhou=d.get("in_huzhou_basis") in ("selected_in_huzhou", "full_time_import"),
                    already_received=already_received,
                    edition=edition,
                )
            ]
        return [
            rules.Claim(scheme=self.code, level=d.get("level", ""), already_received=already_received, edition=edition)
        ]

    def counts_already_received(self):
        return True

    def claim_identities(self, application):
        # RULES.md: a title is one person, 就高 across every round and edition. One live application per person
        # and level; the award pays only the difference to what the person already holds.
        person = application.person
        level = self.effective_level(application)
        return [
            ClaimIdentity(
                key=f"{self.code}:{level}:{person.resident_id}",
                label=_("该人员的“%(level)s”称号申报") % {"level": self.level_label(level)},
                person_resident_id=person.resident_id,
            )
        ]

    def payee(self, application):
        return Payee.PERSON

    def quota(self, application):
        return rules.TITLE_QUOTAS.get(application.level)
