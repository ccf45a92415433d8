"""Publishing asks first: the lead's GET shows the week in short, its warnings and who will
be told, and changes nothing; the POST publishes and tells exactly those channels."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from reports.models import ChannelKind, Delivery, NotificationChannel, WeeklyReport
from reports.selectors import publish_audience
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ARGS = ["payments", "2023-05-20"]
URL = reverse("reports:report_publish", args=ARGS)
WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=hook-secret-key"
WIKI = "https://wiki-bot:wiki-password@git.example.com/pay/wiki.git"


@pytest.fixture
def channels(sample_team):
    """A mailing list (one address is a user's), a WeCom chat, a wiki, and a channel
    switched off, which publishing does not tell."""
    UserFactory(username="cto", first_name="王总", email="cto@example.com")
    made = {
        kind: NotificationChannel.objects.create(team=sample_team, kind=kind, target=target)
        for kind, target in [
            (ChannelKind.EMAIL, "ops@example.com; CTO@example.com"),
            (ChannelKind.WECOM, WEBHOOK),
            (ChannelKind.WIKI, WIKI),
        ]
    }
    NotificationChannel.objects.create(
        team=sample_team,
        kind=ChannelKind.SLACK,
        target="https://hooks.slack.com/services/T/B/switched-off",
        enabled=False,
    )
    return made


def _told(html: str) -> str:
    m = re.search(r'<section class="mb-4" aria-labelledby="publish-told">.*?</section>', html, re.S)
    assert m, "the page does not say who will be told"
    return m.group(0)


def _state(report: WeeklyReport) -> tuple:
    report = WeeklyReport.objects.get(pk=report.pk)
    return (
        report.status,
        report.version,
        report.published_at,
        report.revisions.count(),
        Delivery.objects.count(),
        len(mail.outbox),
    )


def test_the_get_says_who_will_be_told_and_changes_nothing(lead_client, sample_report, channels):
    before = _state(sample_report)

    response = lead_client.get(URL)

    assert response.status_code == 200
    assert _state(sample_report) == before  # nothing published, sent or recorded
    told = _told(response.content.decode())
    assert "ops@example.com" in told
    assert "王总 &lt;CTO@example.com&gt;" in told  # a user's address, by name
    assert "qyapi.weixin.qq.com" in told and "hook-secret-key" not in told
    assert "git.example.com/pay/wiki.git" in told and "payments/2023-05-20.md" in told
    assert "wiki-password" not in told and "wiki-bot" not in told
    assert "hooks.slack.com" not in told  # switched off: not told
    assert len(response.context["told"]) == 3


def test_the_get_shows_the_week_and_its_warnings_and_a_publish_button(
    lead_client, sample_report, channels
):
    html = lead_client.get(URL).content.decode()

    assert "入金有效成功率：99.98%" in html  # the week in short
    assert "事故数AB级0次，CD级1次" in html
    assert "Hive数仓建设：周报中未启动为8，按分类合计为9。" in html  # a warning
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*id="publish-form"', html)
    assert form and form.group(1) == URL


def test_with_no_channel_the_page_says_nobody_is_told(lead_client, sample_report):
    response = lead_client.get(URL)

    assert response.context["told"] == []
    assert 'id="told-nobody"' in response.content.decode()


def test_the_post_publishes_and_tells_the_channels_the_page_listed(
    lead_client, sample_report, channels, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # nothing leaves the machine
        response = lead_client.post(URL)

    assert response.status_code == 302
    assert response["Location"] == sample_report.get_absolute_url()
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report.status == "published" and report.published_at is not None
    with translation.override("en"):
        listed = [t.channel for t in publish_audience(report)]
        delivered = Delivery.objects.select_related("channel").order_by("channel__kind", "channel")
        assert [d.channel.get_kind_display() for d in delivered] == listed
    assert set(delivered.values_list("channel", flat=True)) == {c.pk for c in channels.values()}


def test_a_published_week_offers_no_second_publication(lead_client, sample_report, channels):
    lead_client.post(URL)
    before = _state(sample_report)

    html = lead_client.get(URL).content.decode()

    assert 'id="already-published"' in html and 'id="publish-form"' not in html
    assert _state(sample_report) == before


@pytest.mark.parametrize(
    ("who", "code"), [("member_client", 403), ("manager_client", 403), ("outsider_client", 404)]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_manager_or_outsider_can_neither_see_nor_publish(
    request, sample_report, channels, who, code, method
):
    client = request.getfixturevalue(who)
    before = _state(sample_report)

    response = getattr(client, method)(URL)

    assert response.status_code == code
    assert "hook-secret-key" not in response.content.decode()
    assert _state(sample_report) == before


def test_the_report_page_and_the_preview_lead_to_the_confirmation(lead_client, sample_report):
    for page in ("reports:report_detail", "reports:report_preview"):
        html = lead_client.get(reverse(page, args=ARGS)).content.decode()

        assert f'href="{URL}"' in html, page
        assert f'action="{URL}"' not in html, page  # no button there publishes at once


def test_other_methods_are_refused(lead_client, sample_report):
    assert lead_client.put(URL).status_code == 405
    assert WeeklyReport.objects.get(pk=sample_report.pk).status == "draft"
