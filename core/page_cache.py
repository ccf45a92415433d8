"""Rendered parts of pages, kept in the shared cache until something they show changes.

Pages belong to a *scope*: the rows of one model (the project says which, with
``watch``) and everything that points to them through foreign keys. A part is stored
under a key that names its scope's *generation*: a random token in the database
(``core.models.PageGeneration``), replaced in the same transaction whenever any watched
row of the scope is saved or deleted. A change that cannot be traced to one scope (a user
renamed, a scope row itself) replaces the site-wide generation, which every key names
too. Old entries are never read again and age out of the cache. Keys also name the
language and the release (a fingerprint of the code and templates), so a deployment
never serves parts rendered by the one before.

The database is the place of record for generations, and for who may read what: a kept
page's key names the reader's grants in its scope as the database has them at that
request (read in the same query as the generations), so access that has been taken away
is never served from the cache, whichever way it was taken (a queryset update, a
directory sync, a change made while the cache was down), and a change is never lost
because the cache did not answer. Redis holds nothing but copies.

The same generation gives the pages their ETag, so a browser that has the page is told
"304 Not Modified" without anything being rendered.

Writes that bypass model signals (``QuerySet.update``, ``bulk_create``) of rows that pages
show must call :func:`scope_changed` themselves, unless they also save a watched row of
the scope. Grants need no such call.
"""

from __future__ import annotations

import hashlib
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, wraps
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connections, models, router, transaction
from django.db.models import Expression, OuterRef, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control

from core import cache as shared
from core.models import PageGeneration

T = TypeVar("T")

TIMEOUT = 7 * 24 * 3600
SITE = PageGeneration.SITE
# How far to follow foreign keys from a changed row to its scope (a value → its week →
# the week's owner).
MAX_HOPS = 4
# Named by every key: the same in every process (they share what is kept), replaced only
# by forget() (tests, whose rolled-back rows reuse ids and generations).
_salt = "0"

# A callable taking a user and giving annotations on the scope's queryset that together
# say what that user may do in a scope row (``Watch.access``).
Access = Callable[[object], dict[str, Expression]]


@dataclass(frozen=True)
class Watch:
    scope: str  # "app_label.Model" of the rows that scope pages, found by their slug
    apps: frozenset[str]  # apps whose rows, saved or deleted, change a scope's pages
    follow: frozenset[str]  # apps whose foreign keys are followed towards the scope
    ignore: frozenset[str]  # "app_label.model" of bookkeeping rows no page shows
    access: Access  # the reader's grants in a scope, read with its generation
    release: str  # the fingerprint of the code this process loaded (``_release``)


_watch: Watch | None = None


def _config() -> Watch:
    if _watch is None:
        raise RuntimeError("core.page_cache.watch() was not called")
    return _watch


def release_folders() -> list[Path]:
    """What the fingerprint covers: the project's own apps, its configuration package (the
    URLs' and settings' one) and its template folders; nothing installed (site-packages,
    even in a virtualenv inside the project)."""
    base = Path(settings.BASE_DIR).resolve()
    installed = Path(sys.prefix).resolve()
    folders = [Path(config.path) for config in apps.get_app_configs()]
    configuration = import_module(settings.ROOT_URLCONF.split(".")[0])
    folders += [Path(path) for path in configuration.__path__]
    folders += [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    resolved = {f.resolve() for f in folders}
    return sorted(f for f in resolved if f.is_relative_to(base) and not f.is_relative_to(installed))


def _release() -> str:
    """A fingerprint of the code and templates this process serves."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR).resolve()
    for folder in release_folders():
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".html", ".txt"}:
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(base)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()[:12]


def _token_of(scope) -> Subquery:
    return Subquery(PageGeneration.objects.filter(scope=scope).values("token")[:1])


def generation(scope_id: int) -> str:
    """The current generation of the scope's pages (site-wide and the scope's own)."""
    found = dict(
        PageGeneration.objects.filter(scope__in=[SITE, scope_id]).values_list("scope", "token")
    )
    return f"{found.get(SITE, '0')}.{found.get(scope_id, '0')}"


def key(kind: str, scope_id: int, *parts: object, at: str | None = None) -> str:
    """``at``: the scope's generation, when the caller has read it."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    names = _digest(":".join(str(p) for p in parts))  # may hold what a reader typed
    where = f"{_config().release}:{_salt}:{language}:{at or generation(scope_id)}"
    return f"pages:{kind}:{where}:{names}"


