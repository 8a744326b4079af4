"""Decode text that is not UTF-8: legacy Windows and East Asian encodings.

Shift-JIS, EUC-KR or GB18030 bytes decoded as cp1252/latin-1 come out as C1 control
characters, so the upload was refused as binary. charset-normalizer names the encoding, but on
short Western text its guesses are unreliable (``Ça va? Très`` reads as Big5), so a guess
outside the Latin family is trusted only when the bytes look like it: most bytes are
non-ASCII, or cp1252 cannot decode them at all. Otherwise cp1252 stays the answer, as before."""

from __future__ import annotations

from charset_normalizer import from_bytes

__all__ = ["decode_legacy"]

# The encodings people still export text in; anything else charset-normalizer might name for a
# few bytes (EBCDIC, Urdu...) is noise here.
_CANDIDATES = (
    "cp1252",
    "latin_1",
    "cp1250",
    "cp1251",
    "cp932",
    "shift_jis",
    "euc_jp",
    "iso2022_jp",
    "cp949",
    "euc_kr",
    "gb18030",
    "big5",
)
_LATIN = frozenset({"cp1252", "latin_1", "cp1250"})
_ASCII = bytes(range(128))
_SAMPLE = 64 * 1024
# Japanese, Chinese, Korean or Cyrillic text is mostly non-ASCII bytes; Western text is mostly
# ASCII with a few accented letters.
_MOSTLY_NON_ASCII = 0.3


def decode_legacy(data: bytes) -> str | None:
    """``data`` decoded from the legacy encoding it is most likely in, or None when neither
    cp1252 nor a credible guess decodes it (the caller decides whether it is binary)."""
    western = _decode_or_none(data, "cp1252")
    sample = data[:_SAMPLE]
    non_ascii = len(sample.translate(None, _ASCII)) / len(sample) if sample else 0.0
    if western is not None and non_ascii < _MOSTLY_NON_ASCII:
        return western
    guess = from_bytes(sample, cp_isolation=list(_CANDIDATES)).best()
    if guess is not None and guess.encoding not in _LATIN:
        decoded = _decode_or_none(data, guess.encoding)
        if decoded is not None:
            return decoded
    return western


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None
