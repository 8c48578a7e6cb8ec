"""Telling the user why an action was refused, in the page they come back to."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def report_errors(request, error: Exception) -> None:
    """Show every message of a ValidationError (or the text of a PermissionDenied) as an error message."""
    for message in error.messages if isinstance(error, ValidationError) else [str(error)]:
        messages.error(request, message)
