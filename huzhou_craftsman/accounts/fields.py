"""Model fields that normalise Chinese identifiers before they are validated and stored."""

from django.db import models

from . import identifiers


class USCCField(models.CharField):
    """A Unified Social Credit Code: upper-cased, separators removed, then checked (GB 32100)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)
        self.validators.append(identifiers.validate_uscc)

    def to_python(self, value):
        value = super().to_python(value)
        return identifiers.normalise_uscc(value) if value else value


class BankAccountField(models.CharField):
    """A bank account number: spaces and hyphens removed, then 8–32 digits required."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.validators.append(identifiers.validate_bank_account)

    def to_python(self, value):
        value = super().to_python(value)
        return identifiers.normalise_bank_account(value) if value else value