def etag(cache_key: str) -> str:
    return 'W/"' + hashlib.sha256(cache_key.encode()).hexdigest()[:32] + '"'


def per_reader(*, query: tuple[str, ...] = ()):
    """Keep a scope's page whole for each reader, until the scope's data changes.

    For a view ``view(request, slug, ...)`` (the scope's slug) that renders the same page
    for the same reader while the scope's generation holds. The page is stored under the
    reader, their CSRF secret (the page's forms carry a token made from it), the path and
    the ``query`` parameters named; a request with other parameters, without a CSRF cookie or with
    one-time messages to show is rendered as usual and not kept. The view's permission
    check is not repeated for a kept page; instead its key names the reader's grants in
    the scope as the database has them now (``Watch.access``), so a reader whose access
    was taken away, by any means, gets the view's answer. The page carries an ETag, so a
    browser asking again is told "304 Not Modified". A kept page costs one query and one
    round trip to the cache.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            if not settings.WEEKLY_PAGE_CACHE:
                return view(request, slug, *args, **kwargs)
            kept = _kept_page(request, slug, query)
            if kept is None:
                return view(request, slug, *args, **kwargs)
            scope_generation, page_key, stored = kept
            tag = etag(f"{page_key}:{scope_generation}")
            response = get_conditional_response(request, etag=tag)
            if response is None and stored is not None:
                response = HttpResponse(stored, content_type="text/html; charset=utf-8")
            if response is None:
                response = view(request, slug, *args, **kwargs)
                secret = request.META.get("CSRF_COOKIE")
                if response.status_code != 200 or secret != request.COOKIES.get(
                    settings.CSRF_COOKIE_NAME
                ):
                    return response  # an error, or forms made for a new CSRF secret
                shared.keep(page_key, (scope_generation, response.content), TIMEOUT)
            response["ETag"] = tag
            patch_cache_control(response, private=True, no_cache=True)
            return response

        return wrapper

    return decorate


def _kept_page(request, slug: str, query: tuple[str, ...]):
    """(the scope's generation, the page's key, the kept page or None), or None if this
    request's page is not to be kept."""
    csrf_secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if (
        request.method != "GET"
        or not request.user.is_authenticated
        or not csrf_secret
        or any(name not in query for name in request.GET)
        or len(messages.get_messages(request))
    ):
        return None
    csrf = hashlib.sha256(csrf_secret.encode()).hexdigest()[:16]
    return _kept(request, slug, query, f"page:{request.user.pk}:{csrf}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _kept(request, slug: str, query: tuple[str, ...], reader: str):
    """(the scope's generation, the key, what is kept or None) for ``reader`` reading
    the path with the ``query`` parameters named; None if there is no such scope.

    One query reads the scope by its slug, its generations and the reader's grants in
    it; the key names those grants, so a page kept for a reader is served only while the
    database still grants what it granted when the page was rendered."""
    config = _config()
    found = _generations_and_grants(slug, request.user.pk)
    if found is None:
        return None
    site, scope_generation, grants = found
    grants = ":".join(f"{name}={value}" for name, value in sorted(grants.items()))
    language = translation.get_language() or settings.LANGUAGE_CODE
    params = "&".join(f"{n}={request.GET.get(n, '')[:20]}" for n in query)
    # Any text: not a key as it is.
    where = _digest(f"{reader}:{request.user.is_superuser}:{grants}:{request.path}?{params}")
    key = f"pages:kept:{config.release}:{_salt}:{language}:{site}:{where}"
    try:  # while the cache is down, pages are rendered afresh but still tagged
        stored = shared.ask(lambda: cache.get(key))
    except shared.Unavailable:
        stored = None
    if stored is not None and stored[0] != scope_generation:
        stored = None  # kept in an earlier generation of the scope's
    return scope_generation, key, stored and stored[1]


# Stand-ins for the slug and the reader's id while the query is compiled (once per
# process and database); replaced by each request's own in its parameters.
_SLUG, _READER = "\x00page-cache-slug\x00", -(2**62) + 7


@lru_cache(maxsize=4)
def _compiled(alias: str) -> tuple[str, tuple, list[str]]:
    """The query of the scope by its slug, its generations and a reader's grants, as SQL
    with its parameters and the names of its columns. Compiling it through the ORM costs
    more than running it, and it is the same for every request but for two parameters."""
    config = _config()
    access = config.access(SimpleNamespace(pk=_READER))
    names = ["page_site", "page_scope", *access]
    queryset = (
        apps.get_model(config.scope)
        .objects.using(alias)
        .filter(slug=_SLUG)
        .annotate(page_site=_token_of(SITE), page_scope=_token_of(OuterRef("pk")), **access)
        .values_list(*names)
        .order_by()[:1]
    )
    sql, params = queryset.query.sql_with_params()
    return sql, params, names


def _generations_and_grants(slug: str, reader_id: int | None) -> tuple[str, str, dict] | None:
    """The site's and the scope's generations ("0" before the first change) and the
    reader's grants in the scope; None if no scope has the slug. One query, compiled once
    (``_compiled``)."""
    alias = router.db_for_read(apps.get_model(_config().scope))
    sql, params, names = _compiled(alias)
    params = [slug if p == _SLUG else reader_id if p == _READER else p for p in params]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    site, scope, *grants = row
    return site or "0", scope or "0", dict(zip(names[2:], grants, strict=True))


KEPT_HEADERS = ("Content-Type", "ETag", "Location")


def kept_api_response(request, slug: str, respond, *, query: tuple[str, ...] = ()):
    """An API GET answered with what this reader was answered before, while the scope's
    data and the reader's grants hold; else ``respond()``, kept once rendered if it is a
    200 in JSON. As for pages, the key names the reader's grants in the scope."""
    if (
        not settings.WEEKLY_PAGE_CACHE
        or request.method != "GET"
        or getattr(request.accepted_renderer, "format", None) != "json"
        or any(name not in query for name in request.GET)
    ):
        return respond()
    kept = _kept(request, slug, query, f"api:{request.user.pk}")
    if kept is None:
        return respond()
    scope_generation, key, stored = kept
    if stored is not None:
        content, headers = stored
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response
    response = respond()
    if response.status_code == 200:

        def keep(rendered):
            headers = {h: rendered[h] for h in KEPT_HEADERS if rendered.has_header(h)}
            shared.keep(key, (scope_generation, (rendered.content, headers)), TIMEOUT)

        response.add_post_render_callback(keep)
    return response


def cached(
    kind: str, scope_id: int, parts: tuple, build: Callable[[], T], *, at: str | None = None
) -> T:
    """What ``build`` returns, kept under the scope's generation (``at``: as the caller
    read it); built afresh (and not kept) while the cache cannot be reached, or when
    pages are not kept."""
    if not settings.WEEKLY_PAGE_CACHE:
        return build()
    return shared.get_or_build(key(kind, scope_id, *parts, at=at), build, TIMEOUT)


def outside_transactions() -> bool:
    """No transaction is open but a test's (which never commits)."""
    connection = transaction.get_connection()
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def keep_on_commit(kind: str, scope_id: int, parts: tuple, value, *, alone: bool) -> None:
    """Keep ``value`` as what ``cached(kind, scope_id, parts, ...)`` builds, once the
    current transaction commits: for a writer that knows what it wrote, so the next
    reader need not read it again. The key names the generation this transaction gave
    the scope, which no one reads unless it commits.

    ``alone``: kept only if the transaction is the writer's own (no caller's transaction
    around it, a test's aside), since a later write in a caller's transaction would leave
    the scope's generation as it is (one per transaction) but change what the value shows.
    """
    if not settings.WEEKLY_PAGE_CACHE:
        return
    connection = transaction.get_connection()
    own = [b for b in connection.atomic_blocks if not getattr(b, "_from_testcase", False)]
    if alone and len(own) != 1:
        return
    cache_key = key(kind, scope_id, *parts)
    transaction.on_commit(lambda: shared.keep(cache_key, value, TIMEOUT))


def scope_changed(scope_id: int | None) -> None:
    """Start a new generation of the scope's pages (every scope's if ``None``), in the
    current transaction: the change and the end of the pages that showed the old data
    commit together, or not at all. Readers elsewhere see neither before the commit, so
    anything kept until then was right when kept. Once per transaction and scope (a save
    touches many rows); the row stays locked until the commit, so two transactions that
    change one scope's pages take turns there."""
    target = SITE if scope_id is None else scope_id
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    ):  # a test's transaction never commits: each change replaces the generation
        if any(
            getattr(func, "page_generation", None) == target
            for _, func, _ in connection.run_on_commit
        ):
            return

        def replaced() -> None:  # marks the transaction (dropped with a rolled-back savepoint)
            pass

        replaced.page_generation = target
        transaction.on_commit(replaced)
    PageGeneration.objects.bulk_create(
        [PageGeneration(scope=target, token=uuid.uuid4().hex)],
        update_conflicts=True,
        unique_fields=["scope"],
        update_fields=["token"],
    )


