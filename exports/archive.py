"""The one way a zip of weeks is written: as a stream, one file after another.

A download is sent while it is being compressed, and the weeks are read a batch at a
time, so neither the request nor the worker holds the whole history in memory.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator


class _Chunks:
    """A write-only stream that hands over what was written since the last call."""

    def __init__(self):
        self._pending: list[bytes] = []

    def write(self, data) -> int:
        self._pending.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._pending = b"".join(self._pending), []
        return data


def zip_stream(files: Iterable[tuple[str, str]]) -> Iterator[bytes]:
    """A zip of ``(name, text)`` files, piece by piece as it is compressed."""
    stream = _Chunks()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            archive.writestr(name, text)
            yield stream.take()
    yield stream.take()
