from django.conf import settings

from .roles import ROLE_PERMISSIONS, Role

REVIEW_ROLES = (Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.CITY_APPROVER, Role.AUDITOR)
# What the navigation offers follows the role table itself (roles are the only way permissions are granted, see
# accounts/roles.py): no permission queries on every page, as ``perms`` would make.
NAV_PERMISSIONS = {role: frozenset(perms) for role, perms in ROLE_PERMISSIONS.items()}


def portal(request):
    """Put the portal's name and the user's role into every template."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "ISSUING_OFFICE": settings.ISSUING_OFFICE,
        "user_role": role,
        "REVIEW_ROLES": REVIEW_ROLES,
        "role_perms": NAV_PERMISSIONS.get(role, frozenset()),
    }
