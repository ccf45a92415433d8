"""Every save, publication and reopening is a revision: who, when, and the whole report.

The history page lists them; a revision's page shows its differences from the one before
(or any other); the admin never deletes the revisions of a report that was published.
"""

from io import StringIO

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from reports import services
from reports.document.renderer import render_markdown
from reports.models import ReportRevision, RevisionAction, WeeklyReport
from reports.selectors import report_document
from tests.factories import SAMPLE, UserFactory
from tests.forms_data import editor_data, find_row

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("reports:report_edit", args=["payments", "2023-05-20"])
HISTORY_URL = reverse("reports:report_history", args=["payments", "2023-05-20"])


def _revision_url(number: int) -> str:
    return reverse("reports:report_revision", args=["payments", "2023-05-20", number])


def _edit_reflections(client, text: str):
    data = editor_data(client.get(EDIT_URL).context["editor"])
    data["report-reflections"] = text
    return client.post(EDIT_URL, data)


def test_an_import_is_the_first_revision(sample_report):
    (revision,) = sample_report.revisions.all()

    assert (revision.number, revision.version) == (1, sample_report.version)
    assert revision.action == RevisionAction.CREATED
    assert revision.markdown == render_markdown(report_document(sample_report))
    assert revision.lines_removed == 0
    assert revision.lines_added == len(revision.markdown.splitlines())


def test_the_import_command_records_an_imported_revision(db):
    call_command("import_report", str(SAMPLE), team="ops", stdout=StringIO())

    revision = ReportRevision.objects.get()
    assert revision.action == RevisionAction.IMPORTED
    assert revision.author is None


def test_a_save_publish_and_reopen_are_revisions_with_who_and_what(
    lead, lead_client, sample_report
):
    assert _edit_reflections(lead_client, "复盘：新的一行").status_code == 302
    lead_client.post(reverse("reports:report_publish", args=["payments", "2023-05-20"]))
    lead_client.post(reverse("reports:report_reopen", args=["payments", "2023-05-20"]))

    revisions = list(WeeklyReport.objects.get(pk=sample_report.pk).revisions.all())
    assert [(r.number, r.action, r.status) for r in revisions] == [
        (4, RevisionAction.REOPENED, "draft"),
        (3, RevisionAction.PUBLISHED, "published"),
        (2, RevisionAction.SAVED, "draft"),
        (1, RevisionAction.CREATED, "draft"),
    ]
    reopened, published, saved, created = revisions
    assert {reopened.author, published.author, saved.author} == {lead}
    assert "复盘：新的一行" in saved.markdown
    assert "复盘：新的一行" not in created.markdown
    assert saved.lines_added >= 1
    assert saved.lines_removed >= 1  # the old reflections went
    assert published.markdown == reopened.markdown == saved.markdown
    assert (published.lines_added, published.lines_removed) == (0, 0)
    assert saved.version == created.version + 1


def test_a_refused_save_records_no_revision(lead_client, sample_report):
    data = editor_data(lead_client.get(EDIT_URL).context["editor"])
    data[f"cat-{find_row(data, 'cat', 'name', '风控报表')}-total"] = "99"

    assert lead_client.post(EDIT_URL, data).status_code == 200

    assert sample_report.revisions.count() == 1


def test_the_history_page_lists_revisions_newest_first(lead, lead_client, member_client):
    lead.first_name = "小明"
    lead.save()
    _edit_reflections(lead_client, "复盘：新的一行")

    response = member_client.get(HISTORY_URL)

    assert response.status_code == 200
    html = response.content.decode()
    # The table's cells, not any "r1" a random token on the page may hold.
    assert html.index("<td>r2</td>") < html.index("<td>r1</td>")
    assert "小明" in html
    assert "保存" in html and "创建" in html
    assert _revision_url(2) in html


def test_a_revision_page_shows_its_differences(lead_client):
    _edit_reflections(lead_client, "复盘：新的一行")

    response = lead_client.get(_revision_url(2))

    assert response.status_code == 200
    lines = response.context["lines"]
    assert ("added", "复盘：新的一行") in [(line.kind, line.text) for line in lines]
    assert any(line.kind == "removed" for line in lines)
    assert response.context["other"].number == 1


def test_a_revision_can_be_compared_with_any_other(lead_client):
    _edit_reflections(lead_client, "复盘：第二版")
    _edit_reflections(lead_client, "复盘：第三版")

    lines = lead_client.get(_revision_url(3) + "?against=1").context["lines"]

    texts = {(line.kind, line.text) for line in lines}
    assert ("added", "复盘：第三版") in texts
    assert ("added", "复盘：第二版") not in texts


def test_the_first_revision_is_all_new(lead_client):
    response = lead_client.get(_revision_url(1))

    assert response.context["other"] is None
    assert {line.kind for line in response.context["lines"]} == {"added"}


@pytest.mark.parametrize("suffix", ["99/", "99/?against=1", "1/?against=x"])
def test_an_unknown_revision_is_a_404_and_a_bad_comparison_the_default(lead_client, suffix):
    response = lead_client.get(HISTORY_URL + suffix)

    expected = 200 if suffix.startswith("1/") else 404
    assert response.status_code == expected


def test_record_revisions_fills_in_reports_saved_before_revisions(sample_report):
    sample_report.revisions.all().delete()

    call_command("record_revisions", stdout=StringIO())
    call_command("record_revisions", stdout=StringIO())  # nothing left to do

    (revision,) = sample_report.revisions.all()
    assert revision.action == RevisionAction.RECORDED
    assert revision.markdown == render_markdown(report_document(sample_report))


def test_publishing_a_report_without_revisions_records_its_text(sample_report):
    sample_report.revisions.all().delete()

    services.report_publish(report=sample_report)

    (revision,) = sample_report.revisions.all()
    assert revision.markdown == render_markdown(report_document(sample_report))


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _admin_delete_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def test_the_admin_cannot_delete_a_published_reports_revisions(admin_client, sample_report):
    services.report_publish(report=sample_report)
    revision = sample_report.revisions.first()

    assert admin_client.post(_admin_delete_url(revision), {"post": "yes"}).status_code == 403
    assert admin_client.post(_admin_delete_url(sample_report), {"post": "yes"}).status_code == 403
    team_url = _admin_delete_url(sample_report.team)
    assert admin_client.get(team_url).context["perms_lacking"]  # "cannot delete" page
    assert admin_client.post(team_url, {"post": "yes"}).status_code == 403
    assert ReportRevision.objects.filter(report=sample_report).count() == 2
    assert WeeklyReport.objects.filter(pk=sample_report.pk).exists()


def test_the_admin_cannot_delete_revisions_of_a_reopened_report(admin_client, sample_report):
    services.report_publish(report=sample_report)
    services.report_reopen(report=sample_report)

    revision = sample_report.revisions.last()
    assert admin_client.post(_admin_delete_url(revision), {"post": "yes"}).status_code == 403
    assert sample_report.revisions.count() == 3


def test_the_admin_may_delete_a_draft_that_was_never_published(admin_client, sample_report):
    response = admin_client.post(_admin_delete_url(sample_report), {"post": "yes"})

    assert response.status_code == 302
    assert not WeeklyReport.objects.filter(pk=sample_report.pk).exists()


def test_revisions_cannot_be_changed_or_added_in_the_admin(admin_client, sample_report):
    model_admin = site.get_model_admin(ReportRevision)
    request = admin_client.get("/admin/").wsgi_request

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, sample_report.revisions.get())
