"""How much text a week may hold: the same limits at every door (the edit form, the API's
JSON, an imported file, the Markdown preview), checked before anything is rendered, and
stated in docs/format.md. ``rules`` applies them with the other rules of a document; an
import file's size is checked before it is read, a request's before it is parsed.

The sample week is about 6,000 characters and its longest section under 1,000; the limits
leave room for a week many times larger, and bound what one request can make the server
do (Markdown formatting is the slow part of a save, see ``core.markup``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from django.utils.translation import gettext as _

from reports.document import report as d

# One long text: a free section, an objective's notes, an item's progress or details, a
# stability event's summary, cause or handling.
TEXT_LIMIT = 20_000
# Every text of one week together, daily notes included.
WEEK_LIMIT = 200_000
# An imported Markdown file, in bytes: a week at its limit, three bytes a character
# (UTF-8 Chinese), with room for the headings and bullets around the text.
FILE_LIMIT = 1_000_000


def week_too_long(length: int) -> str:
    return _(
        "This week's report has %(length)d characters of text; at most %(limit)d are allowed."
    ) % {"length": length, "limit": WEEK_LIMIT}


def file_too_large(size: int) -> str:
    return _("The file has %(size)d bytes; at most %(limit)d are imported.") % {
        "size": size,
        "limit": FILE_LIMIT,
    }


def week_length(document: d.ReportDocument) -> int:
    """Characters of every text the document holds (its stored HTML is not text)."""
    return sum(len(text) for text in _texts(document))


def _texts(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for entry in value:
            yield from _texts(entry)
    elif isinstance(value, dict):
        for key, entry in value.items():
            yield from _texts(key)
            yield from _texts(entry)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name not in ("html", "rendered") and not f.name.endswith("_html"):
                yield from _texts(getattr(value, f.name))
