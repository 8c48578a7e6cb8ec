from django.conf import settings


def portal(request):
    """Put the portal's name and the user's role into every template."""
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "ISSUING_OFFICE": settings.ISSUING_OFFICE,
        "user_role": user.role if user is not None and user.is_authenticated else None,
    }
