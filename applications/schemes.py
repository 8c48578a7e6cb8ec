"""What each scheme asks for: its form, what a submission needs, the rules-engine claims and the duplicate key.

A draft may be saved half-filled (every field is optional in the form, but what is filled must be valid);
``submission_problems`` lists everything still missing before a submission is accepted.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huzhou_craftsman.accounts import identifiers
from subsidies import rules

from .models import Application, Round, Scheme

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


def _choices(table) -> list[tuple[str, str]]:
    return [("", "——")] + list(table.items())


class PersonFields(forms.Form):
    """The nominee (被推荐人 / 负责人): one Person per resident ID across the portal."""

    person_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, required=False)
    person_resident_id = forms.CharField(
        label=gettext_lazy("身份证号"), max_length=18, required=False, validators=[identifiers.validate_resident_id]
    )
    person_mobile = forms.CharField(
        label=gettext_lazy("手机号码"), max_length=11, required=False, validators=[identifiers.validate_mobile]
    )

    def clean_person_resident_id(self):
        return identifiers.normalise_resident_id(self.cleaned_data["person_resident_id"])


class CraftsmanTitleForm(PersonFields):
    route = forms.ChoiceField(label=gettext_lazy("申报方式"), choices=ROUTES, initial="selection")
    level = forms.ChoiceField(label=gettext_lazy("申报称号"), required=False)
    skill_level = forms.ChoiceField(label=gettext_lazy("技能等级"), choices=[("", "——"), *SKILL_LEVELS], required=False)
    occupation = forms.CharField(label=gettext_lazy("职业（工种）"), max_length=100, required=False)
    years_in_huzhou = forms.IntegerField(label=gettext_lazy("在湖工作年限"), min_value=0, max_value=70, required=False)
    achievements = forms.CharField(
        label=gettext_lazy("主要业绩"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000, required=False
    )
    provincial_title = forms.ChoiceField(
        label=gettext_lazy("省级称号"), choices=_choices(rules.PROVINCIAL_TITLES), required=False
    )
    title_year = forms.IntegerField(label=gettext_lazy("获评年度"), min_value=2000, max_value=2100, required=False)
    in_huzhou_basis = forms.ChoiceField(
        label=gettext_lazy("直接认定条件"), choices=[("", "——"), *IN_HUZHOU_BASIS], required=False
    )


class CompetitionForm(PersonFields):
    competition = forms.ChoiceField(label=gettext_lazy("竞赛"), choices=_choices(rules.COMPETITIONS), required=False)
    level = forms.ChoiceField(label=gettext_lazy("成绩"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("获奖身份"), choices=list(rules.ROLES.items()), initial="contestant")
    year = forms.IntegerField(label=gettext_lazy("竞赛年度"), min_value=2000, max_value=2100, required=False)
    trade = forms.CharField(label=gettext_lazy("竞赛项目"), max_length=100, required=False)
    team_members = forms.CharField(
        label=gettext_lazy("专家团队成员"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("技术指导专家团队填写：每行一人，格式“姓名,身份证号”。上方人员填团队负责人。"),
    )

    def clean_team_members(self):
        members = []
        for number, line in enumerate(self.cleaned_data["team_members"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 2 or not parts[0]:
                raise ValidationError(_("第 %(n)s 行应为“姓名,身份证号”。"), params={"n": number})
            try:
                identifiers.validate_resident_id(parts[1])
            except ValidationError as error:
                raise ValidationError(
                    _("第 %(n)s 行：%(msg)s"), params={"n": number, "msg": error.messages[0]}
                ) from None
            members.append({"name": parts[0], "resident_id": identifiers.normalise_resident_id(parts[1])})
        return members


class TrainingBaseForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("基地级别"), required=False)
    document_number = forms.CharField(label=gettext_lazy("认定文件文号"), max_length=100, required=False)
    document_date = forms.DateField(
        label=gettext_lazy("认定日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class MasterStudioForm(PersonFields):
    level = forms.ChoiceField(label=gettext_lazy("工作室级别"), required=False)
    studio_name = forms.CharField(label=gettext_lazy("工作室名称"), max_length=200, required=False)
    document_number = forms.CharField(label=gettext_lazy("认定文件文号"), max_length=100, required=False)
    document_date = forms.DateField(
        label=gettext_lazy("认定日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class ApprenticeshipForm(forms.Form):
    """The roster itself is entered row by row or uploaded as XLSX (see roster.py); this holds the summary."""

    training_provider = forms.CharField(label=gettext_lazy("培训机构"), max_length=200, required=False)
    filing_number = forms.CharField(label=gettext_lazy("备案编号"), max_length=100, required=False)


@dataclass(frozen=True)
class SchemeSpec:
    form: type[forms.Form]
    has_person: bool
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)  # route/role -> fields


SPECS = {
    Scheme.CRAFTSMAN_TITLE: SchemeSpec(
        CraftsmanTitleForm,
        True,
        {
            "selection": ("level", "skill_level", "occupation", "years_in_huzhou", "achievements"),
            "direct": ("provincial_title", "title_year", "in_huzhou_basis"),
        },
    ),
    Scheme.COMPETITION: SchemeSpec(CompetitionForm, True, {"": ("competition", "level", "role", "year", "trade")}),
    Scheme.TRAINING_BASE: SchemeSpec(TrainingBaseForm, False, {"": ("level", "document_number", "document_date")}),
    Scheme.MASTER_STUDIO: SchemeSpec(
        MasterStudioForm, True, {"": ("level", "studio_name", "document_number", "document_date")}
    ),
    Scheme.APPRENTICESHIP: SchemeSpec(ApprenticeshipForm, False, {"": ("training_provider", "filing_number")}),
}

PERSON_FIELDS = ("person_name", "person_resident_id", "person_mobile")


def form_for(round: Round, *, data=None, initial=None) -> forms.Form:
    """Build the scheme's form for a round: level choices limited to what the round accepts."""
    form = SPECS[round.scheme].form(data=data, initial=initial)
    if "level" in form.fields:
        form.fields["level"].choices = [("", "——"), *round.level_choices()]
    return form


