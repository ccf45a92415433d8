"""Rendered parts of pages, kept in the shared cache until something they show changes.

Pages belong to a *scope*: the rows of one model (the project says which, with
``watch``) and everything that points to them through foreign keys. A part is stored
under a key that names its scope's *generation*: a random token that is replaced, once
the transaction commits, whenever any watched row of the scope is saved or deleted. A
change that cannot be traced to one scope (a user renamed, a scope row itself) replaces
the site-wide generation, which every key names too. Old entries are never read again
and age out of the cache. Keys also name the language and the release (a fingerprint of
the code and templates), so a deployment never serves parts rendered by the one before.

The same generation gives the pages their ETag, so a browser that has the page is told
"304 Not Modified" without anything being rendered.

Writes that bypass model signals (``QuerySet.update``, ``bulk_create``) must call
:func:`scope_changed` themselves, unless they also save a watched row of the scope.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import uuid
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache, wraps
from importlib import import_module
from pathlib import Path
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control

from core.cache import CACHE_ERRORS

T = TypeVar("T")
logger = logging.getLogger(__name__)

TIMEOUT = 7 * 24 * 3600
SITE = "pages:gen:site"
# How far to follow foreign keys from a changed row to its scope (a value → its week →
# the week's owner).
MAX_HOPS = 4


@dataclass(frozen=True)
class Watch:
    scope: str  # "app_label.Model" of the rows that scope pages, found by their slug
    apps: frozenset[str]  # apps whose rows, saved or deleted, change a scope's pages
    follow: frozenset[str]  # apps whose foreign keys are followed towards the scope
    ignore: frozenset[str]  # "app_label.model" of bookkeeping rows no page shows
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


def _scope_key(scope_id: int) -> str:
    return f"pages:gen:scope:{scope_id}"


def _current(keys: list[str], also: list[str] = ()) -> dict:
    """The generations under ``keys`` (started if missing), and whatever the cache has
    under the keys ``also``, in one round trip when all are there."""
    found = cache.get_many([*keys, *also])
    missing = [k for k in keys if k not in found]
    for k in missing:
        # First use, or evicted: start a new generation (never an old one again).
        cache.add(k, uuid.uuid4().hex, None)
    if missing:
        found.update(cache.get_many(missing))
    return found


def generation(scope_id: int) -> str:
    """The current generation of the scope's pages (site-wide and the scope's own)."""
    keys = [SITE, _scope_key(scope_id)]
    found = _current(keys)
    return ".".join(found.get(k, "-") for k in keys)


def key(kind: str, scope_id: int, *parts: object) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    names = _digest(":".join(str(p) for p in parts))  # may hold what a reader typed
    return f"pages:{kind}:{_config().release}:{language}:{generation(scope_id)}:{names}"


def etag(cache_key: str) -> str:
    return 'W/"' + hashlib.sha256(cache_key.encode()).hexdigest()[:32] + '"'


def per_reader(*, query: tuple[str, ...] = ()):
    """Keep a scope's page whole for each reader, until the scope's data changes.

    For a view ``view(request, slug, ...)`` (the scope's slug) that renders the same page
    for the same reader while the scope's generation holds. The page is stored under the
    reader, their CSRF secret (the page's forms carry a token made from it), the path and
    the ``query`` parameters named; a request with other parameters, without a CSRF cookie or with
    one-time messages to show is rendered as usual and not kept. The permission check is
    not repeated for a kept page: a change of membership, group or user starts a new
    generation. The page carries an ETag, so a browser asking again is told "304 Not
    Modified". A kept page costs two round trips to the cache.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            if not settings.WEEKLY_PAGE_CACHE:
                return view(request, slug, *args, **kwargs)
            try:
                kept = _kept_page(request, slug, query)
            except CACHE_ERRORS:
                logger.warning("page cache unavailable", exc_info=True)
                kept = None
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
                with suppress(*CACHE_ERRORS):
                    cache.set(page_key, (scope_generation, response.content), TIMEOUT)
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
    the path with the ``query`` parameters named; None if there is no such scope."""
    # The scope's id by its slug, remembered with the site-wide generation it was read
    # in (a scope row saved or deleted starts a new one, so a slug given to another
    # scope is read afresh).
    slug_key = f"pages:slug:{_digest(slug)}"
    found = _current([SITE], also=[slug_key])
    site = found[SITE]
    remembered = found.get(slug_key)
    if remembered is not None and remembered[0] == site:
        scope_id = remembered[1]
    else:
        scope_model = apps.get_model(_config().scope)
        scope_id = scope_model.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if scope_id is None:
            return None
        cache.set(slug_key, (site, scope_id), TIMEOUT)
    language = translation.get_language() or settings.LANGUAGE_CODE
    params = "&".join(f"{n}={request.GET.get(n, '')[:20]}" for n in query)
    where = _digest(f"{reader}:{request.path}?{params}")  # any text: not a key as it is
    key = f"pages:kept:{_config().release}:{language}:{site}:{where}"
    scope_key = _scope_key(scope_id)
    found = _current([scope_key], also=[key])
    stored = found.get(key)
    if stored is not None and stored[0] != found[scope_key]:
        stored = None  # kept in an earlier generation of the scope's
    return found[scope_key], key, stored and stored[1]


KEPT_HEADERS = ("Content-Type", "ETag", "Location")


def kept_api_response(request, slug: str, respond, *, query: tuple[str, ...] = ()):
    """An API GET answered with what this reader was answered before, while the scope's
    data holds; else ``respond()``, kept once rendered if it is a 200 in JSON. As for
    pages, the permission check is not repeated for a kept answer."""
    if (
        not settings.WEEKLY_PAGE_CACHE
        or request.method != "GET"
        or getattr(request.accepted_renderer, "format", None) != "json"
        or any(name not in query for name in request.GET)
    ):
        return respond()
    try:
        kept = _kept(request, slug, query, f"api:{request.user.pk}")
    except CACHE_ERRORS:
        logger.warning("page cache unavailable", exc_info=True)
        kept = None
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
            with suppress(*CACHE_ERRORS):
                cache.set(key, (scope_generation, (rendered.content, headers)), TIMEOUT)

        response.add_post_render_callback(keep)
    return response


def cached(kind: str, scope_id: int, parts: tuple, build: Callable[[], T]) -> T:
    """What ``build`` returns, kept under the scope's generation; built afresh (and not
    kept) while the cache cannot be reached, or when pages are not kept."""
    if not settings.WEEKLY_PAGE_CACHE:
        return build()
    try:
        cache_key = key(kind, scope_id, *parts)
        value = cache.get(cache_key)
    except CACHE_ERRORS:
        logger.warning("page cache unavailable", exc_info=True)
        return build()
    if value is None:
        value = build()
        with suppress(*CACHE_ERRORS):
            cache.set(cache_key, value, TIMEOUT)
    return value


def scope_changed(scope_id: int | None) -> None:
    """Start a new generation of the scope's pages (every scope's if ``None``) once the
    current transaction commits: a reader elsewhere cannot see the change before, so
    anything kept until then was right when kept."""
    target = SITE if scope_id is None else _scope_key(scope_id)

    def bump() -> None:
        try:
            cache.set(target, uuid.uuid4().hex, None)
        except CACHE_ERRORS:
            # Saving goes on: nothing is served from the cache while it is unreachable
            # either. Pages kept from before may be shown again if it comes back with
            # its data (a restarted Redis here keeps none), until the scope's next change.
            logger.error("page cache unavailable: generation %s not replaced", target)

    bump.page_cache_target = target
    connection = transaction.get_connection()
    if any(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        bump()  # a test's transaction never commits: as if it had
    elif not (
        connection.in_atomic_block
        and any(
            getattr(func, "page_cache_target", None) == target
            for _, func, _ in connection.run_on_commit
        )
    ):  # once per transaction (a save touches many rows)
        transaction.on_commit(bump, robust=True)


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
    ignore: Iterable[str] = (),
) -> None:
    """Keep pages per row of ``scope`` ("app_label.Model", found by its ``slug``), and
    start a new generation of a scope's pages when a row of the ``watched_apps`` is saved
    or deleted, its scope found by following foreign keys through the ``follow_apps``;
    ``ignore`` names bookkeeping models ("app_label.model") no page shows.

    Only the watched models get listeners: a model with a delete listener is deleted row
    by row, so the bookkeeping rows keep their fast deletes."""
    global _watch
    _watch = Watch(
        scope=scope,
        apps=frozenset(watched_apps),
        follow=frozenset(follow_apps),
        ignore=frozenset(name.lower() for name in ignore),
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
    """Start every page afresh (tests: ids are reused when a test's transaction is
    rolled back)."""
    _scope_of_row.cache_clear()
    cache.set(SITE, uuid.uuid4().hex, None)
