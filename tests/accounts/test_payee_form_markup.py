"""The application page writes the payee account form's fields out by hand (templates/accounts/
_payee_account_fields.html, issue 18: crispy took half the page's time): they must be the inputs crispy renders."""

from html.parser import HTMLParser

from django.template import engines
from django.utils import translation

from huzhou_craftsman.accounts.forms import PersonPayeeAccountForm


class Inputs(HTMLParser):
    """The form controls of an HTML fragment: (tag, attributes that matter), the options of each select, labels."""

    KEPT = ("name", "type", "value", "required", "maxlength", "id")

    def __init__(self):
        super().__init__()
        self.controls, self.options, self.labels, self._label = [], [], {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea"):
            kept = {k: v for k, v in attrs.items() if k in self.KEPT}
            if "required" in kept:
                kept["required"] = True
            self.controls.append((tag, tuple(sorted(kept.items())), tuple(sorted(attrs.get("class", "").split()))))
        elif tag == "option":
            self.options.append((attrs.get("value"), "selected" in attrs))
        elif tag == "label":
            self._label = attrs.get("for")
            self.labels[self._label] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data.strip()


def parsed(html: str) -> Inputs:
    parser = Inputs()
    parser.feed(html)
    return parser


def test_the_hand_written_payee_fields_are_the_inputs_crispy_renders():
    engine = engines["django"]
    crispy = engine.from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
    plain = engine.from_string('{% include "accounts/_payee_account_fields.html" %}')
    for initial in ({"account_name": "张填报"}, {"account_name": "李四", "account_type": "social_security_card"}):
        for language in ("zh-hans", "en"):
            with translation.override(language):
                form = PersonPayeeAccountForm(initial=initial)
                expected, written = parsed(crispy.render({"form": form})), parsed(plain.render({"form": form}))
            assert written.controls == expected.controls
            assert written.options == expected.options and len(expected.options) >= 2
            assert written.labels == expected.labels and all(written.labels.values())
            name = next(dict(attrs) for tag, attrs, _ in written.controls if dict(attrs)["name"] == "account_name")
            assert name["value"] == initial["account_name"]
            assert (initial.get("account_type") or "personal", bool(initial.get("account_type"))) in written.options
