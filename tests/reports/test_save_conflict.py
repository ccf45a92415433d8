"""Two leads edit the same draft: the second save is refused with both versions shown.

Nobody's text is overwritten silently. The refused lead keeps what they typed, sees the
saved version and the differences, and saving again is a deliberate choice that leaves
the other version in the revisions. Two saves racing in two threads: exactly one wins.
"""

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from reports import services
from reports.models import WeeklyReport
from reports.selectors import report_document
from tests.forms_data import editor_data

EDIT_URL = reverse("reports:report_edit", args=["payments", "2023-05-20"])


def _opened(client) -> dict[str, str]:
    """What the browser would post: the form's fields, with the version the page holds."""
    response = client.get(EDIT_URL)
    data = editor_data(response.context["editor"])
    data["report-version"] = _hidden_value(response.content.decode(), "report-version")
    return data


def _hidden_value(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="(\d+)"', html)
    assert match, f"the page has no hidden {name} field"
    return match.group(1)


@pytest.mark.django_db
def test_the_edit_page_carries_the_version_it_was_opened_on(lead_client, sample_report):
    html = lead_client.get(EDIT_URL).content.decode()

    assert _hidden_value(html, "report-version") == str(sample_report.version)


@pytest.mark.django_db
def test_the_second_save_gets_both_versions_and_keeps_its_text(
    lead_client, second_lead_client, sample_report
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["report-reflections"] = "小红的复盘"
    mine["report-reflections"] = "我的复盘"
    assert second_lead_client.post(EDIT_URL, theirs).status_code == 302

    response = lead_client.post(EDIT_URL, mine)

    assert response.status_code == 200
    html = response.content.decode()
    assert "您编辑期间，有人保存了这份周报" in html
    assert "小红 在您打开此页面之后" in html
    conflict = response.context["conflict"]
    assert "小红的复盘" in conflict["theirs"].markdown
    assert "我的复盘" in conflict["mine"]
    kinds = {(line.kind, line.text) for line in conflict["lines"]}
    assert ("removed", "小红的复盘") in kinds
    assert ("added", "我的复盘") in kinds
    # The form still holds what was typed; the saved report holds the other lead's text.
    assert response.context["editor"].report["reflections"].value() == "我的复盘"
    saved = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report_document(saved).reflections == "小红的复盘"
    assert saved.revisions.count() == 2


@pytest.mark.django_db
def test_saving_again_after_the_conflict_is_deliberate_and_loses_nothing(
    lead_client, second_lead_client, sample_report
):
    mine, theirs = _opened(lead_client), _opened(second_lead_client)
    theirs["report-reflections"] = "小红的复盘"
    mine["report-reflections"] = "我的复盘"
    second_lead_client.post(EDIT_URL, theirs)
    refused = lead_client.post(EDIT_URL, mine)

    resubmitted = editor_data(refused.context["editor"])
    resubmitted["report-version"] = _hidden_value(refused.content.decode(), "report-version")
    again = lead_client.post(EDIT_URL, resubmitted)

    assert again.status_code == 302
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert report_document(report).reflections == "我的复盘"
    texts = [r.markdown for r in report.revisions.all()]
    assert any("小红的复盘" in t for t in texts)  # their version is on record
    assert report.version == sample_report.version + 2


@pytest.mark.django_db
def test_a_save_from_an_old_page_is_refused_by_the_service(sample_report):
    doc = report_document(sample_report)
    services.report_update(
        report=sample_report, document=doc, author=None, expected_version=sample_report.version
    )

    with pytest.raises(services.StaleReport):
        services.report_update(
            report=sample_report,
            document=doc,
            author=None,
            expected_version=sample_report.version,
        )


@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_in_two_threads_one_wins(sample_team):
    """Both threads opened version N and save at the same moment; the row lock (or, on
    SQLite, the write lock taken when the transaction begins) lets exactly one through."""
    report = sample_team.reports.get()
    opened = report.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(name: str) -> None:
        doc = report_document(WeeklyReport.objects.get(pk=report.pk))
        doc.reflections = f"{name} 的复盘"
        barrier.wait(timeout=10)
        try:
            services.report_update(
                report=report, document=doc, author=None, expected_version=opened
            )
            outcomes[name] = "saved"
        except services.StaleReport:
            outcomes[name] = "refused"
        except Exception as exc:  # noqa: BLE001 - reported below, not swallowed
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    (winner,) = [n for n, outcome in outcomes.items() if outcome == "saved"]
    saved = WeeklyReport.objects.get(pk=report.pk)
    assert saved.version == opened + 1
    assert report_document(saved).reflections == f"{winner} 的复盘"
    assert saved.revisions.count() == 2


@pytest.mark.django_db
def test_a_conflict_with_a_save_by_no_one_in_particular_still_explains_itself(
    lead_client, sample_report
):
    mine = _opened(lead_client)
    services.report_update(  # e.g. a re-import, which has no author
        report=sample_report, document=report_document(sample_report), author=None
    )

    response = lead_client.post(EDIT_URL, mine)

    assert response.status_code == 200
    assert "有人 在您打开此页面之后" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("version", [None, ""], ids=["field removed", "field emptied"])
def test_a_save_without_the_version_field_is_refused_and_keeps_the_text(
    lead_client, sample_report, version
):
    data = _opened(lead_client)
    data["report-reflections"] = "没有版本号的复盘"
    if version is None:
        del data["report-version"]
    else:
        data["report-version"] = version
    saved = report_document(sample_report)

    response = lead_client.post(EDIT_URL, data)

    assert response.status_code == 200
    assert response.context["conflict"]["unversioned"] is True
    assert 'id="save-conflict"' in response.content.decode()
    assert response.context["editor"].report["reflections"].value() == "没有版本号的复盘"
    report = WeeklyReport.objects.get(pk=sample_report.pk)
    assert (report.version, report.revisions.count()) == (sample_report.version, 1)
    assert report_document(report) == saved
    # The page now carries the saved version: saving again is the lead's deliberate choice.
    again = editor_data(response.context["editor"])
    again["report-version"] = _hidden_value(response.content.decode(), "report-version")
    assert lead_client.post(EDIT_URL, again).status_code == 302
    assert report_document(WeeklyReport.objects.get()).reflections == "没有版本号的复盘"