def scope_of(instance: models.Model, hops: int = MAX_HOPS) -> int | None:
    """The id of the scope a row belongs to, following foreign keys; None if none."""
    config = _config()
    scope_model = apps.get_model(config.scope)
    if isinstance(instance, scope_model):
        return instance.pk
    parents = []
    for field in instance._meta.concrete_fields:
        if not (field.many_to_one and field.related_model is not None):
            continue
        value = getattr(instance, field.attname)
        if value is None:
            continue
        if field.related_model is scope_model:
            return value
        if field.related_model._meta.app_label in config.follow:
            parents.append((field.related_model._meta.label, value))
    if hops > 0:
        for label, pk in parents:
            found = _scope_of_row(label, pk, hops - 1)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=4096)
def _scope_of_row(label: str, pk: int, hops: int) -> int | None:
    # A row's scope never changes (rows are not moved between scopes) and ids are never
    # reused (PostgreSQL sequences, SQLite AUTOINCREMENT), so the answer can be
    # remembered; only rows that exist are remembered.
    row = apps.get_model(label)._default_manager.filter(pk=pk).first()
    if row is None:
        raise LookupError(label)
    return scope_of(row, hops)


def _watched(sender) -> bool:
    config = _config()
    meta = sender._meta
    return (
        meta.app_label in config.apps
        and meta.label_lower not in config.ignore
        and not meta.model_name.startswith("historical")
    )