def details_display(application: Application) -> list[tuple[str, str]]:
    """Return (label, value) pairs of the application's details, choice codes shown by their names."""
    fields = SPECS[application.scheme].form.base_fields
    rows = []
    for name, form_field in fields.items():
        value = application.details.get(name)
        if name in PERSON_FIELDS or value in (None, "", []):
            continue
        if name == "level":
            value = application.level_label or value
        elif name == "team_members":
            value = "；".join(f"{m['name']}（{identifiers.mask_resident_id(m['resident_id'])}）" for m in value or [])
        elif isinstance(form_field, forms.ChoiceField):
            value = dict(form_field.choices).get(value, value)
        rows.append((str(form_field.label), "" if value is None else str(value)))
    return rows


def details_from(cleaned: dict) -> dict:
    """Turn a form's cleaned data into JSON-safe details (dates as ISO strings, no person fields)."""
    details = {}
    for name, value in cleaned.items():
        if name in PERSON_FIELDS:
            continue
        details[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return details


def effective_level(application: Application) -> str:
    """The level the claim is about (direct recognition maps the provincial title to a Huzhou level)."""
    details = application.details
    if application.scheme == Scheme.CRAFTSMAN_TITLE and details.get("route") == "direct":
        return rules.DIRECT_RECOGNITION.get(details.get("provincial_title", ""), "")
    return details.get("level", "")


def dedup_key(application: Application) -> str:
    """Return the key that makes two applications "the same claim" (see the unique constraint)."""
    d = application.details
    scheme = application.scheme
    if scheme == Scheme.CRAFTSMAN_TITLE:
        return f"craftsman_title:{effective_level(application)}:{application.person_id}"
    if scheme == Scheme.COMPETITION:
        who = "team" if d.get("role") == "expert_team" else f"person{application.person_id}"
        return f"competition:{d.get('competition')}:{d.get('year')}:{d.get('trade', '').strip()}:{d.get('role')}:{who}"
    if scheme == Scheme.TRAINING_BASE:
        return f"training_base:{d.get('level')}:{application.organisation_id}"
    if scheme == Scheme.MASTER_STUDIO:
        return f"master_studio:{d.get('level')}:{application.organisation_id}:{d.get('studio_name', '').strip()}"
    return f"apprenticeship:{application.round_id}:{application.organisation_id}"


def claims(application: Application, *, already_received: Decimal = Decimal("0")) -> list[rules.Claim]:
    """Return the rules-engine claims an application makes (one per apprentice for §9, otherwise one)."""
    d = application.details
    scheme = application.scheme
    if scheme == Scheme.CRAFTSMAN_TITLE:
        if d.get("route") == "direct":
            return [
                rules.Claim(
                    scheme=scheme,
                    provincial_title=d.get("provincial_title", ""),
                    in_huzhou=d.get("in_huzhou_basis") in ("selected_in_huzhou", "full_time_import"),
                    already_received=already_received,
                )
            ]
        return [rules.Claim(scheme=scheme, level=d.get("level", ""), already_received=already_received)]
    if scheme == Scheme.COMPETITION:
        return [
            rules.Claim(
                scheme=scheme, competition=d.get("competition", ""), level=d.get("level", ""), role=d.get("role", "")
            )
        ]
    if scheme == Scheme.TRAINING_BASE:
        return [rules.Claim(scheme=scheme, level=d.get("level", ""))]
    if scheme == Scheme.MASTER_STUDIO:
        amount = application.round.municipal_studio_amount or rules.MUNICIPAL_STUDIO_MIN_AMOUNT
        return [rules.Claim(scheme=scheme, level=d.get("level", ""), amount=amount)]
    if application.pk is None:
        return []  # a new draft has no roster yet
    standard = application.round.apprentice_standard or rules.APPRENTICE_MAX_STANDARD
    return [
        rules.Claim(
            scheme=scheme,
            standard=standard,
            trained_months=a.trained_months,
            filed_months=a.filed_months,
            contract_months=a.contract_months,
        )
        for a in application.apprentices.all()
    ]


@dataclass(frozen=True)
class ApplicationDecision:
    """What the rules engine says an application is worth: one decision, or the sum of a roster's."""

    total: Decimal
    installments: tuple[rules.Installment, ...]
    basis: str
    edition: str


def decide(application: Application, *, already_received: Decimal = Decimal("0")) -> ApplicationDecision:
    """Evaluate the application's claims and combine them (raises rules.RuleError for a malformed claim)."""
    decisions = [rules.evaluate(claim) for claim in claims(application, already_received=already_received)]
    if application.scheme == Scheme.APPRENTICESHIP:
        # One claim per apprentice, each paid at once (year 1): the application is worth their sum.
        total = sum((d.total for d in decisions), Decimal("0"))
        basis = _("第9条 企业新型学徒培训补贴：名册 %(n)s 人，其中 %(paid)s 人符合条件，合计 %(total)s 元") % {
            "n": len(decisions),
            "paid": sum(1 for d in decisions if d.eligible),
            "total": f"{total:,.2f}",
        }
        installments = (rules.Installment(year=1, amount=total),) if total > 0 else ()
        return ApplicationDecision(total, installments, basis, rules.POLICY_EDITION)
    (decision,) = decisions
    return ApplicationDecision(decision.total, decision.installments, decision.basis, decision.edition)


def missing_fields(application: Application) -> list[str]:
    """Return the labels of the fields a submission still needs."""
    spec = SPECS[application.scheme]
    d = application.details
    key = d.get("route", "") if application.scheme == Scheme.CRAFTSMAN_TITLE else ""
    names = list(spec.required.get(key, ()))
    labels = spec.form.base_fields
    missing = [str(labels[name].label) for name in names if d.get(name) in (None, "", [])]
    if spec.has_person and application.person_id is None:
        missing.insert(0, _("人员姓名和身份证号"))
    if application.scheme == Scheme.COMPETITION and d.get("role") == "expert_team" and not d.get("team_members"):
        missing.append(str(labels["team_members"].label))
    return missing


def eligibility_problems(application: Application) -> list[str]:
    """Return round-specific eligibility problems (e.g. the youth craftsman age limit)."""
    problems = []
    level = effective_level(application)
    rnd = application.round
    if (
        level
        and rnd.eligible_levels
        and application.details.get("route") != "direct"
        and level not in rnd.eligible_levels
    ):
        problems.append(_("本批次不受理“%(level)s”。") % {"level": application.level_label or level})
    if application.scheme == Scheme.CRAFTSMAN_TITLE and level == "youth" and application.person_id:
        age = application.person.age_on(rnd.closes_at.date())
        if age > rnd.youth_age_limit:
            problems.append(
                _("申报湖州青年工匠须在截止日不超过 %(limit)s 周岁，被推荐人届时 %(age)s 周岁。")
                % {"limit": rnd.youth_age_limit, "age": age}
            )
    return problems
