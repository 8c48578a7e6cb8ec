"""Rounds, applications, attachments and the review workflow (built by the intake and review issues)."""
