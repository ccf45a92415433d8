"""Closed sets of words, each a ``StrEnum`` with the label a form shows beside it.

The enums are plain strings to the code that reads them (``kpi.kind == "availability"``),
and the source of the models' ``choices``, so a word is declared once for the report
document, the database and the forms. No Django here but its translation utilities:
``reports.document`` builds its own vocabulary on ``Vocabulary``.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Vocabulary(StrEnum):
    """Members are declared as ``NAME = "value", _("label")``."""

    label: str  # a lazy translation

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        # Not ``label or value``: that would translate the lazy label now, at import,
        # and the vocabulary is imported where no settings exist.
        member.label = value if label is None else label
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The words as plain strings, in declaration order."""
        return tuple(member.value for member in cls)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, label)`` pairs for a model field or a form."""
        return [(member.value, member.label) for member in cls]


class KpiKind(Vocabulary):
    """Which group of the operations data a KPI is listed in."""

    SUCCESS_RATE = "success_rate", _("success rate")
    AVAILABILITY = "availability", _("availability")
    OTHER = "other", _("other")


class KpiSource(Vocabulary):
    """Where a week's value came from: typed by a person, or sent by a machine."""

    TYPED = "", _("typed")
    API = "api", _("API")  # posted by a monitoring job through the API
    PROMETHEUS = "prometheus", _("Prometheus")  # pulled from Prometheus by the worker
