from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("申报与审核")

    def ready(self):
        from huzhou_craftsman.accounts import services

        from .official_list_services import organisation_registered

        # An organisation that registers after a list named it finds its offers (免申即享) on its first visit.
        if organisation_registered not in services.ORGANISATION_REGISTERED_HOOKS:
            services.ORGANISATION_REGISTERED_HOOKS.append(organisation_registered)
