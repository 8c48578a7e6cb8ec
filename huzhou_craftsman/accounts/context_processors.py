from django.conf import settings

from .roles import Role

REVIEW_ROLES = (Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.CITY_APPROVER, Role.AUDITOR)


def portal(request):
    """Put the portal's name and the user's role into every template."""
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "ISSUING_OFFICE": settings.ISSUING_OFFICE,
        "user_role": user.role if user is not None and user.is_authenticated else None,
        "REVIEW_ROLES": REVIEW_ROLES,
    }
