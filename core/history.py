"""simple-history, faster where Weekly writes a lot of it.

- ``Model.history`` without building a class on every read. simple-history's
descriptor calls ``HistoryManager.from_queryset(HistoricalQuerySet)`` each time the
attribute is read: a new manager class, with every queryset method copied onto it. That
costs about a millisecond, and simple-history reads the attribute for every historical
record it writes (each ``save()``, each ``bulk_create_with_history``): more than the two
inserts themselves. The class is the same every time, so it is built once per model.
- ``bulk_create_with_history`` for new rows, with the history copied by the database.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.manager import HistoryDescriptor
from simple_history.utils import get_history_model_for_model


class _OneClassDescriptor(HistoryDescriptor):
    @cached_property
    def _manager(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager(self.model, instance)


def install() -> None:
    """Replace the descriptor on every model that has a history."""
    for model in apps.get_models():
        for name, value in list(vars(model).items()):
            if type(value) is HistoryDescriptor:
                faster = _OneClassDescriptor(
                    value.model, manager=value.manager_class, queryset=value.queryset_class
                )
                setattr(model, name, faster)


def bulk_create_with_history(objs: list, model) -> list:
    """New rows and their historical records ('+', created): what
    ``simple_history.utils.bulk_create_with_history`` stores, written by the database.

    The rows go in with one bulk insert; their history with one ``INSERT ... SELECT``
    that copies the rows just written into the history table, stamped now and with the
    user simple-history would record (the request's, through its middleware). Python
    builds no historical instances: for the many small rows of a report that was over a
    third of the time an import took.
    """
    objs = list(objs)
    if not objs:
        return objs
    using = model._default_manager.db
    with transaction.atomic(using=using, savepoint=False):
        created = model._default_manager.bulk_create(objs)
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return created
        if any(obj.pk is None for obj in created):  # a database that returns no ids
            raise ImproperlyConfigured(f"{model.__name__}: bulk_create returned no ids")
        history = get_history_model_for_model(model)
        user = history.get_default_history_user(created[0])
        _copy_into_history(connections[using], model, history, [obj.pk for obj in created], user)
    return created


def _copy_into_history(connection, model, history, pks: list, user) -> None:
    quote = connection.ops.quote_name
    columns = [(f.column, history._meta.get_field(f.name).column) for f in history.tracked_fields]
    extra = {
        "history_date": connection.ops.adapt_datetimefield_value(timezone.now()),
        "history_change_reason": None,
        "history_type": "+",
        history._meta.get_field("history_user").column: getattr(user, "pk", None),
    }
    target = ", ".join(quote(column) for _, column in columns)
    source = ", ".join(quote(column) for column, _ in columns)
    for start in range(0, len(pks), 1000):
        chunk = pks[start : start + 1000]
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)} ({target}, "
            + ", ".join(quote(name) for name in extra)
            + f") SELECT {source}, "
            + ", ".join(["%s"] * len(extra))
            + f" FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ("
            + ", ".join(["%s"] * len(chunk))
            + f") ORDER BY {quote(model._meta.pk.column)}"  # history ids in the rows' order
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*extra.values(), *chunk])
