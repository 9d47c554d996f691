"""Decoding: raw bytes -> text (BOMs, UTF-8/16, cp1252, charset-normalizer), binaries refused."""

from __future__ import annotations

import re
import unicodedata

# Signatures of common binary formats, to name them in the error message.
_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive (or docx/xlsx/epub)"),
    (b"\x1f\x8b", "gzip archive"), (b"BZh", "bzip2 archive"), (b"7z\xbc\xaf", "7-Zip archive"),
    (b"\xfd7zXZ", "xz archive"), (b"\x7fELF", "ELF executable"), (b"RIFF", "RIFF media file"),
    (b"OggS", "Ogg media file"), (b"ID3", "MP3 audio"), (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"), (b"wOFF", "web font"),
)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)
# charset-normalizer names -> the superset codec we decode with (same text, fewer failures).
_SUPERSET = {
    "gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs",
    "latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "utf-8",
}


_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


class _DecodeFailure(Exception):
    pass


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit only on odd/even positions (ASCII-range text)."""
    half = len(data) // 2
    if half < 2:
        return None
    zeros_even = data[0::2].count(0)
    zeros_odd = data[1::2].count(0)
    if zeros_odd >= 0.2 * half and zeros_even <= 0.01 * half:
        return "utf-16-le"
    if zeros_even >= 0.2 * half and zeros_odd <= 0.01 * half:
        return "utf-16-be"
    return None


def _text_like_ratio(text: str) -> float:
    """Share of characters that occur in real text (letters, digits, punctuation, spaces)."""
    if not text:
        return 0.0
    good = sum(1 for ch in text
               if ch in "\t\n\r" or unicodedata.category(ch)[0] in "LNPZS"
               and unicodedata.category(ch) not in ("Zl", "Zp"))
    return good / len(text)


def _utf16_by_content(data: bytes) -> str | None:
    """UTF-16 without BOM and without the ASCII NUL pattern (e.g. all-CJK text): the byte
    order whose strict decoding reads as text."""
    if len(data) % 2:
        return None
    best, best_ratio = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        ratio = _text_like_ratio(text[:20000])
        if ratio > best_ratio:
            best, best_ratio = encoding, ratio
    return best if best_ratio >= 0.98 else None


_CP1252_PUNCT = set("„“”‘’‚–—…«»‹›€§°·´¨¸×÷£¥©®±²³¹ºª¿¡\xa0")


def _plausible_cp1252(data: bytes) -> bool:
    """Reads as Western European text in cp1252: non-ASCII characters are letters or common
    typography and come alone or in pairs inside words (legacy CJK/Cyrillic bytes decoded as
    cp1252 give long runs of accented letters and symbols)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    run = longest = n_odd = 0
    for ch in text:
        if ord(ch) < 0x80:
            run = 0
            continue
        run += 1
        longest = max(longest, run)
        if not (ch.isalpha() or ch in _CP1252_PUNCT):
            n_odd += 1
    return longest <= 3 and n_odd == 0


def _decode_with(data: bytes, encoding: str, warnings: list[str]) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        warnings.append(f"{text.count(chr(0xFFFD))} undecodable byte sequence(s) in {encoding} "
                        f"replaced with U+FFFD")
        return text


def _same_as_cp1252(data: bytes, text: str) -> bool:
    try:
        return data.decode("cp1252") == text
    except UnicodeDecodeError:
        return False


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings) for raw file bytes; raises _DecodeFailure when not text.

    Order: BOM; binary signatures; BOM-less UTF-16 (NUL pattern, or a strict decode that reads
    as text); binary by control bytes / NULs (one stray NUL per 200 bytes is dropped with a
    warning); strict UTF-8; UTF-8 with encoded surrogates or a few corrupt bytes (replaced, with
    a warning); cp1252 when it reads as Western text; then charset-normalizer (GB18030/GBK,
    Big5, ...). The fixed checks come first because detection is unreliable on short texts.
    """
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom):], encoding.replace("-sig", ""), warnings), encoding, warnings
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _DecodeFailure(f"binary file ({what}), not text")
    utf16 = _utf16_without_bom(data) or (_utf16_by_content(data) if b"\x00" in data else None)
    if utf16:
        text = _decode_with(data, utf16, warnings)
        return text, utf16, warnings
    sample = data[:20000]
    n_control = sum(sample.count(b) for b in _CONTROL_BYTES)
    if n_control > max(8, len(sample) // 20):
        raise _DecodeFailure(f"binary file ({100 * n_control // len(sample)}% control bytes), not text")
    n_nul = data.count(0)
    if n_nul:
        if n_nul > max(1, len(data) // 200):
            raise _DecodeFailure(f"binary file ({n_nul} NUL bytes), not text")
        # A stray NUL or two in otherwise normal text (scraper debris): drop them.
        data = data.replace(b"\x00", b"")
        warnings.append(f"{n_nul} NUL byte(s) removed")
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    # UTF-8 text with encoded surrogates (CESU-8 / broken UTF-16 conversions).
    surrogates = _ENCODED_SURROGATE.findall(data)
    if surrogates:
        try:
            text = _ENCODED_SURROGATE.sub("\ufffd".encode(), data).decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            warnings.append(f"{len(surrogates)} encoded surrogate(s) (invalid in UTF-8) "
                            f"replaced with U+FFFD")
            return text, "utf-8", warnings
    lenient = data.decode("utf-8", errors="replace")
    n_bad = lenient.count("\ufffd")
    n_good = sum(1 for ch in lenient if ord(ch) > 0x7F) - n_bad
    # Real UTF-8 with a few corrupt bytes: decode it as UTF-8 rather than guess a legacy codec.
    if n_good >= 20 * n_bad:
        warnings.append(f"{n_bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD")
        return lenient, "utf-8", warnings
    # Western text: charset-normalizer guesses mac_roman/cp1250/big5 for short cp1252 input.
    if _plausible_cp1252(data):
        return data.decode("cp1252"), "cp1252", warnings
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding:
        raise _DecodeFailure("cannot detect the text encoding (binary data, or not UTF-8/UTF-16/"
                             "GB18030/Big5/cp1252 text)")
    encoding = _SUPERSET.get(best.encoding, best.encoding)
    if encoding != "cp1252" and _same_as_cp1252(data, str(best)):
        encoding = "cp1252"  # same text either way: name the usual Western codec
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        encoding = best.encoding
        text = str(best)
    return text, encoding, warnings


# Control characters other than tab/newline, lone surrogates, BOMs and non-characters.
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def clean_raw_text(text: str) -> str:
    """Unify line endings to \\n and drop control characters and lone surrogates."""
    text = _NEWLINES.sub("\n", text)
    return _JUNK.sub("", text)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    bad = sum(1 for ch in sample
              if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0c"))
    return bad > max(8, 0.05 * len(sample))
