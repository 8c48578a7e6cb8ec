"""The portal's authentication backend: Django's, with the user's scope and role read in the same request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` (run on every request) joins the district and organisation and fetches the
    role groups up front: every page reads them (navigation, scope checks), one query each time otherwise."""

    def get_user(self, user_id):
        user_model = get_user_model()
        user = (
            user_model._default_manager.select_related("district", "organisation")
            .prefetch_related("groups")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
