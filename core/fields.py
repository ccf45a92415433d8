"""Model fields with something to add to Django's own."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import models

# The earliest and latest times Python holds in any time zone, with a day to spare.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


class ReadableDateTimeField(models.DateTimeField):
    """A date and time that reads back whatever the database holds.

    PostgreSQL stores times Python cannot hold: a time before year 1, stored from an
    offset such as 0001-01-01T00:00+14:00 by code that did not check the year. Reading
    one raises in the driver ("year -1 is out of range") and takes down every page that
    shows the row. Such a time is read as the nearest time Python holds, which the rules
    of what may be stored then point out, to be corrected. Written and compared as
    Django's own field, and declared as it in migrations.
    """

    def select_format(self, compiler, sql, params):
        sql, params = super().select_format(compiler, sql, params)
        if compiler.connection.vendor != "postgresql":
            return sql, params  # SQLite stores what Python wrote, which Python reads
        params = tuple(params)
        clamped = f"CASE WHEN {sql} < %s THEN %s WHEN {sql} > %s THEN %s ELSE {sql} END"
        return clamped, (
            *params, _EARLIEST, _EARLIEST, *params, _LATEST, _LATEST, *params,
        )  # fmt: skip

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs
