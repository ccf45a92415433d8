"""Bulk exports: asked for on the page, built by a task with progress, resumable."""

import io
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exports import jobs
from reports.files import export_text
from reports.models import ExportJob, ExportStatus, WeeklyReport
from tests.factories import import_sample, sample_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def weeks(sample_team):
    """The sample week and five made-up weeks before it."""
    from reports.management.commands.load_demo import made_up_week

    sample = sample_document()
    for back in range(1, 6):
        import_sample(sample_team, document=made_up_week(sample, back))
    return list(WeeklyReport.objects.filter(team=sample_team).order_by("report_date"))


def _ask(client, team=""):
    with_commit = client.post(reverse("exports:export_list"), {"team": team})
    return with_commit


def _zip_of(job) -> bytes:
    buffer = io.BytesIO()
    jobs.write_zip(job, buffer)
    return buffer.getvalue()


def _zip_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_a_member_exports_the_teams_history(
    member_client, weeks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(member_client, "payments")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.status, job.done, job.total, job.label) == ("done", 6, 6, "支付平台组")
    status = member_client.get(reverse("exports:export_status", args=[job.pk])).json()
    assert status["percent"] == 100 and status["download"].endswith(f"/exports/{job.pk}/download/")
    download = member_client.get(reverse("exports:export_download", args=[job.pk]))
    data = b"".join(download.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [f"payments/{w.report_date}.md" for w in weeks]
    assert archive.read("payments/2023-05-20.md").decode() == export_text(weeks[-1])


def test_the_page_shows_progress_before_the_worker_is_done(member_client, weeks):
    _ask(member_client, "payments")  # the task waits for the commit, which never comes here
    job = ExportJob.objects.get()

    page = member_client.get(job.get_absolute_url())
    status = member_client.get(reverse("exports:export_status", args=[job.pk])).json()

    assert page.status_code == 200
    html = page.content.decode()
    assert "export-progress.js" in html and 'data-status="queued"' in html
    assert (status["status"], status["download"]) == ("queued", None)
    assert member_client.get(reverse("exports:export_download", args=[job.pk])).status_code == 404


def test_all_teams_means_the_teams_the_reader_can_see(
    member_client, manager_client, weeks, other_team, django_capture_on_commit_callbacks
):
    from tests.factories import import_sample as save

    save(other_team)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(member_client)
        _ask(manager_client)

    mine, managers = ExportJob.objects.order_by("pk")
    assert mine.total == 6 and managers.total == 7
    assert mine.label == "全部团队"


def test_someone_elses_export_is_a_404(member_client, manager_client, weeks):
    _ask(member_client, "payments")
    job = ExportJob.objects.get()

    for name in ("export_detail", "export_status", "export_download"):
        assert manager_client.get(reverse(f"exports:{name}", args=[job.pk])).status_code == 404


def test_a_team_the_reader_cannot_see_is_refused(outsider_client, weeks):
    response = _ask(outsider_client, "payments")

    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_an_export_killed_midway_continues_and_writes_each_week_once(weeks, monkeypatch):
    job = jobs.export_job_create(teams=[weeks[0].team], label="t")
    exported = []
    real_texts = jobs.report_texts

    def counted(*args, **kwargs):
        for report, text in real_texts(*args, **kwargs):
            exported.append(report.pk)
            yield report, text

    monkeypatch.setattr(jobs, "report_texts", counted)

    class Killed(BaseException):
        """Like SIGKILL: nothing after it runs, no except clause sees it."""

    def die_after_three(done, total):
        if done == 3:
            raise Killed

    with pytest.raises(Killed):
        jobs.export_job_run(job.pk, progress=die_after_three)
    job.refresh_from_db()
    assert (job.status, job.done) == (ExportStatus.RUNNING, 3)
    assert jobs.export_job_run(job.pk) is False  # its worker's lease still holds

    ExportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert jobs.export_job_run(job.pk) is True

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (ExportStatus.DONE, 6, 6)
    assert sorted(exported) == sorted(w.pk for w in weeks)  # each week exported once
    names = _zip_names(_zip_of(job))
    assert len(names) == len(set(names)) == 6


def test_a_failing_export_says_so(weeks, monkeypatch):
    job = jobs.export_job_create(teams=[weeks[0].team], label="t")

    def broken(*args, **kwargs):
        raise OSError("disk full")
        yield  # a generator, as report_texts is: it fails when the first week is read

    monkeypatch.setattr(jobs, "report_texts", broken)
    with pytest.raises(OSError):
        jobs.export_job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.FAILED, "disk full")


def test_the_command_shows_a_progress_bar(weeks, tmp_path):
    out, err = StringIO(), StringIO()

    call_command(
        "export_weeks",
        "--team",
        "payments",
        "--out",
        str(tmp_path / "a.zip"),
        stdout=out,
        stderr=err,
    )

    assert f"[{'#' * 30}] 6/6" in err.getvalue()
    assert "1/6" in err.getvalue()
    assert len(_zip_names((tmp_path / "a.zip").read_bytes())) == 6
    assert "a.zip" in out.getvalue()


def test_the_command_refuses_an_unknown_team(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("export_weeks", "--team", "nope", "--out", str(tmp_path / "a.zip"))


def test_nothing_is_written_to_local_disk(weeks, tmp_path, monkeypatch):
    """Any web process serves the zip, any worker continues the job: all in the database."""
    monkeypatch.chdir(tmp_path)
    job = jobs.export_job_create(teams=[weeks[0].team], label="t")

    jobs.export_job_run(job.pk)

    assert list(tmp_path.iterdir()) == []
    assert job.parts.count() == 6
    assert zipfile.ZipFile(io.BytesIO(_zip_of(job))).testzip() is None


def test_the_zip_is_read_in_pages(weeks, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(jobs, "PAGE", 4)
    job = jobs.export_job_create(teams=[weeks[0].team], label="t")
    jobs.export_job_run(job.pk)

    with django_assert_max_num_queries(3):  # 6 parts in pages of 4: two pages and an end
        names = _zip_names(_zip_of(job))

    assert len(names) == 6


def test_out_of_time_lets_the_lease_go_for_the_next_run(weeks, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    job = jobs.export_job_create(teams=[weeks[0].team], label="t")

    def out_of_time(done, total):
        if done == 2:
            raise SoftTimeLimitExceeded

    with pytest.raises(SoftTimeLimitExceeded):
        jobs.export_job_run(job.pk, progress=out_of_time)

    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING
    assert jobs.export_job_run(job.pk) is True  # no waiting for a lease


def test_a_week_deleted_while_the_job_runs_is_left_out_and_counted_so(weeks, monkeypatch):
    job = jobs.export_job_create(teams=[weeks[0].team], label="t")
    real_texts = jobs.report_texts

    def deleting_the_last(ids, *args, **kwargs):
        WeeklyReport.objects.filter(pk=weeks[-1].pk).delete()  # after the weeks were listed
        yield from real_texts(ids, *args, **kwargs)

    monkeypatch.setattr(jobs, "report_texts", deleting_the_last)

    assert jobs.export_job_run(job.pk) is True

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (ExportStatus.DONE, 5, 5)
    assert len(_zip_names(_zip_of(job))) == 5
