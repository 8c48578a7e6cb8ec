"""Claim identity (RULES.md "Claim identity — never paid twice"): what an application claims, checked against every
live claim of the portal. The unique index on ``ClaimKey.key`` is the guard; these functions explain a clash in
words the applicant can act on, without ever naming another organisation."""

from collections import defaultdict
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import in_scope

from .models import Application, ClaimKey
from .schemes import ClaimIdentity


def _month_ranges(months: list[str]) -> list[tuple[str, str]]:
    """Group sorted "YYYY-MM" strings into (first, last) runs of consecutive months."""

    def index(month: str) -> int:
        year, number = month.split("-")
        return int(year) * 12 + int(number)

    runs = []
    for _key, run in groupby(enumerate(sorted(set(months))), key=lambda pair: index(pair[1]) - pair[0]):
        run = [month for _i, month in run]
        runs.append((run[0], run[-1]))
    return runs


def describe_clashes(identities: list[ClaimIdentity]) -> list[str]:
    """Say what is already claimed elsewhere; roster months are grouped per row into ranges."""
    messages, months_by_row = [], defaultdict(list)
    for identity in identities:
        row, sep, month = identity.label.partition(":")
        if sep and row.isdigit():
            months_by_row[int(row)].append(month)
        else:
            messages.append(_("%(what)s已在其他申报中申领或已获资助，不能重复申报。") % {"what": identity.label})
    for row, months in sorted(months_by_row.items()):
        for first, last in _month_ranges(months):
            messages.append(
                _("名册第 %(row)s 行：该学徒 %(first)s 至 %(last)s 已在其他申报中申领。")
                % {"row": row, "first": first, "last": last}
            )
    return messages


def claim_clashes(application: Application, identities: list[ClaimIdentity] | None = None) -> list[str]:
    """What the application claims that another live application already claims (empty: nothing)."""
    if identities is None:
        identities = application.definition.claim_identities(application)
    by_key = {identity.key: identity for identity in identities}
    taken = ClaimKey.objects.filter(key__in=list(by_key)).exclude(application_id=application.pk)
    return describe_clashes([by_key[key] for key in taken.values_list("key", flat=True)])


def claim_keys_register(application: Application) -> None:
    """Record what a submitted application claims; refuse, listing every clash, if any is claimed elsewhere."""
    identities = application.definition.claim_identities(application)
    if application.version:  # keys are written only at a submission: a draft never submitted has none to replace
        ClaimKey.objects.filter(application=application).delete()
    if not identities:
        return
    # The unique index decides; the clashes are looked up only when it refuses (issue 18: no query before the insert,
    # and no savepoint around it). A key another transaction is inserting at this very moment makes this insert
    # wait for that transaction's end, as the unique index always did; a key it refuses is not inserted and not
    # returned. The caller's transaction then rolls back what it wrote.
    created_at = ClaimKey._meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)
    rows = [(i.key, application.pk, i.person_resident_id, created_at) for i in identities]
    table, key, *columns = (
        connection.ops.quote_name(name)
        for name in (ClaimKey._meta.db_table, "key", "application_id", "person_resident_id", "created_at")
    )
    with connection.cursor() as cursor:
        values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
        cursor.execute(
            f"INSERT INTO {table} ({key}, {', '.join(columns)}) VALUES {values} ON CONFLICT DO NOTHING "  # noqa: S608 - names are the model's own, values are parameters
            f"RETURNING {key}",
            [value for row in rows for value in row],
        )
        inserted = {key for (key,) in cursor.fetchall()}
    if len(inserted) < len(rows):
        # Claimed by another live application, or by one being submitted at this very moment (committed since).
        refused = [i for i in identities if i.key not in inserted]
        raise ValidationError(
            claim_clashes(application, refused) or [_("同一申领事项正在被其他申报同时提交，请稍后重试。")]
        )


def claim_keys_release(application: Application) -> None:
    """Free what a withdrawn or rejected application claimed."""
    ClaimKey.objects.filter(application=application).delete()


def number_for(user, application: Application) -> str:
    """An application's number as a reviewer may see it: another district's application is named, not numbered (the
    reviewer learns that the person claims elsewhere, which is what the check needs, and nothing to look it up by)."""
    return application.number if in_scope(user, application) else _("其他区县的申报")


def related_claims(application: Application, user) -> list[dict]:
    """Other live claims and awards of the same persons, for the reviewer (shown in red)."""
    from subsidies.models import Award  # the money side reads applications, not the other way round at import

    people = set(
        ClaimKey.objects.filter(application=application).exclude(person_resident_id="")
        .values_list("person_resident_id", flat=True)
    )  # fmt: skip
    if application.person_id:
        people.add(application.person.resident_id)
    if not people:
        return []
    related = []
    others = (
        Application.objects.filter(claim_keys__person_resident_id__in=people)
        .exclude(pk=application.pk)
        .distinct()
        .select_related("organisation", "person")
        .order_by("-submitted_at")[:50]
    )
    for other in others:
        related.append({"kind": "application", "number": number_for(user, other), "scheme": other.get_scheme_display(),
                        "level": other.level_label, "state": other.get_state_display(), "pk": other.pk})  # fmt: skip
    awards = (
        Award.objects.filter(person__resident_id__in=people)
        .exclude(application_id=application.pk)
        .select_related("application__person")
        .order_by("-approved_at")[:50]
    )
    for award in awards:
        related.append({"kind": "award", "number": number_for(user, award.application), "scheme": award.application.get_scheme_display(),
                        "level": award.application.level_label, "total": award.total, "state": award.get_state_display(),
                        "pk": award.application_id})  # fmt: skip
    return related
