"""Create the demonstration CA and signing certificate that `make run` and the tests sign documents with."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from subsidies.documents.demo_ca import make_demo_ca


class Command(BaseCommand):
    help = "Write a demo CA and a PKCS#12 signing certificate (default: var/signing/demo-signer.p12)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(settings.DEMO_SIGNING_P12), help="where the .p12 file goes")
        parser.add_argument("--password", default=settings.DEMO_SIGNING_PASSWORD)
        parser.add_argument("--force", action="store_true", help="replace an existing file")

    def handle(self, *args, path, password, force, **options):
        target = Path(path)
        if target.exists() and not force:
            self.stdout.write(f"Demo signing certificate already present: {target}")
            return
        made = make_demo_ca(target.parent, organ=settings.ISSUING_OFFICE, password=password, name=target.stem)
        self.stdout.write(self.style.SUCCESS(f"Demo signing certificate written: {made.p12} (CA: {made.ca_pem})"))
        self.stdout.write("For demonstration only: never sign real documents with it.")
