"""Bytes and header words to text, whatever charset a mail program claimed: never raises.

Mail programs name charsets loosely (`ks_c_5601-1987` is Outlook's name for Korean,
`unknown-8bit` means "no idea", an empty name happens), so a name is first mapped to the
codec that really reads it (cp949 reads everything euc-kr does, and more). When the name
is unknown, or the bytes are not what it says, the text is tried as UTF-8, then cp949, then
latin-1, which reads any bytes. Everything that comes out is a valid str: lone surrogates
(UTF-7 can make them) and NULs (PostgreSQL refuses them) are replaced."""

from __future__ import annotations

import binascii
import codecs
import re

# Names mail programs write, mapped to the codec that reads what they really send.
_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ks_c_5601-1989": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "korean": "cp949",
    "euc-kr": "cp949",  # cp949 is its superset; Korean mail labelled euc-kr often needs it
    "euckr": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "ms949": "cp949",
    "uhc": "cp949",
    "iso-2022-kr": "iso2022_kr",
    "windows-874": "cp874",
    "x-windows-874": "cp874",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-8-e": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-1": "cp1252",  # browsers and mail programs read latin-1 labels as cp1252
    "latin1": "cp1252",
}
# Labels that promise nothing: the text is read by the fallback chain instead.
_UNKNOWN = {"", "unknown-8bit", "x-unknown", "unknown", "default", "us-ascii", "ascii", "7bit"}
_ASCII = bytes(range(128))
_UNSAFE = re.compile("[\ud800-\udfff\x00]")


def codec_for(charset: str | None) -> str | None:
    """The Python codec that reads `charset`, or None when the fallback chain should."""
    name = (charset or "").strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # bytes.decode refuses the non-text codecs (rot13, zlib, base64...), so ask first.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode(data: bytes, charset: str | None = None) -> str:
    """`data` as text: by the declared charset, else the fallback chain; never raises."""
    codec = codec_for(charset)
    if codec is not None:
        try:
            return clean(data.decode(codec, errors="replace"))
        except Exception:  # a codec may still refuse some input: read it the fallback way
            pass
    return clean(_fallback(data))


def _fallback(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with one broken byte among many good characters reads best as UTF-8 (and
    cp949 would read it as nonsense without complaint)."""
    sample = data[:65536]
    high = len(sample.translate(None, _ASCII))
    replaced = sample.decode("utf-8", errors="replace").count("\ufffd")
    return replaced * 10 < high


def clean(text: str) -> str:
    """A str any encoder takes: lone surrogates become U+FFFD, NULs are dropped."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


# An RFC 2047 encoded-word; the text part allows nothing but printable ASCII less "?".
_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")


def header_text(raw: str) -> str:
    """A header's value as text: 8-bit bytes (given as latin-1 characters) read as UTF-8
    or cp949, RFC 2047 encoded-words decoded (broken ones as far as they go), folding
    undone. Adjacent words are joined before decoding, because Outlook splits a Korean
    character's bytes across two words."""
    text = _raw_header(raw)
    out: list[str] = []
    pos = 0
    pending: list[tuple[str, bytes]] = []
    for match in _WORD.finditer(text):
        gap = text[pos : match.start()]
        if pending and not _BETWEEN_WORDS.fullmatch(gap):
            out.append(_join_words(pending))
            pending = []
        if not pending:
            out.append(gap)
        pending.append((match.group(1), _word_bytes(match.group(2), match.group(3))))
        pos = match.end()
    if pending:
        out.append(_join_words(pending))
    out.append(text[pos:])
    return clean(re.sub(r"\s*[\r\n]+\s*", " ", "".join(out)).strip())


def _raw_header(raw: str) -> str:
    """Header characters are bytes as latin-1 (see mime_walk); 8-bit ones are really
    UTF-8 (RFC 6532) or a local charset."""
    if raw.isascii():
        return raw
    try:
        return _fallback(raw.encode("latin-1"))
    except UnicodeEncodeError:
        return raw


def _word_bytes(kind: str, payload: str) -> bytes:
    if kind in "qQ":
        data = payload.replace("_", " ").encode("ascii", errors="replace")
        try:
            return binascii.a2b_qp(data, header=True)
        except (binascii.Error, ValueError):
            return data
    return b64_as_far_as_it_goes(payload.encode("ascii", errors="ignore"))[0]


def _join_words(words: list[tuple[str, bytes]]) -> str:
    """Runs of words in one charset decoded together; charset*language (RFC 2231) too."""
    out: list[str] = []
    run: list[bytes] = []
    charset = None
    for name, data in words:
        name = name.split("*", 1)[0]
        if run and name.lower() != (charset or "").lower():
            out.append(decode(b"".join(run), charset))
            run = []
        charset = name
        run.append(data)
    out.append(decode(b"".join(run), charset))
    return "".join(out)


_B64_ALPHABET = re.compile(rb"[^A-Za-z0-9+/]")


def b64_as_far_as_it_goes(data: bytes | memoryview) -> tuple[bytes, bool]:
    """Base64 decoded; when it is broken, every whole group before the damage is kept.
    Returns the bytes and whether it was whole."""
    try:
        return binascii.a2b_base64(data), True
    except (binascii.Error, ValueError):
        pass
    # Padding in the middle (two encoded blobs glued) and stray characters are dropped.
    letters = _B64_ALPHABET.sub(b"", bytes(data))
    letters = letters[: len(letters) // 4 * 4]
    try:
        return binascii.a2b_base64(letters), False
    except (binascii.Error, ValueError):
        return b"", False
