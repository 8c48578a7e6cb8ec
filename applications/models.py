"""Rounds, people, applications, their materials, versions and correction requests."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.accounts import identifiers
from huzhou_craftsman.accounts.models import District, Organisation
from subsidies import rules

from .workflow import EDITABLE_STATES, NEXT_STEP, PUBLIC_NAMES, State

MONEY = {"max_digits": 14, "decimal_places": 2}


def scheme_choices() -> list[tuple[str, str]]:
    """The registered schemes (applications.schemes.registry), read when Django asks: a new scheme needs no
    migration of the fields that name one."""
    from .schemes import registry

    return registry.choices()


def edition_choices() -> list[tuple[str, str]]:
    return [(code, edition.title) for code, edition in rules.EDITIONS.items()]


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    JPG = "jpg", "JPG"
    PNG = "png", "PNG"


def _all_file_kinds():
    return [FileKind.PDF.value, FileKind.JPG.value, FileKind.PNG.value]


class Round(models.Model):
    """A call for applications (申报批次) under one scheme, open between two moments."""

    scheme = models.CharField(_("资助类别"), max_length=32, choices=scheme_choices)
    edition = models.CharField(
        _("政策版本"),
        max_length=32,
        choices=edition_choices,
        default=rules.DEFAULT_EDITION,
        help_text=_("本批次按哪一版政策计算金额；已批准的资助记录其计算所用的版本，修订政策不会改变它们。"),
    )
    title = models.CharField(_("批次名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    eligible_levels = models.JSONField(
        _("可申报级别"), default=list, blank=True, help_text=_("留空表示该类别的全部级别均可申报。")
    )
    municipal_studio_amount = models.DecimalField(
        _("市级大师工作室资助额（元）"), **MONEY, null=True, blank=True, help_text=_("不低于 50,000 元。")
    )
    apprentice_standard = models.DecimalField(
        _("学徒培训补贴标准（元/人·年）"), **MONEY, null=True, blank=True, help_text=_("不高于 6,000 元。")
    )
    standard_amount = models.DecimalField(
        _("资助标准（元/人）"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("学费补助、岗位补贴、生活补贴按人计发的标准（区县结合实际确定），须大于 0 元。"),
    )
    youth_age_limit = models.PositiveSmallIntegerField(
        _("青年工匠年龄上限（周岁）"),
        default=35,
        help_text=_("申报湖州青年工匠时，被推荐人在截止日的年龄不得超过此值。"),
    )
    quotas = models.JSONField(_("名额（按级别）"), default=dict, blank=True)
    notes = models.TextField(_("申报说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"),
        ]

    def __str__(self):
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    def clean(self):
        from .schemes import registry

        scheme = registry.SCHEMES.get(self.scheme)
        if scheme is not None:
            problems = scheme.round_problems(self)
            if problems:
                raise ValidationError(problems)
        if self.edition and self.edition not in rules.EDITIONS:
            raise ValidationError({"edition": _("未知的政策版本“%(code)s”。") % {"code": self.edition}})

    @property
    def definition(self):
        from .schemes import registry

        return registry.get(self.scheme)

    def level_choices(self) -> list[tuple[str, str]]:
        return self.definition.level_choices(self)


class MaterialRequirement(models.Model):
    """One line of a round's materials checklist (材料清单)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="materials", verbose_name=_("批次"))
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必须提交"), default=True)
    allowed_kinds = models.JSONField(_("允许的文件类型"), default=_all_file_kinds)
    help_text = models.CharField(_("说明"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("材料清单项")
        verbose_name_plural = _("材料清单")

    def __str__(self):
        return self.name

    @property
    def allowed_kinds_label(self) -> str:
        return "/".join(kind.upper() for kind in self.allowed_kinds)


class Person(models.Model):
    """A natural person, one row per resident ID number across the portal, so awards can be summed per person."""

    resident_id = models.CharField(
        _("身份证号"), max_length=18, unique=True, validators=[identifiers.validate_resident_id]
    )
    name = models.CharField(_("姓名"), max_length=50)
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[identifiers.validate_mobile])
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return f"{self.name}（{self.masked_resident_id}）"

    @property
    def masked_resident_id(self) -> str:
        return identifiers.mask_resident_id(self.resident_id)

    @property
    def birth_date(self):
        return identifiers.resident_id_birth_date(self.resident_id)

    def age_on(self, day) -> int:
        birth = self.birth_date
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class Application(models.Model):
    """One organisation's application in one round; scheme-specific answers live in ``details``."""

    number = models.CharField(_("申报编号"), max_length=32, unique=True)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications", verbose_name=_("批次"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报单位")
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    scheme = models.CharField(_("资助类别"), max_length=32, choices=scheme_choices)
    level = models.CharField(_("级别"), max_length=32, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="applications", verbose_name=_("人员")
    )
    # The name as the enterprise entered it. An ID number registered under another name is not refused (that would
    # tell the enterprise the number is registered, and under which name): the enterprise keeps seeing what it
    # entered, and reviewers see both names with a warning.
    entered_name = models.CharField(_("填报姓名"), max_length=50, blank=True)
    entered_mobile = models.CharField(_("填报手机号码"), max_length=11, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    details = models.JSONField(_("申报内容"), default=dict, blank=True)
    estimate_total = models.DecimalField(_("测算金额（元）"), **MONEY, null=True, blank=True)
    estimate_basis = models.TextField(_("测算依据"), blank=True)
    approved_total = models.DecimalField(_("批准金额（元）"), **MONEY, null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        indexes = [
            models.Index(fields=["state", "district", "-submitted_at"]),
            # The city-level queues (every district) in their order: the first page without sorting the state.
            models.Index(fields=["state", "submitted_at", "id"], name="application_state_submitted"),
            # A district reviewer's default queue (two states, so the index above gives no order): its first page read
            # in order from here instead of sorting every waiting application of the district (issue 18).
            models.Index(
                fields=["district", "submitted_at", "id"],
                condition=Q(state__in=[State.SUBMITTED, State.LIST_CHECK]),
                name="application_district_waiting",
            ),
            # The city approver's default queue (two states as well), likewise in its order.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(state__in=[State.CITY_APPROVAL, State.AWAITING_NOTICE]),
                name="application_approver_waiting",
            ),
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["round", "scheme", "level"]),
        ]

    def __str__(self):
        return self.number

    # Django's generated get_FOO_display() rebuilds a dict of every choice on each call; the queues call these for
    # every row, so they look the label up in the enum instead (same result, also for an unknown value).
    def get_state_display(self) -> str:
        try:
            return State(self.state).label
        except ValueError:
            return self.state

    def get_scheme_display(self) -> str:
        from .schemes import registry

        return registry.label(self.scheme)

    @property
    def definition(self):
        """The scheme's module (applications.schemes): what the application asks, claims and who is paid."""
        from .schemes import registry

        return registry.get(self.scheme)

    @property
    def person_display_name(self) -> str:
        """The person's name as the enterprise entered it (never the registered name of a number it typed)."""
        return self.entered_name or (self.person.name if self.person_id else "")

    @property
    def person_name_differs(self) -> bool:
        """The entered name is not the name the ID number is registered under (reviewers are warned)."""
        return bool(self.person_id and self.entered_name and self.entered_name != self.person.name)

    @property
    def public_state(self) -> str:
        return PUBLIC_NAMES[State(self.state)]

    @property
    def next_step(self) -> str:
        return NEXT_STEP.get(State(self.state), "")

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def level_label(self) -> str:
        return describe_level(self.scheme, self.level)


