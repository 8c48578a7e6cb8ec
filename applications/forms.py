"""Forms of the intake pages that are not a scheme's own form (see schemes.py for those)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts import identifiers

from .roster import MAX_MONTHS, RosterRow, parse_month


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("选择文件"))


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("学徒名册（XLSX）"))


class ApprenticeRowForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    resident_id = forms.CharField(label=_("身份证号"), max_length=18, validators=[identifiers.validate_resident_id])
    occupation = forms.CharField(label=_("培训工种"), max_length=100)
    contract_months = forms.IntegerField(label=_("劳动合同期限（月）"), min_value=0, max_value=MAX_MONTHS)
    filed_months = forms.IntegerField(label=_("备案培训期限（月）"), min_value=0, max_value=MAX_MONTHS)
    start_month = forms.CharField(label=_("培训开始年月"), max_length=10, help_text=_("如 2026-03"))
    end_month = forms.CharField(label=_("培训结束年月"), max_length=10, help_text=_("如 2026-08"))

    def clean_resident_id(self):
        return identifiers.normalise_resident_id(self.cleaned_data["resident_id"])

    def _month(self, name):
        month = parse_month(self.cleaned_data[name])
        if month is None:
            raise ValidationError(_("请按“2026-03”格式填写年月。"))
        return month

    def clean_start_month(self):
        return self._month("start_month")

    def clean_end_month(self):
        return self._month("end_month")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_month"), cleaned.get("end_month")
        if start and end and end < start:
            self.add_error("end_month", _("培训结束年月早于开始年月。"))
        return cleaned


class BaseApprenticeFormSet(forms.BaseFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            number = form.cleaned_data.get("resident_id")
            if number in seen:
                raise ValidationError(
                    _("名册中有重复的身份证号：%(id)s") % {"id": identifiers.mask_resident_id(number)}
                )
            seen.add(number)

    def rows(self) -> list[RosterRow]:
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        return [
            RosterRow(
                n,
                d["name"],
                d["resident_id"],
                d["occupation"],
                d["contract_months"],
                d["filed_months"],
                d["start_month"],
                d["end_month"],
            )
            for n, d in enumerate(kept, start=1)
        ]


ApprenticeFormSet = forms.formset_factory(
    ApprenticeRowForm, formset=BaseApprenticeFormSet, extra=3, can_delete=True, max_num=500, validate_max=True
)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=500, required=False)
