"""Content-Encoding decoded in bounded steps, so a decompression bomb is stopped by the size
cap before it fills memory.

A client library inflates each network chunk in one go: 64 KB of gzip can hold 64 MB, and a
few hundred bytes of brotli a gigabyte. `Decoder.feed` yields the decoded bytes at most
`STEP` at a time, and the caller stops reading as soon as its limit is passed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import brotli

from monitor.errors import DecodeError

STEP = 64 * 1024


class Decoder:
    """Decodes one response body given its Content-Encoding header ("" for none)."""

    def __init__(self, content_encoding: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise DecodeError(f"stacked content encodings are not supported: {content_encoding}")
        self.coding = codings[0] if codings else ""
        self._zlib: zlib._Decompress | None = None
        self._brotli: brotli.Decompressor | None = None
        self._started = False
        if self.coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        elif self.coding == "br":
            self._brotli = brotli.Decompressor()
        elif self.coding:
            raise DecodeError(f"unsupported content encoding {self.coding!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next raw chunk, at most STEP bytes per piece."""
        try:
            if self._zlib is not None:
                yield from self._inflate(data)
            elif self._brotli is not None:
                yield from self._unbrotli(data)
            elif data:
                yield data
        except (zlib.error, brotli.error) as exc:
            raise DecodeError(f"cannot decompress the answer ({self.coding}): {exc}") from None

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        assert self._zlib is not None
        if not self._started and data and self.coding == "deflate":
            self._started = True
            # "deflate" is zlib-wrapped by the standard, raw by some servers
            if not (len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0):
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        out = self._zlib.decompress(data, STEP)
        yield out
        while self._zlib.unconsumed_tail:
            yield self._zlib.decompress(self._zlib.unconsumed_tail, STEP)

    def _unbrotli(self, data: bytes) -> Iterator[bytes]:
        assert self._brotli is not None
        yield self._brotli.process(data, output_buffer_limit=STEP)
        while not self._brotli.can_accept_more_data():
            yield self._brotli.process(b"", output_buffer_limit=STEP)
