"""The bare baseline's one table: what a minimal "validate a form, insert a row" view writes (bench only)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BareSubmission(models.Model):
    """One row of the bare baseline; no workflow, no duplicate guard (a double click inserts two)."""

    reference = models.CharField(max_length=64)
    note = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, null=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.reference