def _on_save(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw:  # loaddata: rows arrive in any order, so parents may not be there yet
        scope_changed(None)
        return
    if instance._meta.model is get_user_model() and update_fields == frozenset({"last_login"}):
        return  # a sign-in changes nothing any page shows
    scope_changed(_scope_or_none(instance))


def _on_delete(sender, instance, **kwargs):
    scope_changed(_scope_or_none(instance))


def _on_m2m(sender, instance, action, **kwargs):
    if action.startswith("post_") and _watched(type(instance)):
        scope_changed(_scope_or_none(instance))


def _scope_or_none(instance) -> int | None:
    if instance._meta.label_lower == _config().scope.lower():
        return None  # a scope renamed, re-slugged or deleted: every page may name it
    try:
        return scope_of(instance)
    except LookupError:  # a parent already deleted: tell every scope
        return None


def watch(
    *,
    scope: str,
    watched_apps: Iterable[str],
    follow_apps: Iterable[str],
    access: Access,
    ignore: Iterable[str] = (),
) -> None:
    """Keep pages per row of ``scope`` ("app_label.Model", found by its ``slug``), and
    start a new generation of a scope's pages when a row of the ``watched_apps`` is saved
    or deleted, its scope found by following foreign keys through the ``follow_apps``;
    ``access(user)`` gives annotations on the scope's queryset saying what the user may
    do there (read with every kept page); ``ignore`` names bookkeeping models
    ("app_label.model") no page shows.

    Only the watched models get listeners: a model with a delete listener is deleted row
    by row, so the bookkeeping rows keep their fast deletes."""
    global _watch
    _watch = Watch(
        scope=scope,
        apps=frozenset(watched_apps),
        follow=frozenset(follow_apps),
        ignore=frozenset(name.lower() for name in ignore),
        access=access,
        # Taken now, from an app's ready(): files replaced later, before a restart, do not
        # change what this process says it serves.
        release=_release(),
    )
    for model in apps.get_models():
        if _watched(model):
            uid = model._meta.label_lower
            post_save.connect(_on_save, sender=model, dispatch_uid=f"page-cache-save-{uid}")
            post_delete.connect(_on_delete, sender=model, dispatch_uid=f"page-cache-del-{uid}")
    m2m_changed.connect(_on_m2m, dispatch_uid="page-cache-m2m")


def forget() -> None:
    """Start every page afresh (tests: ids and generations are reused when a test's
    transaction is rolled back)."""
    global _salt
    _scope_of_row.cache_clear()
    _salt = uuid.uuid4().hex[:8]
