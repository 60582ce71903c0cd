"""Reading an HTTP body safely: a streamed size cap on the decompressed bytes, and charset decoding."""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import AsyncIterator

from charset_normalizer import from_bytes

# Only what we can decompress incrementally with a bound; brotli/zstd are not offered.
ACCEPT_ENCODING = "gzip, deflate"
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# WHATWG: pages labelled latin-1 or ascii are decoded as windows-1252 by every browser.
_ENCODING_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class BodyTooLarge(Exception):
    """The body grew past the cap (counted after decompression)."""


class BodyUndecodable(Exception):
    """The body's content-encoding or charset could not be decoded."""


def _decompressor(content_encoding: str) -> zlib._Decompress | None:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise BodyUndecodable(f"unsupported content-encoding {content_encoding!r}")


async def read_capped(chunks: AsyncIterator[bytes], content_encoding: str, cap: int) -> bytes:
    """Collect raw `chunks`, decompressing with a bounded output so a gzip bomb stops at `cap`."""
    decompressor = _decompressor(content_encoding)
    body = bytearray()
    async for chunk in chunks:
        if decompressor is None:
            body += chunk
        else:
            _inflate(decompressor, chunk, body, cap)
        if len(body) > cap:
            raise BodyTooLarge(f"body larger than {cap} bytes")
    if decompressor is not None:
        try:
            body += decompressor.flush()
        except zlib.error as exc:
            raise BodyUndecodable(f"corrupt {content_encoding} body: {exc}") from exc
    return bytes(body)


def read_capped_bytes(data: bytes, content_encoding: str, cap: int) -> bytes:
    """`read_capped` for bytes already in hand (a saved `.html.gz`): decompressed with the same bounded output."""
    decompressor = _decompressor(content_encoding)
    if decompressor is None:
        if len(data) > cap:
            raise BodyTooLarge(f"{len(data)} bytes, over the cap of {cap}")
        return data
    body = bytearray()
    _inflate(decompressor, data, body, cap)
    try:
        body += decompressor.flush()
    except zlib.error as exc:
        raise BodyUndecodable(f"corrupt {content_encoding} body: {exc}") from exc
    if not decompressor.eof:
        raise BodyUndecodable(f"truncated {content_encoding} body")
    return bytes(body)


def _inflate(decompressor: zlib._Decompress, chunk: bytes, body: bytearray, cap: int) -> None:
    data = chunk
    try:
        while data:
            # max_length keeps one small compressed chunk from expanding to gigabytes in memory
            body += decompressor.decompress(data, cap + 1 - len(body))
            if len(body) > cap:
                raise BodyTooLarge(f"body larger than {cap} bytes after decompression")
            data = decompressor.unconsumed_tail
    except zlib.error as exc:
        raise BodyUndecodable(f"corrupt compressed body: {exc}") from exc


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _ENCODING_ALIASES.get(name, name)


def decode_text(content: bytes, content_type: str | None) -> str:
    """Decode a page: BOM, then the header charset, then <meta charset>, then UTF-8, then detection."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content.decode(name, errors="replace")
    meta = _META_CHARSET.search(content[:4096])
    for label in (header_charset(content_type), meta.group(1).decode("ascii") if meta else None):
        codec = _codec(label)
        if codec is not None:
            # A declared charset is trusted; a stray bad byte should not cost the whole page.
            return content.decode(codec, errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(content[:200_000])
    best = matches.best()
    if best is None or best.encoding is None:
        raise BodyUndecodable("could not detect the page's character encoding (binary content?)")
    # Detection often ties windows-1250/1252 on Western text ("Peña" vs "Peńa"); on a tie take
    # windows-1252, the web's default for undeclared pages (WHATWG Encoding Standard).
    tied = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
    encoding = "cp1252" if "cp1252" in tied else best.encoding
    return content.decode(_codec(encoding) or encoding, errors="replace")
