"""Published weeks are committed into a wiki that is a git repository.

Tested against real local bare repositories, as a GitLab or GitHub wiki would be.
"""

import subprocess

import pytest

from notifications import outbox, wiki
from reports import services
from reports.files import export_text
from reports.models import ChannelKind, Delivery, DeliveryStatus, NotificationChannel
from reports.selectors import report_document
from tests.factories import import_sample, sample_document

pytestmark = pytest.mark.django_db


def git(*args, cwd=None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(autouse=True)
def _checkouts(settings, tmp_path):
    settings.WIKI_CHECKOUT_DIR = str(tmp_path / "checkouts")


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish as the page does: the channels hear of it when the transaction commits."""

    def run(report):
        with django_capture_on_commit_callbacks(execute=True):
            services.report_publish(report=report)

    return run


@pytest.fixture
def bare(tmp_path):
    path = tmp_path / "wiki.git"
    git("init", "-q", "--bare", "-b", "main", str(path))
    return path


@pytest.fixture
def channel(sample_team, bare):
    return NotificationChannel.objects.create(
        team=sample_team, kind=ChannelKind.WIKI, target=str(bare)
    )


def _log(bare) -> list[str]:
    return git("--git-dir", str(bare), "log", "--format=%s", "main").splitlines()


def _file(bare, path: str) -> str:
    return git("--git-dir", str(bare), "show", f"main:{path}")


def test_publishing_commits_the_week_and_an_index(publish, channel, bare, sample_report):
    publish(sample_report)  # eager: the delivery runs at commit

    assert _log(bare) == ["支付平台组: 第21周 2023-05-20"]
    assert _file(bare, "payments/2023-05-20.md") == export_text(sample_report)
    assert _file(bare, "payments/index.md") == (
        "# 支付平台组\n\n- [第21周 2023-05-20](2023-05-20.md)\n"
    )
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_the_page_is_the_samples_layout(publish, channel, bare, sample_report):
    publish(sample_report)

    page = _file(bare, "payments/2023-05-20.md")
    assert page.startswith("# 第21周 2023-05-20")
    assert "【系统运行数据】" in page


def test_publishing_the_same_week_again_changes_nothing(publish, channel, bare, sample_report):
    publish(sample_report)

    assert wiki.publish(channel, sample_report) is None
    assert len(_log(bare)) == 1


def test_a_republished_week_updates_its_file_only(
    publish, channel, bare, sample_team, sample_report
):
    publish(sample_report)
    services.report_reopen(report=sample_report)
    doc = report_document(sample_report)
    doc.reflections = "复盘：更新后的内容"
    services.report_update(report=sample_report, document=doc, author=None)

    publish(sample_report)

    assert len(_log(bare)) == 2
    changed = git("--git-dir", str(bare), "diff", "--name-only", "main~1", "main").split()
    assert changed == ["payments/2023-05-20.md"]
    assert "复盘：更新后的内容" in _file(bare, "payments/2023-05-20.md")


def test_a_second_week_is_added_and_listed_first(
    publish, channel, bare, sample_team, sample_report
):
    publish(sample_report)
    doc = sample_document()
    doc.report_date, doc.week_number = doc.report_date.replace(day=27), 22
    week22 = import_sample(sample_team, document=doc)

    publish(week22)

    index = _file(bare, "payments/index.md").splitlines()
    assert index[2:] == [
        "- [第22周 2023-05-27](2023-05-27.md)",
        "- [第21周 2023-05-20](2023-05-20.md)",
    ]


def test_other_peoples_pages_in_the_wiki_are_kept(publish, channel, bare, tmp_path, sample_report):
    clone = tmp_path / "someone"
    git("clone", "-q", str(bare), str(clone))
    (clone / "Home.md").write_text("# 部门 Wiki\n", encoding="utf-8")
    git("add", "Home.md", cwd=clone)
    git("-c", "user.name=someone", "-c", "user.email=s@x", "commit", "-qm", "home", cwd=clone)
    git("push", "-q", "origin", "HEAD:main", cwd=clone)

    publish(sample_report)

    assert _file(bare, "Home.md") == "# 部门 Wiki\n"
    assert _log(bare) == ["支付平台组: 第21周 2023-05-20", "home"]


def test_a_folder_and_branch_of_the_teams_choice(bare, sample_team, sample_report):
    git("--git-dir", str(bare), "symbolic-ref", "HEAD", "refs/heads/wiki")
    channel = NotificationChannel.objects.create(
        team=sample_team, kind="wiki", target=str(bare), branch="wiki", folder="团队/支付"
    )

    wiki.publish(channel, sample_report)

    assert git("--git-dir", str(bare), "show", "wiki:团队/支付/index.md").startswith("# 支付")


def test_an_unreachable_wiki_is_retried_later(publish, sample_team, sample_report, tmp_path):
    NotificationChannel.objects.create(
        team=sample_team, kind="wiki", target=str(tmp_path / "missing.git")
    )

    publish(sample_report)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "git fetch failed" in delivery.last_error


def test_the_ext_transport_is_refused(sample_team, sample_report, tmp_path):
    marker = tmp_path / "ran"
    channel = NotificationChannel.objects.create(
        team=sample_team, kind="wiki", target=f"ext::sh -c touch% {marker}"
    )

    with pytest.raises(wiki.WikiError):
        wiki.publish(channel, sample_report)

    assert not marker.exists()


def test_a_delivery_repeated_after_a_lost_worker_commits_nothing_new(
    publish, channel, bare, sample_report
):
    """The worker pushed, then died before marking the delivery sent: the task runs again."""
    publish(sample_report)
    (delivery,) = Delivery.objects.all()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)

    assert outbox.attempt(delivery.pk) == outbox.SENT
    assert len(_log(bare)) == 1


def test_an_empty_wiki_whose_first_push_failed_is_published_by_the_retry(
    publish, channel, bare, sample_report
):
    hook = bare / "hooks" / "pre-receive"
    marker = bare / "refused-once"
    hook.write_text(f"#!/bin/sh\n[ -e {marker} ] && exit 0\ntouch {marker}\nexit 1\n")
    hook.chmod(0o755)

    publish(sample_report)  # the push is refused: the delivery stays pending
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING

    assert outbox.attempt(delivery.pk) == outbox.SENT
    assert _log(bare) == ["支付平台组: 第21周 2023-05-20"]


@pytest.mark.parametrize(
    ("folder", "branch"),
    [
        ("../outside", "main"),
        ("a/../../b", "main"),
        ("-x", "main"),
        ("ok", "--force"),
        ("ok", "a..b"),
    ],
)
def test_a_folder_or_branch_that_could_escape_is_refused(
    sample_team, sample_report, bare, tmp_path, folder, branch
):
    channel = NotificationChannel.objects.create(
        team=sample_team, kind="wiki", target=str(bare), folder=folder, branch=branch
    )

    with pytest.raises(wiki.WikiError):
        wiki.publish(channel, sample_report)

    assert not (tmp_path / "outside").exists()
    assert not (tmp_path / "b").exists()
