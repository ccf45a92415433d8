"""Publishing weeks into a wiki that is a git repository (GitLab and GitHub wikis are).

Each published week is one Markdown file in the sample's layout, ``<folder>/<date>.md``,
and ``<folder>/index.md`` lists the team's published weeks, newest first. The worker keeps
a checkout per repository, resets it to the remote branch, writes the files and commits
only when they changed: publishing the same week again updates its file, and nothing else
moves. A push that fails (someone pushed meanwhile, the server is down) raises
``WikiError``; the next attempt starts again from the remote, so it is safe to repeat.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from notifications import markup
from reports.document import ReportStatus
from reports.document.renderer import title_line
from reports.files import export_text
from reports.models import NotificationChannel, WeeklyReport
from reports.selectors import report_document

GIT_TIMEOUT_SECONDS = 120
# Never the ext:: transport (it runs commands) and never a password prompt.
GIT_ENV = {
    "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
}


class WikiError(Exception):
    """The wiki was not updated; worth another try later."""


def _git(args: list[str], cwd: Path | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    identity = ["-c", f"user.name={settings.WIKI_AUTHOR_NAME}"]
    identity += ["-c", f"user.email={settings.WIKI_AUTHOR_EMAIL}"]
    try:
        done = subprocess.run(
            ["git", *identity, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WikiError(f"git {args[0]} took longer than {GIT_TIMEOUT_SECONDS}s") from exc
    if done.returncode != 0:
        raise WikiError(f"git {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


@contextmanager
def _checkout(url: str):
    """The worker's checkout of ``url``, locked against other workers on this machine."""
    root = Path(settings.WIKI_CHECKOUT_DIR)
    root.mkdir(parents=True, exist_ok=True)
    path = root / hashlib.sha256(url.encode()).hexdigest()[:16]
    with open(root / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sync(path: Path, url: str, branch: str) -> None:
    """Make ``path`` the remote branch exactly, or an empty branch for an empty wiki."""
    if not (path / ".git").exists():
        _git(["init", "-q", str(path)])
        _git(["remote", "add", "origin", url], cwd=path)
    else:
        _git(["remote", "set-url", "origin", url], cwd=path)
    _git(["fetch", "-q", "origin"], cwd=path)
    remote_branches = _git(["branch", "-r"], cwd=path).split()
    if f"origin/{branch}" in remote_branches:
        _git(["checkout", "-q", "-B", branch, f"origin/{branch}"], cwd=path)
        _git(["reset", "-q", "--hard", f"origin/{branch}"], cwd=path)
    else:
        # An empty wiki: start the branch afresh, also after an earlier attempt whose
        # first commit was made here but never pushed.
        _git(["symbolic-ref", "HEAD", f"refs/heads/{branch}"], cwd=path)
        if _git_ok(["show-ref", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=path):
            _git(["update-ref", "-d", f"refs/heads/{branch}"], cwd=path)
        _git(["read-tree", "--empty"], cwd=path)
    _git(["clean", "-qfdx"], cwd=path)


def _git_ok(args: list[str], cwd: Path) -> bool:
    try:
        _git(args, cwd=cwd)
    except WikiError:
        return False
    return True


def checked_place(folder: str, branch: str) -> tuple[str, str]:
    """The channel's folder and branch, refused when they could leave the checkout or
    be read by git as an option."""
    folder = folder.strip().strip("/")
    parts = folder.split("/") if folder else []
    if any(p in ("", ".", "..") or p.startswith("-") or p == ".git" for p in parts):
        raise WikiError(f"the folder {folder!r} is not a plain path inside the wiki")
    if (
        not branch
        or branch.startswith("-")
        or ".." in branch
        or any(c in branch for c in " ~^:?*[\\")
    ):
        raise WikiError(f"the branch {branch!r} is not a valid branch name")
    return folder, branch


def index_page(team_name: str, reports: list[WeeklyReport]) -> str:
    """The team's list of weeks; the name is the team's words, escaped for Markdown, and
    the links to the week pages are ours."""
    lines = [f"# {markup.wiki_markdown(markup.plain(team_name))}", ""]
    for report in reports:
        doc = report_document(report)
        lines.append(f"- [{title_line(doc)}]({report.report_date.isoformat()}.md)")
    return "\n".join(lines) + "\n"


def publish(channel: NotificationChannel, report: WeeklyReport) -> str | None:
    """Commit the week and the index into the channel's wiki; the new commit, or None
    when the wiki already said exactly this."""
    team = report.team
    folder, branch = checked_place(channel.folder or team.slug, channel.branch or "main")
    published = list(
        WeeklyReport.objects.filter(team=team, status=ReportStatus.PUBLISHED).order_by(
            "-report_date"
        )
    )
    with _checkout(channel.target) as path:
        _sync(path, channel.target, branch)
        pages = path / folder
        pages.mkdir(parents=True, exist_ok=True)
        page = pages / f"{report.report_date.isoformat()}.md"
        page.write_text(export_text(report), encoding="utf-8")
        (pages / "index.md").write_text(index_page(team.name, published), encoding="utf-8")
        _git(["add", "--", folder], cwd=path)
        if not _git(["status", "--porcelain", "--", folder], cwd=path).strip():
            return None
        # One line of plain text: a line break in the name could add trailers
        # ("Signed-off-by:") and a hosting site links addresses and mentions in it.
        message = f"{markup.plain(team.name)}: {title_line(report_document(report))}"
        _git(["commit", "-q", "-m", message], cwd=path)
        _git(["push", "-q", "origin", f"HEAD:refs/heads/{branch}"], cwd=path)
        return _git(["rev-parse", "HEAD"], cwd=path).strip()
