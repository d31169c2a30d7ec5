"""Article bytes → text, in the order a browser would trust the evidence.

1. A byte-order mark (UTF-8, UTF-16, UTF-32) wins over everything.
2. A declared UTF-16/UTF-32 charset (HTTP ``Content-Type`` or an HTML ``<meta>``), when the
   bytes have the NULs such text always has; undeclared UTF-16 is recognised by its NULs.
3. Anything else with NULs or many control bytes is binary and refused.
4. Valid UTF-8 (a wrong declaration never beats it: UTF-8 is almost never valid by accident).
5. A declared single-byte or CJK charset (``iso-8859-1`` and ``ascii`` read as cp1252, as
   browsers do).
6. Detection by charset-normalizer, except that a rare code page (DOS, Mac, EBCDIC …) loses
   to cp1252 when the bytes read as cp1252 Latin text: English with curly quotes and em dashes
   is otherwise guessed as cp775 or cp852 and briefed as garbage. cp1252 also wins a tie with
   another code page (same chaos, no less coherence): undeclared Central European text can
   then be misread, which a declared charset or UTF-8 avoids.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from briefer.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_READ_AS_CP1252 = frozenset({"ascii", "iso8859-1", "latin-1"})
# Single-byte code pages charset-normalizer picks for Western text they do not belong to.
_RARE_CODE_PAGE = re.compile(
    r"^(?:cp(?:037|273|424|437|500|7\d\d|8[0-6]\d|875|1006|1026|1125|1140)"
    r"|mac[_-]\w+|hp[_-]roman8|kz1048|ptcp154)$"
)
_MIN_ASCII_LETTERS = 0.7  # cp1252 Latin text: most letters are plain ASCII
_SAMPLE = 4096


def decode_bytes(data: bytes, *, label: str, declared: str | None = None) -> str:
    """Article bytes as text, or an InputError naming ``label`` and the fix."""
    codec = _codec(declared)
    text = _from_bom(data, label=label)
    if text is None and codec is not None and codec.startswith(("utf-16", "utf-32")):
        text = _decode_wide(data, codec)
    if text is None:
        text = _decode_wide(data, _undeclared_utf16(data))
    if text is not None:
        if _looks_binary_text(text):
            raise _binary(label)
        return text
    if _looks_binary(data):
        raise _binary(label)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError, ValueError):
            pass  # a wrong declaration: detect instead
    return _detected(data, label=label)


def declared_html_charset(data: bytes) -> str | None:
    """The charset an HTML ``<meta charset>`` or ``http-equiv`` tag declares, if any."""
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", data[:_SAMPLE], re.I)
    return match.group(1).decode("ascii") if match else None


def charset_from_content_type(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _codec(name: str | None) -> str | None:
    """The Python codec for a declared charset name; None when unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "cp1252" if codec in _READ_AS_CP1252 else codec


def _from_bom(data: bytes, *, label: str) -> str | None:
    marked = [codec for bom, codec in _BOMS if data.startswith(bom)]
    for codec in marked:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    if marked:
        raise InputError(
            f"{label}: starts with a {marked[-1].upper().removesuffix('-SIG')} byte-order mark "
            "but is not valid in that encoding; save the file as UTF-8"
        )
    return None


def _decode_wide(data: bytes, codec: str | None) -> str | None:
    """UTF-16/32 text without a BOM; None when it is not that (no NULs, or invalid)."""
    if codec is None or b"\x00" not in data[:_SAMPLE]:
        return None  # Latin or CJK UTF-16 always has NULs (its markup is ASCII): not this
    if codec == "utf-16":  # no BOM: the NULs show the byte order
        codec = _undeclared_utf16(data) or "utf-16-le"
    elif codec == "utf-32":
        codec = "utf-32-be" if data.startswith(b"\x00\x00") else "utf-32-le"
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _undeclared_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte is a NUL (ASCII-range UTF-16), else None."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    pairs = len(sample) // 2
    if pairs < 8 or len(data) % 2:
        return None
    odd_nuls, even_nuls = sample[1::2].count(0), sample[0::2].count(0)
    if odd_nuls > 0.4 * pairs and even_nuls < 0.05 * pairs:
        return "utf-16-le"
    if even_nuls > 0.4 * pairs and odd_nuls < 0.05 * pairs:
        return "utf-16-be"
    return None


def _detected(data: bytes, *, label: str) -> str:
    from charset_normalizer import from_bytes  # only text that is not UTF-8 needs it

    matches = from_bytes(data)
    best = matches.best()
    if best is None or _RARE_CODE_PAGE.match(best.encoding):
        latin = _as_cp1252_latin(data)
        if latin is not None:
            return latin
    if best is None:
        raise InputError(f"{label}: cannot tell the text encoding; save the file as UTF-8")
    tied = any(
        match.encoding == "cp1252"
        and match.chaos <= best.chaos
        and match.coherence >= best.coherence
        for match in matches
    )
    # A tie between cp1252 and another Latin page (French read as cp1250: "grčve") goes to
    # cp1252, the Western default browsers use too.
    return data.decode("cp1252") if tied else str(best)


def _as_cp1252_latin(data: bytes) -> str | None:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [char for char in text if char.isalpha()]
    ascii_letters = sum(1 for char in letters if char.isascii())
    return text if letters and ascii_letters >= _MIN_ASCII_LETTERS * len(letters) else None


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return bool(sample) and controls / len(sample) > 0.05


def _looks_binary_text(text: str) -> bool:
    sample = text[:_SAMPLE]
    odd = sum(
        1
        for char in sample
        if char not in "\t\n\f\r" and unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn")
    )
    return bool(sample) and odd / len(sample) > 0.05


def _binary(label: str) -> InputError:
    return InputError(
        f"{label}: looks like binary data, not an article; give text, Markdown, HTML or JSON"
    )


__all__ = ["charset_from_content_type", "declared_html_charset", "decode_bytes"]
