"""The edit page saves itself: the autosave endpoint (reports/drafts.py) and the inline
sign-in it falls back on (accounts.views.signin_inline).

Every refusal is checked to change nothing: the report's Markdown export, its version and
its revisions are compared before and after.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.document.renderer import render_markdown
from reports.models import ReportRevision, RevisionAction, WeeklyReport
from reports.selectors import report_document
from tests.factories import UserFactory
from tests.forms_data import SCRIPTED, by_script, editor_data

DATE = "2023-05-20"
EDIT_URL = reverse("reports:report_edit", args=["payments", DATE])
SAVE_URL = reverse("reports:report_autosave", args=["payments", DATE])


def _opened(client) -> dict[str, str]:
    response = client.get(EDIT_URL)
    data = editor_data(response.context["editor"])
    data["report-version"] = str(response.context["report"].version)
    return data


def markdown_of(report: WeeklyReport) -> str:
    return render_markdown(report_document(report))


def _state(report: WeeklyReport) -> tuple:
    report.refresh_from_db()
    revisions = list(report.revisions.values_list("number", "version", "markdown"))
    return markdown_of(report), report.version, revisions


@pytest.mark.django_db
def test_an_autosave_saves_the_draft_and_answers_the_new_version(lead_client, sample_report):
    data = _opened(lead_client)
    data["report-reflections"] = "自动保存的复盘"

    response = lead_client.post(SAVE_URL, **by_script(data))

    assert response.status_code == 200
    answer = response.json()
    sample_report.refresh_from_db()
    assert answer["saved"] is True
    assert answer["version"] == sample_report.version
    assert answer["url"] == EDIT_URL
    assert "自动保存的复盘" in markdown_of(sample_report)
    assert sample_report.revisions.first().action == RevisionAction.AUTOSAVED


@pytest.mark.django_db
def test_a_run_of_autosaves_is_one_revision_holding_the_latest_text(lead_client, sample_report):
    data = _opened(lead_client)
    before = sample_report.revisions.count()
    for n, text in enumerate(["第一句", "第一句，第二句", "第一句，第二句，第三句"]):
        data["report-reflections"] = text
        answer = lead_client.post(SAVE_URL, **by_script(data)).json()
        data["report-version"] = str(answer["version"])
        assert answer["saved"], n

    sample_report.refresh_from_db()
    assert sample_report.revisions.count() == before + 1
    last = sample_report.revisions.first()
    assert last.version == sample_report.version
    assert "第一句，第二句，第三句" in last.markdown
    assert last.lines_added >= 1


@pytest.mark.django_db
def test_an_autosave_after_a_pause_or_by_someone_else_starts_a_new_revision(
    lead_client, second_lead_client, sample_report
):
    data = _opened(lead_client)
    data["report-reflections"] = "上午写的"
    data["report-version"] = str(lead_client.post(SAVE_URL, **by_script(data)).json()["version"])
    ReportRevision.objects.filter(pk=sample_report.revisions.first().pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )
    data["report-reflections"] = "下午写的"
    data["report-version"] = str(lead_client.post(SAVE_URL, **by_script(data)).json()["version"])
    theirs = _opened(second_lead_client)
    theirs["report-reflections"] = "另一位组长写的"
    assert second_lead_client.post(SAVE_URL, **by_script(theirs)).status_code == 200

    texts = [r.markdown for r in sample_report.revisions.all()[:3]]
    assert ["另一位组长写的" in texts[0], "下午写的" in texts[1], "上午写的" in texts[2]] == [
        True,
        True,
        True,
    ]


@pytest.mark.django_db
def test_an_autosave_of_what_is_saved_already_writes_nothing(lead_client, sample_report):
    data = _opened(lead_client)
    data["report-reflections"] = "改一处"
    lead_client.post(SAVE_URL, **by_script(data))
    before = _state(sample_report)
    data["report-version"] = str(before[1])

    response = lead_client.post(SAVE_URL, **by_script(data))

    assert response.status_code == 200
    assert response.json()["version"] == before[1]
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_a_field_to_correct_is_named_and_nothing_is_saved(lead_client, sample_report):
    data = _opened(lead_client)
    before = _state(sample_report)
    data["report-reflections"] = "不会保存"
    data["report-grade_A"] = "-3"

    response = lead_client.post(SAVE_URL, **by_script(data))

    assert response.status_code == 400
    answer = response.json()
    assert answer["saved"] is False
    assert list(answer["errors"]) == ["report-grade_A"]
    assert answer["errors"]["report-grade_A"][0]
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_the_error_is_in_the_readers_language(lead_client, sample_report):
    data = _opened(lead_client)
    data["report-grade_A"] = "很多"

    answer = lead_client.post(SAVE_URL, HTTP_ACCEPT_LANGUAGE="zh-hans", **by_script(data)).json()

    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["errors"]["report-grade_A"][0])


@pytest.mark.django_db
def test_a_stale_page_gets_a_conflict_and_nothing_is_overwritten(
    lead_client, second_lead_client, sample_report
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["report-reflections"] = "先保存的"
    assert second_lead_client.post(SAVE_URL, **by_script(theirs)).status_code == 200
    before = _state(sample_report)
    mine["report-reflections"] = "后保存的"

    response = lead_client.post(SAVE_URL, **by_script(mine))

    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert _state(sample_report) == before
    assert "先保存的" in before[0]


@pytest.mark.django_db
def test_a_published_week_is_not_autosaved(lead_client, sample_report):
    data = _opened(lead_client)
    WeeklyReport.objects.filter(pk=sample_report.pk).update(status="published")
    before = _state(sample_report)
    data["report-reflections"] = "发布后才打的字"

    response = lead_client.post(SAVE_URL, **by_script(data))

    assert response.status_code == 423
    assert response.json()["locked"] is True
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_the_first_autosave_of_a_new_week_creates_its_draft(lead_client, sample_report):
    new_page = lead_client.get(reverse("reports:report_new", args=["payments"]))
    data = editor_data(new_page.context["editor"])
    day = new_page.context["doc"].report_date
    data["report-reflections"] = "新的一周"
    url = reverse("reports:report_autosave", args=["payments", day])

    response = lead_client.post(url, **by_script(data))

    assert response.status_code == 200
    report = WeeklyReport.objects.get(team=sample_report.team, report_date=day)
    assert response.json()["url"] == reverse("reports:report_edit", args=["payments", day])
    assert response.json()["version"] == report.version
    assert "新的一周" in markdown_of(report)


@pytest.mark.django_db
def test_signed_out_the_page_is_told_to_sign_in_and_nothing_changes(client, sample_report):
    before = _state(sample_report)

    response = client.post(SAVE_URL, **by_script({"report-reflections": "x"}))

    assert response.status_code == 401
    assert response.json()["signin"] == reverse("login")
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_members_managers_and_other_leads_cannot_autosave(
    member_client, manager_client, outsider_client, lead_client, sample_report
):
    data = _opened(lead_client)
    data["report-reflections"] = "不该保存"
    before = _state(sample_report)

    codes = [
        c.post(SAVE_URL, **by_script(data)).status_code for c in (member_client, manager_client)
    ]

    assert codes == [403, 403]
    assert outsider_client.post(SAVE_URL, **by_script(data)).status_code == 404
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_signing_in_again_from_the_page_gives_a_new_csrf_token(lead, sample_report):
    lead.set_password("a long pass phrase 42")
    lead.save()
    client = Client(enforce_csrf_checks=True)
    token = client.get(reverse("login")).context["csrf_token"]
    url = reverse("accounts:signin_inline")

    wrong = client.post(
        url, {"username": lead.username, "password": "nope", "csrfmiddlewaretoken": str(token)}
    )
    right = client.post(
        url,
        {
            "username": lead.username,
            "password": "a long pass phrase 42",
            "csrfmiddlewaretoken": str(token),
        },
    )

    assert wrong.status_code == 400 and wrong.json()["errors"]
    assert right.status_code == 200 and right.json()["ok"] is True
    new_token = right.json()["csrf_token"]
    data = _opened(client)
    data["report-reflections"] = "重新登录后保存"
    data["csrfmiddlewaretoken"] = new_token
    assert client.post(SAVE_URL, **by_script(data)).status_code == 200


@pytest.mark.django_db
def test_a_csrf_refusal_of_the_pages_script_is_json(lead, sample_report):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    before = _state(sample_report)

    response = client.post(SAVE_URL, **by_script({"report-reflections": "x"}))

    assert response.status_code == 403
    assert response.json()["csrf"] is True
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_a_stranger_cannot_sign_in_inline(client):
    UserFactory(username="someone")
    response = client.post(
        reverse("accounts:signin_inline"), {"username": "someone", "password": "guess"}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


# -- What the page's script sends ---------------------------------------------------------


@pytest.mark.django_db
def test_the_scripts_pairs_save_as_the_same_form_posted_does(lead_client, sample_report):
    data = _opened(lead_client)
    data["report-reflections"] = "以成对的字段寄出"

    as_pairs = lead_client.post(SAVE_URL, **by_script(data))
    pairs_saved = _state(sample_report)
    data["report-version"] = str(as_pairs.json()["version"])
    data["report-reflections"] = "以表单寄出"
    as_form = lead_client.post(SAVE_URL, data, **SCRIPTED)
    form_saved = _state(sample_report)

    assert as_pairs.status_code == as_form.status_code == 200
    assert pairs_saved[0].replace("以成对的字段寄出", "以表单寄出") == form_saved[0]
    assert form_saved[1] == pairs_saved[1] + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"report-reflections": "x"}',
        b'[["report-reflections", "x", "y"]]',
        b'[["report-reflections", 1]]',
        b'[["report-reflections", null]]',
        b'["report-reflections"]',
        b"[[" * 50_000 + b"]]" * 50_000,
        b'[["report-reflections", "\xff"]]',
        b"not json",
        b"",
    ],
    ids=["object", "triple", "number", "null", "flat", "deep", "not-utf8", "text", "empty"],
)
def test_a_body_no_page_sends_is_refused_and_nothing_changes(lead_client, sample_report, body):
    before = _state(sample_report)

    response = lead_client.post(SAVE_URL, body, content_type="application/json", **SCRIPTED)

    assert response.status_code == 400
    assert response.json()["saved"] is False and response.json()["non_field_errors"]
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_more_pairs_than_a_post_may_hold_are_refused(lead_client, sample_report, settings):
    data = _opened(lead_client)
    data["report-reflections"] = "太多字段"
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = len(data) - 1
    before = _state(sample_report)

    response = lead_client.post(SAVE_URL, **by_script(data))

    assert response.status_code == 400
    assert _state(sample_report) == before


@pytest.mark.django_db
def test_half_a_character_is_saved_as_a_browser_encodes_it(lead_client, sample_report):
    """JSON can carry a lone surrogate (half of an emoji cut by a script), which UTF-8
    and the database cannot: it is saved as U+FFFD, as a URL-encoded form would have."""
    data = _opened(lead_client)
    data["report-reflections"] = "前\ud83d后 😀"

    response = lead_client.post(SAVE_URL, **by_script(data))

    assert response.status_code == 200
    assert "前\ufffd后 😀" in _state(sample_report)[0]
