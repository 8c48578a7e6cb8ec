"""The counting window of the policy dashboard (RULES.md "Counting").

Every "到2025年…以上" target is cumulative from the policy's issue date (2021-10-20) to 2025-12-31; "新增" counts
what was newly recognised or filed in that window. The page says which window it shows and offers the others:
the policy window (终期评估, the default: 2025 is over), each calendar year, and from the issue date to today.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

POLICY_START = datetime.date(2021, 10, 20)
POLICY_END = datetime.date(2025, 12, 31)
DEFAULT = "policy"


@dataclass(frozen=True)
class Window:
    key: str
    start: datetime.date
    end: datetime.date
    label: str
    # Cumulative windows start at the issue date: the five-year targets apply to them. A single year does not
    # get a share of a five-year target (the policy sets none), only the yearly §4 target.
    cumulative: bool

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    @property
    def is_final(self) -> bool:
        return self.key == DEFAULT

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The window as [start, end) in Asia/Shanghai, for DateTimeField filters."""
        zone = timezone.get_current_timezone()
        first = datetime.datetime.combine(self.start, datetime.time.min, zone)
        after = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, zone)
        return first, after

    def on(self, field: str) -> dict:
        """Filter keywords for a DateTimeField (``field``) inside the window."""
        first, after = self.moments()
        return {f"{field}__gte": first, f"{field}__lt": after}

    def on_dates(self, field: str) -> dict:
        return {f"{field}__gte": self.start, f"{field}__lte": self.end}


def windows(today: datetime.date | None = None) -> list[Window]:
    """Every window the dashboard offers, the default first."""
    today = today or timezone.localdate()
    found = [
        Window(DEFAULT, POLICY_START, POLICY_END,
               _("政策期（终期评估）：%(start)s 至 %(end)s") % {"start": POLICY_START, "end": POLICY_END}, True),
        Window("since", POLICY_START, today,
               _("自政策发布至今：%(start)s 至 %(end)s") % {"start": POLICY_START, "end": today}, True),
    ]  # fmt: skip
    for year in range(POLICY_START.year, today.year + 1):
        start = max(POLICY_START, datetime.date(year, 1, 1))
        end = min(today, datetime.date(year, 12, 31))
        found.append(
            Window(
                str(year),
                start,
                end,
                _("%(year)s 年度：%(start)s 至 %(end)s") % {"year": year, "start": start, "end": end},
                False,
            )  # fmt: skip
        )
    return found


def window_for(key: str | None, today: datetime.date | None = None) -> Window:
    """The window a request asks for; an unknown key gets the default (the end-of-period view)."""
    offered = windows(today)
    return next((w for w in offered if w.key == key), offered[0])
