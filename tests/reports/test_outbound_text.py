"""The authors' words reach chats, mail and the wiki as text: no mention, link or image is
formed from a team name, a KPI name or note, or an incident note.

Each chat tool's webhook is a real HTTP server on this machine (``Hooks``); the wiki is a
real bare git repository.
"""

import re
import subprocess
from datetime import date, timedelta

import pytest
from django.core import mail

from metrics.models import IncidentSummary, KpiDefinition, KpiValue
from notifications import markup, reminders
from reports import services
from reports.models import ChannelKind, Delivery, DeliveryStatus, NotificationChannel, Team
from tests.factories import MembershipFactory
from tests.reports.test_notifications import Hooks

pytestmark = pytest.mark.django_db

# Written for these tests: each piece is markup that some channel would act on.
HOSTILE_TEAM = "<!channel>支付@所有人[点我](http://evil.example/a)<@U024BE7LH>"
HOSTILE_KPI = "![](http://evil.example/p.png)<https://evil.example|点此>"
HOSTILE_NOTE = '正常\n# 大标题 <at user_id="all">所有人</at> www.evil.example @all'
HOSTILE_INCIDENTS = (
    '<font color="warning">注意</font> 找 boss@evil.example\r\n![x](https://evil.example)'
)
PAGE = "http://127.0.0.1:8000/teams/payments/2023-05-20/"


@pytest.fixture
def hooks():
    server = Hooks()
    yield server
    server.server.shutdown()


@pytest.fixture
def hostile_week(sample_team, sample_report):
    """The sample week with the authors' words replaced by markup, written to the rows
    directly as rows stored before any form's rules would be."""
    Team.objects.filter(pk=sample_team.pk).update(name=HOSTILE_TEAM)
    kpi = KpiDefinition.objects.filter(team=sample_team).order_by("pk").first()
    KpiDefinition.objects.filter(pk=kpi.pk).update(name=HOSTILE_KPI)
    KpiValue.objects.filter(report=sample_report, definition=kpi).update(note=HOSTILE_NOTE)
    IncidentSummary.objects.filter(report=sample_report).update(note=HOSTILE_INCIDENTS)
    sample_report.refresh_from_db()
    return sample_report


