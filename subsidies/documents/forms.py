"""Forms of the document pages: checking an uploaded PDF, starting a regeneration job."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Document


class VerifyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("上传 PDF 文件核对"), help_text=_("文件只用于计算 SHA-256 和核验电子签章，不会保存。")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（上限 %(mb)s MB）。"), params={"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class RegenerationForm(forms.Form):
    year = forms.IntegerField(label=_("文书年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("文书类型"), choices=[("", _("全部类型")), *Document.Kind.choices], required=False)
    reason = forms.CharField(
        label=_("重新生成原因"),
        max_length=200,
        help_text=_("例如：发文机关名称变更。原文书保留并标记为已作废，核验页面显示该原因。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
