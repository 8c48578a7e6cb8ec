"""Approval documents: the award letter and the disbursement schedule, rendered to PDF by Celery workers."""