def _publish(report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_publish(report=report)


def _assert_plain(text: str) -> None:
    """Nothing in ``text`` that a mail reader or a chat links or mentions, but the
    product's own link to the page."""
    outside = text.replace(f"[{PAGE}]({PAGE})", "").replace(PAGE, "")
    assert "evil.example" not in outside  # no address a client would link
    assert "://" not in outside
    assert not re.search(r"@\w", outside)  # @all, @所有人, @channel
    return outside


def _assert_inert(text: str) -> None:
    """Besides, no markup of a chat: mentions, links, images, HTML."""
    outside = _assert_plain(text)
    assert "<!" not in outside and "<@" not in outside and "<at" not in outside
    assert "<font" not in outside and "<http" not in outside
    assert "](" not in outside  # no Markdown link or image


def test_chats_get_the_words_as_text(
    hooks, hostile_week, sample_team, django_capture_on_commit_callbacks
):
    for kind in ("wecom", "dingtalk", "feishu", "slack"):
        NotificationChannel.objects.create(team=sample_team, kind=kind, target=hooks.url(kind))

    _publish(hostile_week, django_capture_on_commit_callbacks)

    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 4
    (wecom,) = hooks.bodies("wecom")
    (dingtalk,) = hooks.bodies("dingtalk")
    (feishu,) = hooks.bodies("feishu")
    (slack,) = hooks.bodies("slack")
    markdowns = [wecom["markdown"]["content"], dingtalk["markdown"]["text"]]
    for text in [*markdowns, dingtalk["markdown"]["title"], feishu["content"]["text"]]:
        _assert_inert(text)
        assert "<" not in text and "[" not in text.replace(f"[{PAGE}]", "")
    for text in markdowns:
        # The summary's shape holds: a heading, one list item a line, the link, so a
        # line break in a note started no heading or image line of its own.
        lines = text.split("\n")
        assert lines[0].startswith("### ")
        assert all(line.startswith("- ") for line in lines[1:-2])
        assert lines[-2:] == ["", f"[{PAGE}]({PAGE})"]
    # Slack's mrkdwn makes links and mentions only of <…>: its control characters are
    # sent as entities, and the only <…> is ours.
    _assert_plain(slack["text"])
    assert re.findall(r"<([^>]*)>", slack["text"]) == [PAGE]
    assert "&lt;!channel&gt;" in slack["text"]
    assert (slack["unfurl_links"], slack["unfurl_media"]) == (False, False)
    # The words are still there to read.
    for text in [*markdowns, feishu["content"]["text"], slack["text"]]:
        assert "点我" in text and "所有人" in text and "大标题" in text and "注意" in text


def test_mail_gets_the_words_as_text(hostile_week, sample_team, django_capture_on_commit_callbacks):
    NotificationChannel.objects.create(team=sample_team, kind="email", target="ops@example.com")

    _publish(hostile_week, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert "\n" not in message.subject
    _assert_plain(message.subject)  # plain text: brackets are only brackets there
    _assert_plain(message.body)
    assert PAGE in message.body


def test_a_reminder_mail_gets_the_name_as_text(sample_team):
    Team.objects.filter(pk=sample_team.pk).update(name=HOSTILE_TEAM + "\nBcc: x@evil.example")
    MembershipFactory(team=sample_team, user__email="lead@example.com", role="lead")
    team = Team.objects.get(pk=sample_team.pk)
    monday = reminders.week_start(date(2026, 3, 2))
    after_due = reminders.due_at(team, monday) + timedelta(minutes=5)

    reminders.send_due_reminders(after_due)

    (message,) = mail.outbox
    assert "\n" not in message.subject and "Bcc" not in message.extra_headers
    _assert_plain(message.subject)
    _assert_plain(message.body.replace(f"http://127.0.0.1:8000/teams/{team.slug}/", ""))


def git(*args) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def test_the_wiki_gets_the_name_as_text(
    settings, tmp_path, hostile_week, sample_team, django_capture_on_commit_callbacks
):
    settings.WIKI_CHECKOUT_DIR = str(tmp_path / "checkouts")
    bare = tmp_path / "wiki.git"
    git("init", "-q", "--bare", "-b", "main", str(bare))
    NotificationChannel.objects.create(team=sample_team, kind=ChannelKind.WIKI, target=str(bare))

    _publish(hostile_week, django_capture_on_commit_callbacks)

    assert Delivery.objects.get().status == DeliveryStatus.SENT
    (subject,) = git("--git-dir", str(bare), "log", "--format=%B", "main").strip().split("\n")
    _assert_plain(subject)
    assert subject.endswith(": 第21周 2023-05-20")
    index = git("--git-dir", str(bare), "show", "main:payments/index.md")
    heading, blank, *weeks = index.split("\n")
    assert weeks == ["- [第21周 2023-05-20](2023-05-20.md)", ""]  # our link stays a link
    _assert_plain(heading.replace("\\", ""))
    # Every ASCII punctuation mark in the name is escaped for Markdown: "\<!channel\>"
    # and "\[点我\]\(…\)" are shown as written, no HTML, link or image.
    assert re.fullmatch(r"# (?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", heading)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("入金有效成功率：99.95%", "入金有效成功率：99.95%"),  # ordinary words unchanged
        ("v2.3 上线", "v2.3 上线"),
        ("见 https://evil.example/x", "见 https：//evil․example/x"),
        ("@all 请看", "＠all 请看"),
        ("第一行\n第二行\t完", "第一行 第二行 完"),
        ("a\u202eb\u200bc", "a b c"),  # a right-to-left override and a zero-width space
    ],
)
def test_plain_keeps_the_words_and_defuses_links_and_mentions(text, shown):
    assert markup.plain(text) == shown
