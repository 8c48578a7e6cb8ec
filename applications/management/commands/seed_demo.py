"""Create the demo data: one user per role with 2FA devices, organisations, and an open round per scheme."""

from django.core.management.base import BaseCommand
from django.db import transaction

from applications.demo import seed_rounds
from huzhou_craftsman.accounts.demo import seed_accounts


class Command(BaseCommand):
    help = "Create the demo accounts (one per role), organisations and open rounds. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        rounds = seed_rounds()
        self.stdout.write(f"演示申报批次 / Demo rounds: {len(rounds)}")
        seed_accounts(self.stdout, self.style)
