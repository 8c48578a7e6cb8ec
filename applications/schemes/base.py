"""The protocol every scheme implements, and the pieces several schemes share.

A scheme owns everything that differs between the policy's measures: its form and required fields, its levels and
their labels (zh, en through gettext), how an application becomes ``rules.Claim``s and how their decisions combine,
the claim identity that makes two claims "the same" (never paid twice), what the reviewer sees and who is paid.
The rest of the portal asks the registry (``applications.schemes.registry``) and never branches on a scheme code.
"""

from __future__ import annotations

import abc
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huzhou_craftsman.accounts import identifiers
from subsidies import rules

if TYPE_CHECKING:
    from applications.models import Application, Round

ZERO = Decimal("0")
PERSON_FIELDS = ("person_name", "person_resident_id", "person_mobile")
EMPTY_CHOICE = ("", gettext_lazy("请选择"))


class Payee:
    """Who receives the money of an award (RULES.md "Who is paid")."""

    PERSON = "person"  # 对私: the person's own account (personal or 社保卡 financial account)
    ORGANISATION = "organisation"  # 对公: the applying organisation's account


@dataclass(frozen=True)
class ClaimIdentity:
    """One thing that may be paid only once: the key is unique among live claims (database constraint).

    ``person_resident_id`` lets the reviewer's page find every claim of the same person; ``label`` is what an
    applicant is told when the key clashes (it never names another organisation).
    """

    key: str
    label: str
    person_resident_id: str = ""


@dataclass(frozen=True)
class ApplicationDecision:
    """What the rules engine says an application is worth: one decision, or the sum of a roster's."""

    total: Decimal
    installments: tuple[rules.Installment, ...]
    basis: str
    edition: str


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


def date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


def parse_people(text: str, *, what: str) -> list[dict]:
    """Parse "姓名,身份证号" lines into [{"name", "resident_id"}], naming the line of every problem."""
    people, seen = [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) != 2 or not parts[0]:
            raise ValidationError(_("%(what)s第 %(n)s 行应为“姓名,身份证号”。"), params={"what": what, "n": number})
        try:
            identifiers.validate_resident_id(parts[1])
        except ValidationError as error:
            raise ValidationError(
                _("%(what)s第 %(n)s 行：%(msg)s"), params={"what": what, "n": number, "msg": error.messages[0]}
            ) from None
        resident_id = identifiers.normalise_resident_id(parts[1])
        if resident_id in seen:
            raise ValidationError(_("%(what)s第 %(n)s 行：身份证号重复。"), params={"what": what, "n": number})
        seen.add(resident_id)
        people.append({"name": parts[0], "resident_id": resident_id})
    return people


def people_initial(people) -> str:
    return "\n".join(f"{p['name']},{p['resident_id']}" for p in people or [])