def describe_level(scheme: str, level: str) -> str:
    """Return the name of a level in the user's language, or the code itself if the scheme does not know it."""
    from .schemes import registry

    if not level or scheme not in registry.SCHEMES:
        return level
    return registry.get(scheme).level_label(level)


def attachment_path(instance, filename):
    # The stored name never comes from the user: a random name under a per-application folder.
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}.{instance.kind}"


class Attachment(models.Model):
    """An uploaded file for one checklist item; replaced files stay (earlier versions point to them)."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("申报")
    )
    requirement = models.ForeignKey(
        MaterialRequirement, on_delete=models.PROTECT, related_name="+", verbose_name=_("材料清单项")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("类型"), max_length=8, choices=FileKind)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    replaced_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)

    class Meta:
        ordering = ["requirement__sort_order", "uploaded_at"]
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")

    def __str__(self):
        return self.original_name


class Apprentice(models.Model):
    """One apprentice of an apprenticeship application's roster (§9)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="apprentices")
    row_number = models.PositiveIntegerField(_("序号"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="apprenticeships", verbose_name=_("学徒"))
    entered_name = models.CharField(_("填报姓名"), max_length=50, blank=True)  # see Application.entered_name
    occupation = models.CharField(_("培训工种"), max_length=100)
    contract_months = models.PositiveSmallIntegerField(_("劳动合同期限（月）"))
    filed_months = models.PositiveSmallIntegerField(_("备案培训期限（月）"))
    start_month = models.DateField(_("培训开始年月"), help_text=_("当月 1 日"))
    end_month = models.DateField(_("培训结束年月"), help_text=_("当月 1 日"))
    # The months from start_month to end_month inclusive (kept for the rules engine and the reports).
    trained_months = models.PositiveSmallIntegerField(_("实际培训期限（月）"))
    amount = models.DecimalField(_("补贴金额（元）"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["row_number"]
        verbose_name = _("学徒")
        verbose_name_plural = _("学徒名册")
        constraints = [
            models.UniqueConstraint(fields=["application", "person"], name="apprentice_once_per_application"),
            models.CheckConstraint(
                condition=Q(end_month__gte=models.F("start_month")), name="apprentice_period_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.application_id}#{self.row_number}"

    @property
    def display_name(self) -> str:
        return self.entered_name or self.person.name

    @property
    def name_differs(self) -> bool:
        return bool(self.entered_name and self.entered_name != self.person.name)


class ApplicationVersion(models.Model):
    """A frozen copy of what was submitted, made at every submission: the history never changes."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    snapshot = models.JSONField(_("提交内容"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        ordering = ["application", "number"]
        verbose_name = _("申报版本")
        verbose_name_plural = _("申报版本")
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="one_version_number")]

    def __str__(self):
        return f"{self.application_id} v{self.number}"


class CorrectionRequest(models.Model):
    """A reviewer's return for correction (退回补正): what to fix, by when."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="corrections")
    # Each item: {"target": "field:<name>" | "material:<requirement id>" | "general", "note": "..."}.
    items = models.JSONField(_("补正事项"))
    deadline = models.DateField(_("补正期限"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("退回时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("退回补正")
        verbose_name_plural = _("退回补正")

    def __str__(self):
        return f"{self.application_id} {self.requested_at:%Y-%m-%d}"

    @property
    def open_fields(self) -> set[str]:
        return {item["target"].split(":", 1)[1] for item in self.items if item["target"].startswith("field:")}

    @property
    def open_materials(self) -> set[int]:
        return {int(item["target"].split(":", 1)[1]) for item in self.items if item["target"].startswith("material:")}


class Stage(models.TextChoices):
    DISTRICT = "district", _("区县初审")
    CITY_REVIEW = "city_review", _("市级复审")
    CITY_APPROVAL = "city_approval", _("市级审批")


class ReviewDecision(models.Model):
    """One reviewer's decision at one stage: who, when, what and why. Never edited."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    stage = models.CharField(_("审核环节"), max_length=20, choices=Stage)
    action = models.CharField(_("决定"), max_length=32)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("审核决定")
        verbose_name_plural = _("审核决定")

    def __str__(self):
        return f"{self.application_id} {self.stage} {self.action}"


class StaffComment(models.Model):
    """A note between bureau staff about an application; never shown to the enterprise."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="staff_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("内容"), max_length=2000)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("内部意见")
        verbose_name_plural = _("内部意见")

    def __str__(self):
        return f"{self.application_id} {self.author_id}"


class Notification(models.Model):
    """A message to an organisation about one of its applications (shown in the portal and e-mailed)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="notifications")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, null=True, related_name="notifications")
    message = models.CharField(_("消息"), max_length=500)  # in the portal's official language, as e-mailed
    # What it says, for the inbox in the reader's language (applications.notifications.TEXTS); empty on rows written
    # before kinds existed, which show ``message``.
    kind = models.CharField(_("类型"), max_length=40, blank=True, default="")
    params = models.JSONField(_("参数"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [models.Index(fields=["organisation", "read_at"])]

    def __str__(self):
        return self.message

    @property
    def text(self) -> str:
        """What it says, in the active language (the stored message for rows without a kind)."""
        from .notifications import TEXTS, notification_text  # notifications imports this module

        return notification_text(self.kind, self.params) if self.kind in TEXTS else self.message


class PublicNotice(models.Model):
    """A public notice period (公示) for a set of approved applications, counted in working days."""

    title = models.CharField(_("公示标题"), max_length=200)
    applications = models.ManyToManyField(Application, related_name="notices", verbose_name=_("公示申报"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    starts_on = models.DateField(_("公示开始日"))
    ends_on = models.DateField(_("公示截止日"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    def __str__(self):
        return self.title


class Objection(models.Model):
    """An objection received during a notice; it sends the application back to city review."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    reason = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self):
        return f"{self.notice_id} {self.application_id}"


class ClaimKey(models.Model):
    """One thing a live application claims (RULES.md "Claim identity"): unique across the whole portal.

    Written at submission, kept while the application is live or approved, deleted when it is withdrawn or
    rejected. The unique index is what refuses a second claim, also between two concurrent submissions.
    """

    key = models.CharField(_("申领标识"), max_length=200, unique=True)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="claim_keys")
    person_resident_id = models.CharField(_("身份证号"), max_length=18, blank=True, db_index=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("申领标识")
        verbose_name_plural = _("申领标识")

    def __str__(self):
        return self.key


from .catalogue import CompetitionEdition, CompetitionTrade  # noqa: E402, F401
from .official_lists import OfficialList, OfficialListRow  # noqa: E402, F401
