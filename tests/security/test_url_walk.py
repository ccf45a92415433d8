"""Walk the URLconf and prove that every URL keeps to the access rules.

Nobody keeps a list of URLs here. The routes come from ``get_resolver()``, walked
recursively through every include: the admin, ``django.contrib.auth``, i18n, the API
schema and the ``reports`` namespace. A URL added tomorrow is walked without anyone
touching this file, and the walk fails, naming the route, when it meets a parameter it
cannot fill (``ROUTE_PARAMS``) or a team URL without expected codes (``TEAM_ROUTES``).
Every URL the walk builds is resolved again, so a value that lands on another route
(or on nothing) fails too.

Two walks:

* Ownership. Every route that takes a team (``slug``; a report is always a team's) is
  requested with GET and with POST by a lead of another team, a member, a manager and a
  signed-out visitor, with a body that would change something if it were accepted. The
  other team's lead gets a 404, exactly as for a team that does not exist; the visitor
  the sign-in page; members and managers the code listed in ``TEAM_ROUTES``. Nothing in
  the database changes, except the note a member may add on the daily notes page. The
  same requests made by the team's lead do change things, which shows the bodies bite.
  The department's week (``day``) belongs to no team: it lists the reader's teams, so an
  outsider gets a 200 page that does not show the team (``DEPARTMENT_ROUTES``). A user's
  own object, a bulk export of the team's weeks, is a 404 to every other reader, exactly
  as for an export that does not exist (``OWNER_ROUTES``).
  The admin's routes take object ids, not teams, and are left to the admin's staff check.
* CSRF. Every route of the whole URLconf is POSTed with ``Client(enforce_csrf_checks=True)``
  and no token, by a signed-out visitor, the team's lead and a superuser: 403 every time,
  from the CSRF check (the API answers a signed-out caller 401 before it, see
  ``_checks_csrf``); nothing in the database changes, the user stays signed in, the
  language cookie is not set and no mail is sent. The same bodies with CSRF checks off
  do change things (``CSRF_CONTROLS``).

The objects are those of tests/conftest.py (the sample team "payments" with its week of
2023-05-20, its lead and member, a manager, the lead of "lending" as the outsider), plus a
superuser and a daily note of the lead's, saved once for the module and rolled back.
"Nothing changes" compares every row of every model (the historical models of
django-simple-history included) and the report's Markdown export before and after the
request; sessions are compared by key and user only, since reading a page may refresh
the session's last-seen time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.regex_helper import normalize
from rest_framework.views import APIView

from exports import jobs
from reports import services
from reports.document.jsonformat import render_json
from reports.files import export_text
from reports.models import DailyNote, ExportJob, Membership, Team, WeeklyReport
from reports.selectors import report_document
from tests.factories import MembershipFactory, TeamFactory, UserFactory, import_sample
from tests.forms_data import editor_data, form_data, page_data

pytestmark = pytest.mark.django_db

PASSWORD = "weekly-test-password"  # tests.factories.UserFactory
NEW_PASSWORD = "a-new-password-Qx81"
TEAM_NAME = "支付平台组"  # tests/conftest.py: sample_team
OTHER_TEAM_NAME = "信贷组"  # tests/conftest.py: other_team, the outsider's
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # as tests/conftest.py


# ---------------------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # "reports:report_detail"; None for the admin's unnamed routes
    route: str  # as Django's ResolverMatch.route spells it
    regex: str  # the whole regex from the root, as reverse() joins it
    params: tuple[str, ...]  # named parameters
    positional: int  # unnamed regex groups
    converters: tuple[tuple[str, object], ...]
    callback: Callable

    @property
    def id(self) -> str:
        return self.name or self.route

    @property
    def is_admin(self) -> bool:
        return (self.name or "").startswith("admin:") or self.route.startswith(_ADMIN_PREFIX)


def _walk(resolver, route="", regex="", namespace="", converters=()):
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        # Django drops a "^" when it joins routes and regexes (URLResolver._join_route).
        entry_route = route + str(pattern).removeprefix("^")
        entry_regex = regex + pattern.regex.pattern.removeprefix("^")
        entry_converters = (*converters, *getattr(pattern, "converters", {}).items())
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, entry_route, entry_regex, inner, entry_converters)
            continue
        compiled = re.compile(entry_regex)
        yield Route(
            name=f"{namespace}{entry.name}" if entry.name else None,
            route=entry_route,
            regex=entry_regex,
            params=tuple(compiled.groupindex),
            positional=compiled.groups - len(compiled.groupindex),
            converters=entry_converters,
            callback=entry.callback,
        )


_ADMIN_PREFIX = str(get_resolver().resolve(reverse("admin:index")).route)
ROUTES = list(_walk(get_resolver()))
ROUTES_BY_ID = {r.id: r for r in ROUTES}

# A route that takes a team; a report URL takes its team's slug too.
TEAM_PARAM = "slug"
# The department's week: every team the reader may read, not one team's page.
DEPARTMENT_PARAM = "day"

# The admin's routes take object ids, not teams: they are for staff by the admin's own
# check, and only the CSRF walk POSTs them.
TEAM_URLS = [r for r in ROUTES if not r.is_admin and TEAM_PARAM in r.params]
DEPARTMENT_URLS = [
    r
    for r in ROUTES
    if not r.is_admin and TEAM_PARAM not in r.params and DEPARTMENT_PARAM in r.params
]


def _ids(route: Route) -> str:
    return route.id


# ---------------------------------------------------------------------------------------
# What each reader gets
# ---------------------------------------------------------------------------------------

GET, POST = "GET", "POST"
METHODS = [GET, POST]


@dataclass(frozen=True)
class Access:
    """(GET, POST) status codes for the sample team's readers; outsiders and signed-out
    visitors are the same for every team URL (404 and the sign-in page)."""

    lead: tuple[int, int]
    member: tuple[int, int]
    manager: tuple[int, int]
    # Tables a member's POST may change (their own daily note); nothing for anyone else.
    member_writes: frozenset[str] = frozenset()
    # Whether the lead's POST changes things; by default when it answers with a redirect
    # (the pages), the API answers 200 or 201 instead.
    post_writes: bool | None = None


# Pages for every reader of the team. The views take any method, so a POST is answered
# like a GET and changes nothing (they could be @require_safe).
READ = Access(lead=(200, 200), member=(200, 200), manager=(200, 200))
# The lead's page that saves nothing (the report as it will be published).
LEAD_READ = Access(lead=(200, 200), member=(403, 403), manager=(403, 403))
# The lead's forms: new week, edit, team settings, publishing (its page says who is told).
LEAD_FORM = Access(lead=(200, 302), member=(403, 403), manager=(403, 403))
# The lead's buttons: reopen.
LEAD_ACTION = Access(lead=(405, 302), member=(403, 403), manager=(403, 403))
NOTE_TABLES = frozenset(
    {
        "reports.dailynote",
        "reports.historicaldailynote",
        "reports.searchentry",
        "core.pagegeneration",
    }
)
# Members and leads write daily notes; managers read the team but write no notes.
NOTES = Access(lead=(200, 302), member=(200, 302), manager=(403, 403), member_writes=NOTE_TABLES)
# Deleting the lead's note: only its author may, another member gets a 404.
NOTE_DELETE = Access(lead=(405, 302), member=(405, 404), manager=(403, 403))

# The API (DRF): the method is checked after the team or report was found, so an
# outsider gets a 404 for any method here as well; readers get 405 for a method the
# endpoint does not take, and 403 for a write that is the lead's.
API_READ = Access(lead=(200, 405), member=(200, 405), manager=(200, 405))
API_CREATE = Access(lead=(200, 201), member=(200, 403), manager=(200, 403), post_writes=True)
API_KPIS = Access(lead=(405, 200), member=(405, 403), manager=(405, 403), post_writes=True)
API_IMPORT = Access(lead=(405, 201), member=(405, 403), manager=(405, 403), post_writes=True)
# The edit page's autosave: the lead's POST saves the draft and answers JSON.
LEAD_AUTOSAVE = Access(lead=(405, 200), member=(403, 403), manager=(403, 403), post_writes=True)
# Learning a layout fills the settings form again and saves nothing.
LEAD_LEARN = Access(lead=(405, 200), member=(403, 403), manager=(403, 403))
# The Markdown page's reading of the text typed: what it states, in JSON; nothing saved.
LEAD_PARSE = Access(lead=(405, 200), member=(403, 403), manager=(403, 403))

TEAM_ROUTES: dict[str, Access] = {
    "reports:team_detail": READ,
    "reports:team_trends": READ,
    "exports:team_zip": READ,
    "reports:report_detail": READ,
    "reports:report_diff": READ,
    "reports:report_history": READ,
    "reports:report_revision": READ,
    "reports:report_markdown": READ,
    "reports:report_json": READ,
    "reports:report_preview": LEAD_READ,
    "reports:report_new": LEAD_FORM,
    "reports:report_edit": LEAD_FORM,
    "reports:report_quick": LEAD_FORM,
    "reports:report_autosave": LEAD_AUTOSAVE,
    "reports:report_markdown_edit": LEAD_FORM,
    "reports:report_markdown_parse": LEAD_PARSE,
    "reports:team_settings": LEAD_FORM,
    "reports:team_layout_learn": LEAD_LEARN,
    "reports:report_import": LEAD_FORM,
    "reports:report_publish": LEAD_FORM,
    "reports:report_reopen": LEAD_ACTION,
    "reports:daily_notes": NOTES,
    "reports:daily_note_delete": NOTE_DELETE,
    "api:team_detail": API_READ,
    "api:report_list": API_CREATE,
    "api:report_detail": API_READ,
    "api:kpi_values": API_KPIS,
    "api:report_events": API_READ,
    "api:report_import": API_IMPORT,
}

# The department's week lists the reader's teams (reports.permissions.teams_for_user), so
# every signed-in reader gets a 200 page; an outsider's shows their own team, not this one.
DEPARTMENT_ROUTES = {"reports:week_rollup", "reports:week_rollup_markdown"}


@dataclass(frozen=True)
class Owned:
    """(GET, POST) codes for an object that belongs to the user who made it."""

    owner: tuple[int, int]
    others: tuple[int, int]


# Objects of one user rather than a team: a bulk export (a zip of every week of the teams
# its requester could read) is its requester's alone; every other reader, however much
# they may read, gets a 404 (exports.views), whatever the method: the export is
# looked up before the method is checked, so only its owner learns that POST is refused.
EXPORT = Owned(owner=(200, 405), others=(404, 404))
OWNER_ROUTES: dict[str, Owned] = {
    "exports:export_detail": EXPORT,
    "exports:export_status": EXPORT,
    "exports:export_download": EXPORT,
}
OWNER_URLS = [r for r in ROUTES if r.id in OWNER_ROUTES]

# Routes outside the admin that take parameters but no team, and why they are not walked
# for ownership (the CSRF walk still POSTs them).
NOT_TEAM_ROUTES = {
    "password_reset_confirm": "the e-mailed password-reset link names a user, not a team, "
    "and is for signed-out visitors",
}

# Deliberately not POSTed by the CSRF walk: none. Kept so that one is added with a reason.
CSRF_EXCLUSIONS: dict[str, str] = {}


# ---------------------------------------------------------------------------------------
# The objects the URLs name
# ---------------------------------------------------------------------------------------


@dataclass
class World:
    team: Team
    report: WeeklyReport
    note: DailyNote
    lead: object
    member: object
    manager: object
    outsider: object
    superuser: object
    export: ExportJob

    def user(self, role: str):
        """The user playing ``role``; None for a signed-out visitor."""
        return None if role == "anonymous" else getattr(self, role)


def _build_world() -> World:
    """The sample team and week and its readers as tests/conftest.py makes them, a
    superuser, and a daily note of the lead's."""
    team = TeamFactory(slug="payments", name=TEAM_NAME)
    report = import_sample(team)
    lead = MembershipFactory(team=team, user__username="lead", role=Membership.Role.LEAD).user
    other_team = TeamFactory(slug="lending", name=OTHER_TEAM_NAME)
    return World(
        team=team,
        report=report,
        note=services.daily_note_create(
            team=team, author=lead, day=timezone.localdate(), text="组长今天的日报"
        ),
        lead=lead,
        member=MembershipFactory(team=team, user__username="member").user,
        manager=UserFactory(username="manager", managers=True),
        outsider=MembershipFactory(
            team=other_team, user__username="outsider", role=Membership.Role.LEAD
        ).user,
        superuser=UserFactory(username="root", is_staff=True, is_superuser=True),
        export=_finished_export(team, lead),
    )


