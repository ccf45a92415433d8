"""simple-history's ``Model.history``, without building a class on every read.

Its descriptor calls ``HistoryManager.from_queryset(HistoricalQuerySet)`` each time the
attribute is read: a new manager class, with every queryset method copied onto it. That
costs about a millisecond, and simple-history reads the attribute for every historical
record it writes (each ``save()``, each ``bulk_create_with_history``): more than the two
inserts themselves. The class is the same every time, so it is built once per model.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import cached_property
from simple_history.manager import HistoryDescriptor


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