def normalise_document_number(value: str) -> str:
    """A recognising document's number as an identity: width, spaces and bracket styles never make it new.

    "浙人社发〔2024〕12 号", "浙人社发[2024]12号" and "浙人社发（2024）12号" are one document.
    """
    text = unicodedata.normalize("NFKC", value or "")
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[〔［\[【(（]", "(", text)
    text = re.sub(r"[〕］\]】)）]", ")", text)
    return text.upper()


class SchemeDefinition(abc.ABC):
    """One scheme of the policy. Subclasses set the class attributes and implement the abstract methods."""

    code: ClassVar[str]
    label: ClassVar[Promise]
    clause: ClassVar[str]  # the policy's measure, e.g. "第3条"
    form_class: ClassVar[type[forms.Form]]
    levels: ClassVar[dict[str, Promise]] = {}
    has_person: ClassVar[bool] = False
    # A scheme whose application lists many persons (a roster) rather than one claim.
    roster: ClassVar[str] = ""  # "" | "apprentices" | "people"
    # Which Round field carries the amount the round sets for this scheme ("" = none).
    round_amount_field: ClassVar[str] = ""
    # Whether an award opens (or raises) a studio whose yearly reviews and exit outlive the award (§6).
    opens_studio: ClassVar[bool] = False
    # Fields a submission needs, by route (see ``route``); "" is the only route of most schemes.
    required: ClassVar[dict[str, tuple[str, ...]]] = {}

    # --- Form and details ------------------------------------------------------------------------------------

    def form(self, round: Round, *, data=None, initial=None) -> forms.Form:
        """Build the scheme's form for a round: level choices limited to what the round accepts."""
        form = self.form_class(data=data, initial=self.form_initial(initial) if initial else None)
        if "level" in form.fields:
            form.fields["level"].choices = [EMPTY_CHOICE, *self.level_choices(round)]
        return form

    def form_initial(self, initial: dict) -> dict:
        """Turn stored details into the form's initial values (lists back into text)."""
        return initial

    def details_from(self, cleaned: dict) -> dict:
        """Turn a form's cleaned data into JSON-safe details (dates as ISO strings, no person fields)."""
        details = {}
        for name, value in cleaned.items():
            if name in PERSON_FIELDS:
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif hasattr(value, "pk"):
                value = value.pk
            details[name] = value
        return details

    def level_choices(self, round: Round | None = None) -> list[tuple[str, str]]:
        eligible = round.eligible_levels if round is not None else []
        return [(code, label) for code, label in self.levels.items() if not eligible or code in eligible]

    def level_label(self, level: str) -> str:
        label = self.levels.get(level)
        return str(label) if label is not None else level

    def route(self, details: dict) -> str:
        return ""

    def effective_level(self, application: Application) -> str:
        """The level the claim is about (direct recognition maps a provincial title to a Huzhou level)."""
        return application.details.get("level", "") if self.levels else ""

    def missing_fields(self, application: Application) -> list[str]:
        """Return the labels of the fields a submission still needs."""
        details = application.details
        labels = self.form_class.base_fields
        names = self.required.get(self.route(details), ())
        missing = [str(labels[name].label) for name in names if details.get(name) in (None, "", [])]
        if self.has_person and application.person_id is None:
            missing.insert(0, _("人员姓名和身份证号"))
        return missing

    def eligibility_problems(self, application: Application) -> list[str]:
        """Round-specific eligibility problems; by default a level the round does not accept."""
        level = self.effective_level(application)
        eligible = application.round.eligible_levels
        if level and eligible and self.route(application.details) == "" and level not in eligible:
            return [_("本批次不受理“%(level)s”。") % {"level": self.level_label(level)}]
        return []

    def details_display(self, application: Application) -> list[tuple[str, str]]:
        """(label, value) pairs of the application's details as the reviewer and the enterprise read them."""
        rows = []
        for name, form_field in self.form_class.base_fields.items():
            value = application.details.get(name)
            if name in PERSON_FIELDS or value in (None, "", []):
                continue
            rows.append((str(form_field.label), self.display_value(application, name, form_field, value)))
        return rows

    def display_value(self, application: Application, name: str, form_field, value) -> str:
        if name == "level":
            return self.level_label(value)
        if isinstance(value, list):
            return "；".join(
                f"{p['name']}（{identifiers.mask_resident_id(p['resident_id'])}）" for p in value if isinstance(p, dict)
            )
        if isinstance(form_field, forms.ChoiceField):
            return str(dict(form_field.choices).get(value, value))
        return str(value)

    # --- Round ----------------------------------------------------------------------------------------------

    def round_problems(self, round: Round) -> dict[str, str]:
        """Problems of a round's settings for this scheme, by field name (empty: fine)."""
        return {}

    # --- Money ----------------------------------------------------------------------------------------------

    @abc.abstractmethod
    def claims(self, application: Application, *, already_received: Decimal = ZERO) -> list[rules.Claim]:
        """Return the rules-engine claims the application makes."""

    def combine(self, application: Application, decisions: list[rules.Decision]) -> ApplicationDecision:
        """Combine the decisions of the claims into the application's; one claim by default."""
        (decision,) = decisions
        return ApplicationDecision(decision.total, decision.installments, decision.basis, decision.edition)

    def counts_already_received(self) -> bool:
        """Whether earlier awards of the same person count against this one (就高, never twice)."""
        return False

    @abc.abstractmethod
    def claim_identities(self, application: Application) -> list[ClaimIdentity]:
        """Return what this application claims, as keys unique among every live claim of the portal."""

    @abc.abstractmethod
    def payee(self, application: Application) -> str:
        """Who is paid: ``Payee.PERSON`` or ``Payee.ORGANISATION``."""

    def quota(self, application: Application) -> int | None:
        """The policy's soft quota for the application's level, if any."""
        return None


def edition_of(application: Application) -> str:
    return application.round.edition or rules.DEFAULT_EDITION
