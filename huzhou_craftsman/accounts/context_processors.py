from django.conf import settings

from .access import actions_for

# What the navigation offers follows the table of actions (accounts/access.py), per role, so a link is shown exactly
# to those whom its page lets in; no permission queries on every page, as ``perms`` would make.
_NAV_CACHE: dict = {}


def portal(request):
    """Put the portal's name and the user's role into every template."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "ISSUING_OFFICE": settings.ISSUING_OFFICE,
        "user_role": role,
        "can": _actions_of(user) if role is not None else {},
    }


def _actions_of(user) -> dict:
    """The role's actions as nested dicts (``{% if can.finance.view %}``), built once per role and process."""
    key = user.role
    if key not in _NAV_CACHE:
        _NAV_CACHE[key] = actions_for(user)
    return _NAV_CACHE[key]
