"""Who a publication tells: the team's enabled channels, and nobody else.

The outbox writes one delivery per channel listed here (``outbox.deliveries_for``), and
the lead is shown the same list before publishing (``told_on_publish``, the answer to
``reports.signals.publish_audience``). Members and managers are not sent anything: they
read the week on the portal. The list shows the people a mail goes to (by name when
their address is a user's) but never a webhook's key or a repository's password.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from reports.models import ChannelKind, NotificationChannel, Team, WeeklyReport
from reports.signals import Told


def channels_told(team: Team) -> QuerySet[NotificationChannel]:
    """The channels a publication of the team's week is sent to."""
    return team.channels.filter(enabled=True).order_by("kind", "pk")


def told_on_publish(report: WeeklyReport) -> list[Told]:
    """Each channel publishing ``report`` would tell, and whom or what it reaches."""
    channels = list(channels_told(report.team))
    names = _user_names([c for c in channels if c.kind == ChannelKind.EMAIL])
    return [
        Told(channel=channel.get_kind_display(), names=_reached(channel, report, names))
        for channel in channels
    ]


def publish_audience(sender, report: WeeklyReport, **kwargs) -> list[Told]:
    """The receiver of ``reports.signals.publish_audience``."""
    return told_on_publish(report)


def addresses(target: str) -> list[str]:
    """An e-mail channel's addresses, as written (``notify.email_addresses`` checks them)."""
    return [a.strip() for a in target.replace(";", ",").split(",") if a.strip()]


def _user_names(channels: list[NotificationChannel]) -> dict[str, str]:
    """Lower-cased address -> the name of the user who has it, for the addresses mailed."""
    wanted = {a.lower() for c in channels for a in addresses(c.target)}
    if not wanted:
        return {}
    users = get_user_model().objects.filter(
        reduce(or_, (Q(email__iexact=a) for a in sorted(wanted))), is_active=True
    )
    return {u.email.lower(): u.get_full_name() or u.get_username() for u in users}


def _reached(
    channel: NotificationChannel, report: WeeklyReport, names: dict[str, str]
) -> tuple[str, ...]:
    if channel.kind == ChannelKind.EMAIL:
        return tuple(
            f"{names[a.lower()]} <{a}>" if a.lower() in names else a
            for a in addresses(channel.target)
        )
    if channel.kind == ChannelKind.WIKI:
        folder = (channel.folder or report.team.slug).strip().strip("/")
        page = f"{folder}/{report.report_date.isoformat()}.md"
        return (_("%(page)s in %(wiki)s") % {"page": page, "wiki": _without_secrets(channel)},)
    # A webhook's address holds its key: only the chat tool's host is shown.
    return (_("the chat behind the webhook at %(host)s") % {"host": _host(channel.target)},)


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def _without_secrets(channel: NotificationChannel) -> str:
    """The wiki's repository without a user, password or query in its address."""
    parts = urlsplit(channel.target)
    if not parts.scheme or not parts.hostname:  # a path, or git@host:group/wiki.git
        return channel.target.split("?", 1)[0]
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: the address will not work anyway
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"
