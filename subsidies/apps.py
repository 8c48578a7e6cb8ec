from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("资助与支付")

    def ready(self):
        from applications import review

        from . import budget

        # The final approval is refused when the year's appropriation cannot hold it (see subsidies.budget).
        if budget.final_approval_check not in review.FINAL_APPROVAL_CHECKS:
            review.FINAL_APPROVAL_CHECKS.append(budget.final_approval_check)
