"""A Markdown week sent to the site, as a file on the team page or as the API's body:
never more of it read than ``limits.FILE_LIMIT`` and a byte (the rule of
``files.read_import_file``), so an oversized upload costs no more than the limit; and what
an import recognised in it, as the page's preview and the API's answer show it."""

from __future__ import annotations

from rest_framework.parsers import BaseParser

from reports.document import ReportDocument, limits
from reports.document.importer import ReportFormatError
from reports.document.layout import outline


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file (Django's ``UploadedFile``). A file over the limit is a
    ReportFormatError, found from its size or, if that is wrong, its first bytes past the
    limit."""
    size = upload.size or 0
    if size > limits.FILE_LIMIT:
        raise ReportFormatError(1, limits.file_too_large(size))
    upload.seek(0)
    data = upload.read(limits.FILE_LIMIT + 1)
    if len(data) > limits.FILE_LIMIT:
        raise ReportFormatError(1, limits.file_too_large(max(size, len(data))))
    return data


def outline_rows(doc: ReportDocument) -> list[dict]:
    """The week's sections as read, in order (level 0: text before any heading)."""
    return [{"kind": str(s.kind), "heading": s.heading, "level": s.level} for s in outline(doc)]


class MarkdownParser(BaseParser):
    """A request body that is a Markdown file: its bytes, at most the limit and one more
    (the view tells "too large" from that one); the importer decodes them."""

    media_type = "text/markdown"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        if stream is None:
            return b""
        return stream.read(limits.FILE_LIMIT + 1)


class PlainTextParser(MarkdownParser):
    """The same body sent as plain text, as many tools send a .md file."""

    media_type = "text/plain"
