from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "huzhou_craftsman.accounts"
    label = "accounts"
    verbose_name = _("账户与单位")

    def ready(self):
        from . import receivers  # noqa: F401  (login audit events)
