from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("申报与审核")

    def ready(self):
        from huzhou_craftsman.accounts import services

        from .official_list_services import organisation_known

        # An organisation that becomes known after a list named it (it registers, the district verifies it, staff
        # create it) finds its offers (免申即享) at once.
        if organisation_known not in services.ORGANISATION_KNOWN_HOOKS:
            services.ORGANISATION_KNOWN_HOOKS.append(organisation_known)
