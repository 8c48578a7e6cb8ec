"""View guards by role."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def role_required(*roles):
    """Allow the view only to logged-in users holding one of these roles (others get 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied(_("您的角色无权访问此页面。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_required(perm):
    """Allow the view only to logged-in users holding this permission (others get 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied(_("您没有访问此页面的权限。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
