"""Create a user holding one role, e.g. the first administrator of a new deployment."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huzhou_craftsman.accounts.models import District, Organisation
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user with a role: manage.py create_user admin1 --role administrator --full-name 张三"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--district", help="district code, for district reviewers (e.g. wuxing)")
        parser.add_argument("--uscc", help="organisation's credit code, for enterprise users")

    def handle(self, *args, username, role, full_name, email, district, uscc, **options):
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        try:
            user = user_create(
                username=username,
                password=password,
                role=Role(role),
                full_name=full_name,
                email=email,
                district=District.objects.filter(code=district).first() if district else None,
                organisation=Organisation.objects.filter(uscc=uscc).first() if uscc else None,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Created {user.username} ({Role(role).label}); TOTP is set up at first login.")
