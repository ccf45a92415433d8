"""Telling people: the short summary of a published week, and sending it to a channel.

The summary is plain data built from the report document (title, KPI lines with target
misses marked, the incident line, the link), so every channel says the same thing in its
own format: e-mail through Django's mail backends, and the JSON bodies of WeCom, DingTalk,
Feishu and Slack incoming webhooks. A webhook that answers with an error (an HTTP error,
or HTTP 200 with a non-zero error code, as the Chinese chat tools do) raises
``DeliveryError``, which the task retries with backoff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import audience, markup
from reports import document as d
from reports.document.renderer import incident_line, kpi_line, title_line
from reports.models import ChannelKind, NotificationChannel

WEBHOOK_TIMEOUT_SECONDS = 10
MISS_MARK = "⚠"


class DeliveryError(Exception):
    """The channel did not take the message; worth another try later."""


@dataclass(frozen=True)
class Summary:
    """The title and lines are plain text (``markup.plain``: the authors' words, with no
    link or mention in them); ``url`` is the product's own link to the page."""

    title: str
    lines: list[str] = field(default_factory=list)
    url: str = ""

    def text(self, escape: Callable[[str], str] = str) -> str:
        """Plain text, as mailed; ``escape`` makes the words safe for a chat's text."""
        words = [escape(self.title), "", *map(escape, self.lines)]
        return "\n".join([*words, "", self.url]).strip()

    def markdown(self) -> str:
        """WeCom's and DingTalk's Markdown: the words escaped, the link ours."""
        body = "\n".join(f"- {markup.chat_markdown(line)}" for line in self.lines)
        return f"### {markup.chat_markdown(self.title)}\n{body}\n\n[{self.url}]({self.url})"


def ui_language(doc: d.ReportDocument) -> str:
    return "zh-hans" if doc.language == "zh" else "en"


def published_summary(team_name: str, doc: d.ReportDocument, url: str) -> Summary:
    """What a published week says in a chat message or an e-mail."""
    with translation.override(ui_language(doc)):
        title = _("%(team)s: %(title)s published") % {"team": team_name, "title": title_line(doc)}
        lines = []
        for kpi in doc.kpis:
            line = kpi_line(kpi, doc.language)
            if kpi.misses_target:
                line = f"{MISS_MARK} {line} " + _("(target %(target)s%(unit)s missed)") % {
                    "target": kpi.target,
                    "unit": kpi.unit,
                }
            lines.append(line)
        if doc.incidents.counts:
            lines.append(incident_line(doc.incidents, doc.language))
        events = [e for e in doc.events if e.kind == "incident"]
        if events:
            count = ngettext(
                "%(n)d production incident this week",
                "%(n)d production incidents this week",
                len(events),
            )
            lines.append(count % {"n": len(events)})
    return Summary(title=markup.plain(title), lines=[markup.plain(x) for x in lines], url=url)


def absolute_url(path: str) -> str:
    return settings.WEEKLY_SITE_URL.rstrip("/") + path


# Webhook bodies, one per chat tool.


def webhook_body(kind: str, summary: Summary, secret: str = "") -> dict:
    if kind == ChannelKind.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": summary.markdown()}}
    if kind == ChannelKind.DINGTALK:
        # No "at" object: DingTalk notifies only the people it names (its robot docs), so
        # "@所有人" in the text notifies nobody.
        return {
            "msgtype": "markdown",
            "markdown": {"title": markup.chat_markdown(summary.title), "text": summary.markdown()},
        }
    if kind == ChannelKind.FEISHU:
        text = summary.text(escape=markup.chat_markdown)
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if secret:
            timestamp = str(int(time.time()))
            body.update(timestamp=timestamp, sign=feishu_sign(secret, timestamp))
        return body
    if kind == ChannelKind.SLACK:
        # No preview is fetched for a link, nor an image shown (Slack's unfurling
        # reference); no "link_names", so a plain "@channel" stays text.
        return {"text": slack_text(summary), "unfurl_links": False, "unfurl_media": False}
    raise ValueError(f"{kind} is not a webhook")


def slack_text(summary: Summary) -> str:
    lines = "\n".join(f"• {markup.slack(line)}" for line in summary.lines)
    return f"*{markup.slack(summary.title)}*\n{lines}\n<{summary.url}>"


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk's signed robot URL: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu's signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def post_webhook(url: str, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            answer = response.read(10_000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from the webhook") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"webhook not reachable: {exc}") from exc
    _raise_for_answer(answer)


def _raise_for_answer(answer: str) -> None:
    """WeCom and DingTalk answer {"errcode": 0}, Feishu {"code": 0}; Slack answers "ok"."""
    try:
        parsed = json.loads(answer)
    except ValueError:
        return
    if not isinstance(parsed, dict):
        return
    for key in ("errcode", "code", "StatusCode"):
        if key in parsed and parsed[key] not in (0, "0"):
            message = parsed.get("errmsg") or parsed.get("msg") or parsed.get("StatusMessage")
            raise DeliveryError(f"the webhook refused the message: {key}={parsed[key]} {message}")


def email_addresses(target: str) -> list[str]:
    addresses = audience.addresses(target)
    for address in addresses:
        validate_email(address)
    return addresses


def send(channel: NotificationChannel, summary: Summary) -> None:
    """Send the summary to an e-mail or webhook channel; DeliveryError if it did not go."""
    if channel.kind == ChannelKind.EMAIL:
        try:
            send_mail(summary.title, summary.text(), None, email_addresses(channel.target))
        except (OSError, ConnectionError) as exc:  # SMTP unreachable
            raise DeliveryError(f"mail not sent: {exc}") from exc
        return
    url = channel.target
    if channel.kind == ChannelKind.DINGTALK and channel.secret:
        url = dingtalk_signed_url(url, channel.secret)
    post_webhook(url, webhook_body(channel.kind, summary, channel.secret))
