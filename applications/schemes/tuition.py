"""§9 学费补助: graduates of a 高级工班 or 预备技师班 who take a job in Huzhou, once per person."""

from django import forms
from django.utils.translation import gettext_lazy

from .people_base import PeopleForm, PeopleScheme


class TuitionForm(PeopleForm):
    college = forms.CharField(label=gettext_lazy("毕业院校"), max_length=200, required=False)
    class_type = forms.ChoiceField(
        label=gettext_lazy("班级类型"),
        choices=[("", gettext_lazy("请选择")), ("senior_worker", gettext_lazy("高级工班")),
                 ("preparatory_technician", gettext_lazy("预备技师班"))],
        required=False,
    )  # fmt: skip
    graduation_year = forms.IntegerField(label=gettext_lazy("毕业年度"), min_value=2000, max_value=2100, required=False)


class Tuition(PeopleScheme):
    code = "tuition"
    label = gettext_lazy("高级工班、预备技师班毕业生学费补助（第9条）")
    basis_name = "学费补助"
    clause = "第9条"
    form_class = TuitionForm
    required = {"": ("people", "college", "class_type", "graduation_year")}