def _finished_export(team: Team, user) -> ExportJob:
    """A bulk export of the team's weeks that ``user`` asked for, built and ready."""
    job = jobs.export_job_create(teams=[team], label=team.name, user=user)
    jobs.export_job_run(job.pk)
    return job


@pytest.fixture(scope="module")
def _saved_world(django_db_setup, django_db_blocker):
    """The world, saved once for the module: importing the sample week is most of the cost
    of each of the several hundred tests here. It lives in a transaction that is rolled
    back after the module; each test runs in a savepoint inside it, rolled back as usual."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
            world = _build_world()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(_saved_world) -> World:
    """The saved world read afresh, so no test sees another's in-memory changes."""
    return World(**{f.name: _reread(getattr(_saved_world, f.name)) for f in fields(World)})


def _reread(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def _admin_model(route: Route):
    """The model an admin route is for: its URL starts with "admin/<app>/<model>/"."""
    for model in apps.get_models():
        opts = model._meta
        if route.route.startswith(f"{_ADMIN_PREFIX}{opts.app_label}/{opts.model_name}/"):
            return model
    return None


def _admin_object(route: Route):
    model = _admin_model(route)
    if model is None:
        pytest.fail(f"{route.id}: takes an object id, but no model matches its URL")
    return model._base_manager.order_by("pk").first()


def _admin_object_id(route: Route) -> object:
    # The model's first row. A table left empty by the fixtures (the Celery schedules)
    # gets an id nobody has: the CSRF check refuses the POST before the admin looks it up,
    # and _url() still proves the URL reaches the route.
    obj = _admin_object(route)
    return obj.pk if obj is not None else 0


def _first_revision(report: WeeklyReport) -> int:
    revision = report.revisions.order_by("number").first()
    assert revision is not None, "the sample week has no revision"
    return revision.number


# Parameters known by name, wherever they appear.
NAMED_PARAMS: dict[str, Callable[[World], object]] = {
    "slug": lambda w: w.team.slug,
    "report_date": lambda w: w.report.report_date,
    "day": lambda w: w.report.report_date,
}

# Parameters whose meaning depends on the route; looked up before NAMED_PARAMS.
ROUTE_PARAMS: dict[str, dict[str, Callable[[World], object]]] = {
    "reports:daily_note_delete": {"pk": lambda w: w.note.pk},
    "reports:report_revision": {"number": lambda w: _first_revision(w.report)},
    "exports:export_detail": {"pk": lambda w: w.export.pk},
    "exports:export_status": {"pk": lambda w: w.export.pk},
    "exports:export_download": {"pk": lambda w: w.export.pk},
    "admin:view_on_site": {
        "content_type_id": lambda w: ContentType.objects.get_for_model(Team).pk,
        "object_id": lambda w: w.team.pk,
    },
    "admin:auth_user_password_change": {"id": lambda w: w.lead.pk},
    "admin:app_list": {"app_label": lambda w: "reports"},
    f"{_ADMIN_PREFIX}(?P<url>.*)$": {"url": lambda w: "no-such-page/"},  # the catch-all
    "password_reset_confirm": {
        "uidb64": lambda w: urlsafe_base64_encode(force_bytes(w.lead.pk)),
        "token": lambda w: default_token_generator.make_token(w.lead),
    },
}


def _param(route: Route, name: str, world: World) -> object:
    if name in ROUTE_PARAMS.get(route.id, {}):
        return ROUTE_PARAMS[route.id][name](world)
    if name in NAMED_PARAMS:
        return NAMED_PARAMS[name](world)
    if route.is_admin and name == "object_id":
        return _admin_object_id(route)
    pytest.fail(
        f"{route.id} ({route.route}) takes {name!r}, which the URL walk does not know how "
        "to fill: add it to ROUTE_PARAMS in tests/security/test_url_walk.py"
    )


def _positional(route: Route, world: World) -> list[object]:
    if route.positional == 0:
        return []
    if route.is_admin and route.id.endswith("_simple_history") and route.positional == 2:
        # django-simple-history's admin page of one past version: object id, history id.
        obj = _admin_object(route)
        if obj is None:
            return [0, 0]
        return [obj.pk, obj.history.order_by("pk").first().history_id]
    pytest.fail(
        f"{route.id} ({route.route}) has {route.positional} unnamed groups the URL walk "
        "does not know how to fill"
    )


def _url(route: Route, world: World, **override) -> str:
    """The route's URL for the sample objects, checked to resolve back to the route."""
    values = {n: override.get(n) or _param(route, n, world) for n in route.params}
    args = _positional(route, world)
    if route.name:
        try:
            url = reverse(route.name, args=args or None, kwargs=values or None)
        except NoReverseMatch as exc:
            pytest.fail(f"{route.id}: cannot be reversed with {values or args}: {exc}")
    else:
        url = "/" + _fill_regex(route, values, args)
    match = resolve(urlsplit(url).path)
    assert (match.func, match.route) == (route.callback, route.route), (
        f"{url} was built for {route.id} but reaches {match.view_name} ({match.route})"
    )
    return url


def _fill_regex(route: Route, values: dict, args: list) -> str:
    """An unnamed route's URL, from Django's own reading of its regex (what reverse() uses)."""
    converters = dict(route.converters)
    filled = {n: converters[n].to_url(v) if n in converters else str(v) for n, v in values.items()}
    filled |= {f"_{i}": str(a) for i, a in enumerate(args)}
    for template, params in normalize(route.regex):
        if set(params) == set(filled):
            return template % filled
    pytest.fail(f"{route.id}: no URL can be built from {route.regex!r} with {sorted(filled)}")


# ---------------------------------------------------------------------------------------
# Requests, bodies and what they changed
# ---------------------------------------------------------------------------------------


def _client(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def _editor_body(world: World, url: str) -> dict:
    """The lead's edit page as the browser posts it, with one more line of reflections."""
    data = editor_data(_client(world.lead).get(url).context["editor"])
    data["report-reflections"] = "越权写入的反思"
    return data


def _autosave_body(world: World, url: str) -> dict:
    """What the edit page's script posts: the same form as its Save button."""
    return _editor_body(world, url.replace("/autosave/", "/edit/"))


def _quick_body(world: World, url: str) -> dict:
    """The lead's quick-update page as the browser posts it, with one KPI value changed."""
    quick = _client(world.lead).get(url).context["quick"]
    data = {**form_data(quick.head), **form_data(quick.event)}
    for row in quick.rows():
        data.update(form_data(row.form))
    data["kpi-0-value"] = "99.10"
    return data


def _markdown_week_body(world: World, url: str) -> dict:
    """The week as Markdown as the lead's page posts it, with the reflections rewritten."""
    form = _client(world.lead).get(url.replace("/markdown/parse/", "/markdown/")).context["form"]
    text = form["markdown"].value()
    return {
        "markdown": text.replace("# 本周收获与反思\n\n暂无", "# 本周收获与反思\n\n越权写入的反思"),
        "section": form["section"].value(),
        "version": form["version"].value(),
    }


def _settings_body(world: World, url: str) -> dict:
    page = _client(world.lead).get(url).context["page"]
    data = page_data([page.team_form, *page.formsets])
    data["team-severity_grades"] = "S,A,B,C,D"
    return data


def _note_body(world: World, url: str) -> dict:
    return {"day": timezone.localdate().isoformat(), "text": "越权写入的日报"}


# A POST body that would change something if the view accepted it. Routes not listed are
# actions (the POST itself is the change) or pages that save nothing.
def _api_new_week_body(world: World, url: str) -> dict:
    """The sample week as the API reads it, moved to the next week: a new draft."""
    data = json.loads(json.dumps(render_json(report_document(world.report)), ensure_ascii=False))
    data.update(report_date="2023-05-27", week_number=22)
    return data


def _api_kpis_body(world: World, url: str) -> dict:
    return {"values": [{"name": "入金有效成功率", "value": "99.10"}]}


def _markdown_file_body(world: World, url: str) -> dict:
    """Another team's week, in its own words, as a file: a new week of the sample team."""
    path = Path(__file__).resolve().parent.parent / "fixtures/teams/search-ranking/week-12.md"
    return {"file": SimpleUploadedFile("week-12.md", path.read_bytes())}


BODIES: dict[str, Callable[[World, str], dict]] = {
    "reports:report_new": _editor_body,
    "reports:report_edit": _editor_body,
    "reports:report_quick": _quick_body,
    "reports:report_autosave": _autosave_body,
    "reports:report_markdown_edit": _markdown_week_body,
    "reports:report_markdown_parse": _markdown_week_body,
    "reports:team_settings": _settings_body,
    "reports:daily_notes": _note_body,
    "api:report_list": _api_new_week_body,
    "api:kpi_values": _api_kpis_body,
    "reports:report_import": _markdown_file_body,
    "api:report_import": _markdown_file_body,
}
# API routes that read a multipart form (a file), not JSON.
MULTIPART = {"api:report_import"}


def _if_match(world: World) -> dict[str, str]:
    """An API write to a week that has a report names the version it read (else 428)."""
    version = WeeklyReport.objects.get(pk=world.report.pk).version
    return {"HTTP_IF_MATCH": f'"{version}"'}


# Headers of a POST that the request needs to be accepted from the lead.
HEADERS: dict[str, Callable[[World], dict[str, str]]] = {"api:kpi_values": _if_match}


def _publish(world: World) -> None:
    services.report_publish(report=world.report)


# Made true before the request, so that accepting it would change something.
PREPARE: dict[str, Callable[[World], None]] = {"reports:report_reopen": _publish}


def _state(world: World) -> dict[str, object]:
    """Everything a request could change in the database, keyed for a readable diff."""
    report = WeeklyReport.objects.get(pk=world.report.pk)
    state: dict[str, object] = {
        "the report's Markdown export": export_text(report),
        "the report's status and version": (report.status, report.version),
        "sessions": sorted(
            (s.session_key, s.get_decoded().get(SESSION_KEY)) for s in Session.objects.all()
        ),
    }
    for model in apps.get_models():
        if model is not Session:
            rows = model._base_manager.order_by("pk").values_list()
            state[model._meta.label_lower] = list(rows)
    return state


def _effects(before: dict, after: dict, client: Client, response, user, mails: int) -> set[str]:
    """What the request did: tables changed, user signed out, cookie set, mail sent."""
    effects = {key for key in before if before[key] != after[key]}
    if user is not None and client.session.get(SESSION_KEY) != str(user.pk):
        effects.add("signed out")
    if settings.LANGUAGE_COOKIE_NAME in response.cookies:
        effects.add("language cookie set")
    if len(mail.outbox) != mails:
        effects.add("mail sent")
    return effects


def _send(world, route, user, method, url, *, csrf=False, body=None):
    """Make one request and return the response and its effects. A POST sends ``body``
    and the route's form from BODIES, built for the sample team's URL."""
    if route.id in PREPARE:
        PREPARE[route.id](world)
    if method == POST:
        form = BODIES[route.id](world, _url(route, world)) if route.id in BODIES else {}
        body = {**(body or {}), **form}
    client = _client(user, csrf=csrf)
    before, mails = _state(world), len(mail.outbox)
    if method == GET:
        response = client.get(url)
    elif route.id.startswith("api:") and route.id in BODIES and route.id not in MULTIPART:
        headers = HEADERS[route.id](world) if route.id in HEADERS else {}
        response = client.post(url, json.dumps(body), content_type="application/json", **headers)
    else:
        response = client.post(url, body)
    if response.streaming:  # a file download: read it, so that the file is closed
        b"".join(response.streaming_content)
    return response, _effects(before, _state(world), client, response, user, mails)


def _access(route: Route) -> Access:
    if route.id not in TEAM_ROUTES:
        pytest.fail(
            f"{route.id} ({route.route}) takes a team but has no expected codes: "
            "add it to TEAM_ROUTES in tests/security/test_url_walk.py"
        )
    return TEAM_ROUTES[route.id]


def _code(codes: tuple[int, int], method: str) -> int:
    return codes[METHODS.index(method)]


def _page(response, url: str) -> bytes:
    """The page without what differs on every request: CSRF tokens and its own address
    (the language switcher sends the reader back to it)."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)
    return content.replace(url.encode(), b"<this page>")


def _sent_to_sign_in(response) -> bool:
    """The pages redirect to the sign-in page; the API answers 401 and names the scheme."""
    if response.status_code == 401:
        return response["WWW-Authenticate"] == "Token"
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------------------
# The walk itself
# ---------------------------------------------------------------------------------------


def test_the_walk_reaches_into_every_include():
    found = set(ROUTES_BY_ID)

    assert {"admin:index", "login", "logout", "set_language", "schema"} <= found
    assert {"reports:team_list", "reports:report_detail", "reports:daily_note_delete"} <= found
    assert len(found) == len(ROUTES), "two routes share a name"
    assert {r.id for r in TEAM_URLS} >= {"reports:team_detail", "reports:report_edit"}
    assert {r.id for r in DEPARTMENT_URLS} >= {"reports:week_rollup"}


def test_every_team_url_has_expected_codes():
    assert {r.id for r in TEAM_URLS} == set(TEAM_ROUTES)


def test_every_url_with_parameters_belongs_to_a_team_the_department_or_is_explained():
    with_parameters = {r.id for r in ROUTES if (r.params or r.positional) and not r.is_admin}
    explained = {r.id for r in TEAM_URLS + DEPARTMENT_URLS} | set(OWNER_ROUTES)
    explained |= set(NOT_TEAM_ROUTES)

    unexplained = with_parameters - explained

    assert not unexplained, (
        "add these to TEAM_ROUTES, DEPARTMENT_ROUTES, OWNER_ROUTES or NOT_TEAM_ROUTES"
    )
    assert {r.id for r in DEPARTMENT_URLS} == DEPARTMENT_ROUTES


def test_every_route_listed_here_still_exists():
    listed = {
        "OWNER_ROUTES": set(OWNER_ROUTES),
        "NOT_TEAM_ROUTES": set(NOT_TEAM_ROUTES),
        "CSRF_EXCLUSIONS": set(CSRF_EXCLUSIONS),
        "ROUTE_PARAMS": set(ROUTE_PARAMS),
        "BODIES": set(BODIES),
        "PREPARE": set(PREPARE),
        "CSRF_CONTROLS": set(CSRF_CONTROLS),
    }

    stale = {
        name: ids - set(ROUTES_BY_ID) for name, ids in listed.items() if ids - set(ROUTES_BY_ID)
    }

    assert not stale
    assert all(CSRF_EXCLUSIONS.values()), "an exclusion needs its reason"


def test_every_state_snapshot_covers_the_history_tables(world):
    state = _state(world)

    historical = {key for key in state if key.split(".")[-1].startswith("historical")}
    assert {"reports.historicalteam", "reports.historicaldailynote"} <= historical
    assert state["reports.historicalteam"], "the sample team has no history"
    assert state["reports.dailynote"]


# ---------------------------------------------------------------------------------------
# Ownership: every team URL, every reader, GET and POST
# ---------------------------------------------------------------------------------------

OVER_TEAM_URLS = pytest.mark.parametrize("route", TEAM_URLS, ids=_ids)
OVER_METHODS = pytest.mark.parametrize("method", METHODS)


@OVER_METHODS
@OVER_TEAM_URLS
def test_an_outsider_gets_404_and_changes_nothing(world, route, method):
    """POST-only views look the team up before the method: a GET is a 404 here too."""
    response, effects = _send(world, route, world.outsider, method, _url(route, world))

    assert response.status_code == 404
    assert effects == set()


@OVER_METHODS
@OVER_TEAM_URLS
def test_an_outsider_cannot_tell_another_teams_url_from_a_missing_one(world, route, method):
    theirs, missing = _url(route, world), _url(route, world, slug="no-such-team")

    mine, _ = _send(world, route, world.outsider, method, theirs)
    none, _ = _send(world, route, world.outsider, method, missing)

    assert mine.status_code == none.status_code
    assert _page(mine, theirs) == _page(none, missing)


@OVER_METHODS
@pytest.mark.parametrize("route", TEAM_URLS + DEPARTMENT_URLS + OWNER_URLS, ids=_ids)
def test_a_signed_out_visitor_is_sent_to_sign_in_and_changes_nothing(world, route, method):
    response, effects = _send(world, route, None, method, _url(route, world))

    assert _sent_to_sign_in(response), (response.status_code, response.get("Location"))
    assert effects == set()


@OVER_METHODS
@OVER_TEAM_URLS
def test_a_member_gets_the_listed_code_and_changes_at_most_their_notes(world, route, method):
    access = _access(route)

    response, effects = _send(world, route, world.member, method, _url(route, world))

    assert response.status_code == _code(access.member, method)
    allowed = access.member_writes if method == POST else frozenset()
    assert effects == set(allowed)


@OVER_METHODS
@OVER_TEAM_URLS
def test_a_manager_reads_but_changes_nothing(world, route, method):
    access = _access(route)

    response, effects = _send(world, route, world.manager, method, _url(route, world))

    assert response.status_code == _code(access.manager, method)
    assert effects == set()


@OVER_METHODS
@OVER_TEAM_URLS
def test_the_lead_changes_the_team_with_the_same_requests(world, route, method):
    """The control: the bodies the others sent do change things when the lead sends them."""
    access = _access(route)

    response, effects = _send(world, route, world.lead, method, _url(route, world))

    assert response.status_code == _code(access.lead, method)
    writes = method == POST and (
        access.post_writes if access.post_writes is not None else _code(access.lead, POST) == 302
    )
    assert bool(effects) == writes, effects


# ---------------------------------------------------------------------------------------
# A user's own objects: a bulk export is its requester's alone
# ---------------------------------------------------------------------------------------

OVER_OWNER_URLS = pytest.mark.parametrize("route", OWNER_URLS, ids=_ids)


@OVER_METHODS
@OVER_OWNER_URLS
@pytest.mark.parametrize("role", ["outsider", "member", "manager"])
def test_someone_elses_export_is_a_404_like_a_missing_one(world, route, method, role):
    theirs, missing = _url(route, world), _url(route, world, pk=987654321)

    mine, effects = _send(world, route, world.user(role), method, theirs)
    none, _ = _send(world, route, world.user(role), method, missing)

    assert mine.status_code == _code(OWNER_ROUTES[route.id].others, method)
    assert (mine.status_code, _page(mine, theirs)) == (none.status_code, _page(none, missing))
    assert effects == set()


@OVER_METHODS
@OVER_OWNER_URLS
def test_the_owner_gets_their_export(world, route, method):
    response, effects = _send(world, route, world.lead, method, _url(route, world))

    assert response.status_code == _code(OWNER_ROUTES[route.id].owner, method)
    assert effects == set()


# ---------------------------------------------------------------------------------------
# The department's week: pages of every team the reader may read
# ---------------------------------------------------------------------------------------

OVER_DEPARTMENT_URLS = pytest.mark.parametrize("route", DEPARTMENT_URLS, ids=_ids)


@OVER_METHODS
@OVER_DEPARTMENT_URLS
def test_the_department_week_does_not_show_an_outsider_the_team(world, route, method):
    response, effects = _send(world, route, world.outsider, method, _url(route, world))

    assert response.status_code == 200
    text = response.content.decode()
    assert TEAM_NAME not in text
    assert f"/teams/{world.team.slug}/" not in text
    assert OTHER_TEAM_NAME in text  # the outsider's own team
    assert effects == set()


@OVER_METHODS
@OVER_DEPARTMENT_URLS
@pytest.mark.parametrize("role", ["lead", "member", "manager"])
def test_the_department_week_shows_the_team_to_its_readers(world, route, method, role):
    response, effects = _send(world, route, world.user(role), method, _url(route, world))

    assert response.status_code == 200
    assert TEAM_NAME in response.content.decode()
    assert effects == set()


# ---------------------------------------------------------------------------------------
# CSRF: every route of the URLconf
# ---------------------------------------------------------------------------------------


def _csrf_body(route: Route, world: World) -> dict:
    """Fields that make the simple forms act: the admin's delete confirmation and bulk
    delete, sign-in, sign-out, password change and reset, language, a daily note."""
    body = {
        "post": "yes",
        "username": world.lead.username,
        "password": PASSWORD,
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "email": world.lead.email,
        "language": "en",
        "next": "/",
        "day": timezone.localdate().isoformat(),
        "text": "没有令牌的日报",
    }
    model = _admin_model(route) if route.is_admin else None
    if model is not None:
        body["action"] = "delete_selected"
        body["_selected_action"] = [
            str(pk) for pk in model._base_manager.values_list("pk", flat=True)
        ]
    return body


def _recording(reject, refusals: list[str]):
    def spy(self, request, reason):
        refusals.append(reason)
        return reject(self, request, reason)

    return spy


@pytest.fixture
def csrf_refusals(monkeypatch) -> list[str]:
    """Reasons given by the CSRF check: Django's middleware or a subclass of it (DRF's
    session authentication checks CSRF with one)."""
    refusals: list[str] = []
    classes = [CsrfViewMiddleware]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if "_reject" in vars(cls):
            monkeypatch.setattr(cls, "_reject", _recording(vars(cls)["_reject"], refusals))
    return refusals


def _csrf_send(world: World, route: Route, user, *, csrf: bool):
    url = _url(route, world)
    return _send(world, route, user, POST, url, csrf=csrf, body=_csrf_body(route, world))


CSRF_ROUTES = [r for r in ROUTES if r.id not in CSRF_EXCLUSIONS]


def _checks_csrf(route: Route, who: str) -> bool:
    """Whether the 403 must come from a CSRF check. DRF's views are exempt from Django's
    middleware and check the token in SessionAuthentication, for a signed-in user only:
    a signed-out visitor has no session to ride on and is refused by IsAuthenticated,
    with a 403 as well."""
    return not (_is_api(route) and who == "anonymous")


def _is_api(route: Route) -> bool:
    view = getattr(route.callback, "cls", None)
    return isinstance(view, type) and issubclass(view, APIView)


@pytest.mark.parametrize("who", ["anonymous", "lead", "superuser"])
@pytest.mark.parametrize("route", CSRF_ROUTES, ids=_ids)
def test_a_post_without_csrf_token_is_refused_on_every_url(world, csrf_refusals, route, who):
    response, effects = _csrf_send(world, route, world.user(who), csrf=True)

    # The API tells a signed-out caller to authenticate (401, "Token") before anything.
    assert response.status_code == (403 if _checks_csrf(route, who) or not _is_api(route) else 401)
    if _checks_csrf(route, who):
        assert csrf_refusals, "the 403 did not come from the CSRF check"
    assert effects == set()


# The same bodies with CSRF checks off, on a few routes: they would have done harm.
CSRF_CONTROLS = {
    "exports:export_list": ("lead", "reports.exportjob"),
    "login": ("anonymous", "sessions"),
    "logout": ("lead", "signed out"),
    "set_language": ("lead", "language cookie set"),
    "password_change": ("lead", "auth.user"),
    "password_reset": ("lead", "mail sent"),
    "reports:report_publish": ("lead", "reports.weeklyreport"),
    "reports:daily_notes": ("lead", "reports.dailynote"),
    "reports:daily_note_delete": ("lead", "reports.dailynote"),
    "admin:auth_user_delete": ("superuser", "auth.user"),
    "admin:reports_membership_changelist": ("superuser", "reports.membership"),
}


@pytest.mark.parametrize("route_id", list(CSRF_CONTROLS))
def test_the_refused_posts_change_things_when_csrf_checks_are_off(world, route_id):
    who, effect = CSRF_CONTROLS[route_id]

    _, effects = _csrf_send(world, ROUTES_BY_ID[route_id], world.user(who), csrf=False)

    assert effect in effects
