"""Forms of the review pages."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import schemes
from .models import Application


class DecisionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("意见或理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    acknowledge_quota = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    """An itemised return: a note against each field or material to correct, and a deadline."""

    deadline = forms.DateField(label=_("补正期限"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    general = forms.CharField(label=_("其他补正意见"), required=False, max_length=1000)

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + timedelta(days=10)
        self.targets = []
        scheme = application.definition
        if scheme.has_person:
            self.targets.append(("field:person", _("人员信息")))
        for name, field in scheme.form_class.base_fields.items():
            if name not in schemes.PERSON_FIELDS:
                self.targets.append((f"field:{name}", field.label))
        if scheme.roster == "apprentices":
            self.targets.append(("field:roster", _("学徒名册")))
        for requirement in application.round.materials.all():
            self.targets.append((f"material:{requirement.pk}", _("材料：") + requirement.name))
        for target, label in self.targets:
            self.fields[f"note_{target}"] = forms.CharField(label=label, required=False, max_length=500)

    def note_fields(self):
        return [self[f"note_{target}"] for target, _label in self.targets]

    def items(self) -> list[dict]:
        items = [
            {"target": target, "note": f"{label}：{self.cleaned_data[f'note_{target}'].strip()}"}
            for target, label in self.targets
            if self.cleaned_data.get(f"note_{target}", "").strip()
        ]
        if self.cleaned_data.get("general", "").strip():
            items.append({"target": "general", "note": self.cleaned_data["general"].strip()})
        return items


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("内部意见（仅工作人员可见）"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    action = forms.ChoiceField(choices=[("district_pass", _("批量初审通过")), ("district_return", _("批量退回补正"))])
    note = forms.CharField(label=_("退回意见"), required=False, max_length=500)
    deadline = forms.DateField(
        label=_("补正期限"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(i, i) for i in ids]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "district_return" and not (cleaned.get("note") and cleaned.get("deadline")):
            raise forms.ValidationError(_("批量退回须填写退回意见和补正期限。"))
        return cleaned
