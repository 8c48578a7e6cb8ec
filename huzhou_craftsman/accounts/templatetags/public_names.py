"""Template filters that show audit events, states and people by their names (huzhou_craftsman.public_names)."""

from django import template

from huzhou_craftsman import public_names

register = template.Library()


@register.filter
def event_name(event) -> str:
    """``{{ e|event_name }}``: what happened, e.g. 提交 for ``application.submit``."""
    return public_names.event_name(event.action)


@register.filter
def state_change(event) -> str:
    """``{{ e|state_change }}``: ``草稿 → 待区县初审``, or "" for an event that changed no state."""
    return public_names.state_change(event.target_type, event.from_state, event.to_state)


@register.filter
def actor(event) -> str:
    """``{{ e|actor }}``: the person's name, or 系统 for the portal itself."""
    return public_names.actor_name(event)


@register.filter
def target_name(event) -> str:
    """``{{ e|target_name }}``: the kind of object, e.g. 付款批次."""
    return public_names.target_name(event.target_type)


@register.simple_tag
def state_name(target_type: str, code: str) -> str:
    """``{% state_name "subsidies.paymentline" state %}``: the name of a state code."""
    return public_names.state_name(target_type, code)


@register.filter
def text_lang(text) -> str:
    """``lang="{{ text|text_lang }}"``: "zh-Hans" for stored text with Chinese characters, else "en".

    For text shown as it was stored (a notification written before notifications kept their kind): the page marks
    its language instead of pretending it is in the reader's.
    """
    return "zh-Hans" if any("\u3400" <= c <= "\u9fff" for c in str(text)) else "en"
