"""Decode legacy 8-bit Vietnamese text (TCVN3/ABC and VNI-Windows) to Unicode.

Older Vietnamese cadastral shapefiles keep their attribute text in one of two
font-based encodings that Python has no codec for:

* **TCVN3** (TCVN 5712:1993 VN3, "ABC", ``.VnTime`` fonts): one byte per
  letter.  Lower-case precomposed letters and the upper-case base letters
  ``Ă Â Ê Ô Ơ Ư Đ`` sit in the high half; upper-case toned letters do not
  exist (all-capital ``.VnTimeH`` fonts draw the lower-case codes as capitals).
* **VNI-Windows** (``VNI-Times`` fonts): a base letter followed by a mark
  byte, e.g. ``"aù"`` -> ``á``, ``"oä"`` -> ``ộ``, plus a few single-byte
  letters (``ô`` -> ``ơ``, ``ñ`` -> ``đ``, ``ó`` -> ``ĩ`` ...).

The loader reads such files byte-preserving (``encoding="latin-1"``, so each
character of a ``str`` is one byte) and passes the strings to
:func:`decode_legacy`.  GDAL's own ``TCVN5712-1`` decoder is not used because
it drops the last character of a field.  Everything here is table driven and
pure Python; the output is always Unicode NFC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "LEGACY_ENCODINGS",
    "is_vietnamese_text",
    "normalise_encoding_name",
    "decode_legacy",
    "looks_like_legacy",
    "is_unicode_text",
    "decode_series",
    "nfc_values",
]

LEGACY_ENCODINGS: tuple[str, ...] = ("tcvn3", "vni")

# Names are compared after lower-casing and dropping everything that is not a
# letter or digit, so "TCVN-3", "tcvn_3" and "TCVN 3" are all "tcvn3".
_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["tcvn3", "tcvn", "abc", "tcvnabc", "tcvn3abc", "tcvn5712", "tcvn57123",
         "tcvn57121993", "vn3", "vscii", "vscii3", "vntime", "vntimeh",
         "xviettcvn5712", "tcvn57121"],
        "tcvn3",
    ),
    **dict.fromkeys(
        ["vni", "vniwindows", "vniwin", "vnitimes", "vniforwindows", "vniansi",
         "xvietvni"],
        "vni",
    ),
}

# --------------------------------------------------------------------------
# TCVN3 table: byte -> Unicode for 0x80-0xFF; bytes 0x00-0x7F are ASCII.
#
# Generated once with glibc by decoding ONE BYTE AT A TIME
#   printf '\xNN' | iconv -f TCVN5712-1 -t UTF-8
# (glibc's TCVN5712-1 is the VN1 superset).  glibc's extra mappings of the
# control bytes 0x01-0x17 to capital letters are deliberately NOT used.
# VN3 proper (TCVN3/ABC) only assigns 0xA0-0xAE and the lower-case letters in
# 0xB5-0xFE; the remaining high bytes (0x80-0x9F, 0xAF, 0xB0-0xB4, 0xBA,
# 0xBF-0xC5, 0xCD, 0xD9-0xDB, 0xE0, 0xF0, 0xFF) are the VN1/VN2 capitals and
# combining tone marks, kept so that text written by VN1/VN2-aware tools
# decodes too.  0xB0-0xB4 are combining marks; NFC composes them.
_TCVN3: dict[int, str] = {
    0x80: "À", 0x81: "Ả", 0x82: "Ã", 0x83: "Á", 0x84: "Ạ", 0x85: "Ặ", 0x86: "Ậ", 0x87: "È",
    0x88: "Ẻ", 0x89: "Ẽ", 0x8A: "É", 0x8B: "Ẹ", 0x8C: "Ệ", 0x8D: "Ì", 0x8E: "Ỉ", 0x8F: "Ĩ",
    0x90: "Í", 0x91: "Ị", 0x92: "Ò", 0x93: "Ỏ", 0x94: "Õ", 0x95: "Ó", 0x96: "Ọ", 0x97: "Ộ",
    0x98: "Ờ", 0x99: "Ở", 0x9A: "Ỡ", 0x9B: "Ớ", 0x9C: "Ợ", 0x9D: "Ù", 0x9E: "Ủ", 0x9F: "Ũ",
    0xA0: "\u00a0", 0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ", 0xAF: "Ằ",
    0xB0: "\u0300", 0xB1: "\u0309", 0xB2: "\u0303", 0xB3: "\u0301", 0xB4: "\u0323",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã",
    0xB8: "á", 0xB9: "ạ", 0xBA: "Ẳ", 0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xBF: "Ẵ",
    0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ", 0xC5: "Ề", 0xC6: "ặ", 0xC7: "ầ",
    0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ", 0xCC: "è", 0xCD: "Ể", 0xCE: "ẻ", 0xCF: "ẽ",
    0xD0: "é", 0xD1: "ẹ", 0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ", 0xD7: "ì",
    0xD8: "ỉ", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị", 0xDF: "ò",
    0xE0: "Ổ", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ", 0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ",
    0xE8: "ố", 0xE9: "ộ", 0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ", 0xEF: "ù",
    0xF0: "Ỗ", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ", 0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ",
    0xF8: "ứ", 0xF9: "ự", 0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ", 0xFF: "Ố",
}

# The 74 letters of VN3 proper (no NBSP): used as evidence by the detector.
_TCVN3_CORE: frozenset[int] = frozenset(
    [*range(0xA1, 0xAF), *range(0xB5, 0xBA), *range(0xBB, 0xBF), *range(0xC6, 0xCD),
     *range(0xCE, 0xD9), *range(0xDC, 0xE0), *range(0xE1, 0xF0), *range(0xF1, 0xFF)]
)

# --------------------------------------------------------------------------
# VNI-Windows.  Single-byte letters (byte shown as its Latin-1 character):
_VNI_LETTERS: dict[str, str] = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì", "æ": "ỉ", "Æ": "Ỉ",
    "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ",
}

_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_CIRC, _BREVE = "\u0302", "\u0306"

# Mark bytes that follow a base letter -> the combining marks they stand for.
_VNI_MARKS_LOWER: dict[str, str] = {
    "ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT,
    "â": _CIRC, "á": _CIRC + _ACUTE, "à": _CIRC + _GRAVE, "å": _CIRC + _HOOK,
    "ã": _CIRC + _TILDE, "ä": _CIRC + _DOT,
    "ê": _BREVE, "é": _BREVE + _ACUTE, "è": _BREVE + _GRAVE, "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE, "ë": _BREVE + _DOT,
}
# Upper-case letters take the upper-case form of the mark byte ("AÙ" = Á).
_VNI_MARKS: dict[str, str] = {
    **_VNI_MARKS_LOWER,
    **{mark.upper(): seq for mark, seq in _VNI_MARKS_LOWER.items()},
}
# Letters (after single-byte mapping) that a mark byte may follow.  Not "i":
# VNI writes í ì ỉ ĩ ị as single bytes, so "iù" is never VNI.
_VNI_BASES = frozenset("aeouyơưAEOUYƠƯ")
# Vowel + mark pairs that are also common in European words ("Raúl",
# "naïve", "où", "goût", Irish "Seán"): weak evidence for VNI in the detector.
_VNI_EURO_PAIRS = frozenset({"aé", "aú", "aï", "oï", "uï", "où", "oû", "eá"})

# --------------------------------------------------------------------------
# The Vietnamese alphabet, built from the 12 vowels and the 5 tone marks.
_TONES = frozenset(_GRAVE + _ACUTE + _TILDE + _HOOK + _DOT)
_VOWELS = "aăâeêioôơuưy"
_LOWER_LETTERS = frozenset(
    [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in ["", *sorted(_TONES)]]
    + list("bcdđghklmnpqrstvx")
)
_VIET_LETTERS = _LOWER_LETTERS | {c.upper() for c in _LOWER_LETTERS}

# Syllable structure: initial consonant + vowel nucleus + final consonant.
_INITIALS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s",
             "t", "v", "x", "")
_FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")
# nucleus -> (nucleus positions that may carry the tone, final consonant:
#             "open" = none allowed, "closed" = one required, "any")
_NUCLEI: dict[str, tuple[frozenset[int], str]] = {
    **{v: (frozenset({0}), "any") for v in "aeêioôơuưy"},
    "ă": (frozenset({0}), "closed"), "â": (frozenset({0}), "closed"),
    **{v: (frozenset({0}), "open") for v in
       ["ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi",
        "ơi", "ua", "ui", "ưa", "ưi", "ưu"]},
    "oa": (frozenset({0, 1}), "any"), "oe": (frozenset({0, 1}), "any"),
    "uy": (frozenset({0, 1}), "any"), "uê": (frozenset({1}), "any"),
    "uơ": (frozenset({1}), "open"),
    **{v: (frozenset({1}), "closed") for v in ["oă", "uâ", "uô", "ươ", "iê", "yê"]},
    **{v: (frozenset({1}), "open") for v in
       ["iêu", "yêu", "uôi", "ươi", "ươu", "oai", "oay", "oao", "oeo", "uây",
        "uya", "uyu"]},
    "uyê": (frozenset({2}), "closed"),
}

# A "word" for the detector: a run of ASCII letters and non-ASCII non-space
# characters (so stray symbols such as "§" or "·" stay inside their word).
_WORD_RE = re.compile(r"[^\s!-@\[-`{-~]+")


def normalise_encoding_name(name: str) -> str | None:
    """Map a legacy Vietnamese encoding name to its canonical form.

    Parameters
    ----------
    name : str
        Any spelling, e.g. ``"TCVN3"``, ``"tcvn-3"``, ``"ABC"``,
        ``"TCVN5712"``, ``".VnTime"``, ``"VNI"``, ``"VNI-Windows"``,
        ``"VNI-Times"``.  Case, spaces and punctuation are ignored.

    Returns
    -------
    str or None
        ``"tcvn3"`` or ``"vni"``; ``None`` for any other name, which the
        caller should treat as an ordinary codec name (e.g. pass it to GDAL).
        The explicit VN1 name ``"TCVN5712-1"`` also gives ``None``.
    """
    if not isinstance(name, str):
        return None
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    return _ALIASES.get(key)


def _require_encoding(encoding: str) -> str:
    enc = normalise_encoding_name(encoding)
    if enc is None:
        raise ValueError(
            f"unknown legacy Vietnamese encoding {encoding!r}; accepted names: "
            "'tcvn3' (also 'TCVN-3', 'ABC', 'TCVN5712', '.VnTime') or "
            "'vni' (also 'VNI-Windows', 'VNI-Times')"
        )
    return enc


def _to_byte_chars(text: str | bytes) -> str:
    """Return a str whose characters are the original bytes (0-255).

    Characters above U+00FF that Windows-1252 can encode (``€``, ``‘`` ...)
    become their cp1252 byte; any other character is kept as it is.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text).decode("latin-1")
    if not isinstance(text, str):
        raise TypeError(f"expected str or bytes, got {type(text).__name__}")
    if all(ord(ch) < 256 for ch in text):
        return text
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        else:
            try:
                out.append(ch.encode("cp1252").decode("latin-1"))
            except UnicodeEncodeError:
                out.append(ch)
    return "".join(out)


def _cp1252_char(ch: str) -> str:
    """The Windows-1252 character for a byte character (C1 bytes only differ)."""
    if "\x80" <= ch <= "\x9f":
        try:
            return ch.encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:
            return ch
    return ch


def _decode_vni(raw: str) -> tuple[str, int, int]:
    """Decode VNI byte characters.

    Greedy: a base vowel followed by a mark byte becomes one precomposed
    letter when that letter is Vietnamese; otherwise the mark byte is kept as
    its literal character.  Returns the text, the number of high bytes left
    unused (stray marks, bytes VNI does not use; real VNI text has none) and
    the number of combined pairs that are unusual in European words.
    """
    out: list[str] = []
    unused = typical = 0
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        base = _VNI_LETTERS.get(ch, ch)
        if base in _VNI_BASES and i + 1 < n and raw[i + 1] in _VNI_MARKS:
            letter = unicodedata.normalize("NFC", base + _VNI_MARKS[raw[i + 1]])
            if letter in _VIET_LETTERS:
                out.append(letter)
                typical += (ch + raw[i + 1]).lower() not in _VNI_EURO_PAIRS
                i += 2
                continue
        if ch in _VNI_LETTERS:
            out.append(_VNI_LETTERS[ch])
        else:
            if "\x80" <= ch <= "\xff" and ch != "\xa0":
                unused += 1
            out.append(_cp1252_char(ch))
        i += 1
    return "".join(out), unused, typical


def decode_legacy(text: str | bytes, encoding: str) -> str:
    """Decode TCVN3 or VNI-Windows text to Unicode NFC.

    Parameters
    ----------
    text : str or bytes
        Legacy text.  A ``str`` is taken to be byte-preserving (read as
        Latin-1, one character per byte); characters outside Latin-1 that
        came from a Windows-1252 reading (``€``, ``‘``, ``–`` ...) are mapped
        back to their byte.  Other characters above U+00FF pass through.
    encoding : str
        ``"tcvn3"`` or ``"vni"``, or any alias accepted by
        :func:`normalise_encoding_name`.

    Returns
    -------
    str
        The decoded text, ``unicodedata.normalize("NFC", ...)``.  ASCII is
        unchanged and no trailing character is ever held back or dropped.

    Raises
    ------
    ValueError
        If `encoding` is not a known legacy Vietnamese encoding.
    TypeError
        If `text` is neither str nor bytes.

    Notes
    -----
    TCVN3 is decoded byte by byte (VN1/VN2 capitals and combining marks in
    the high half are accepted too; control bytes stay control bytes).  VNI
    is decoded greedily: base vowel + mark byte -> precomposed letter; a mark
    byte that cannot combine, and any high byte VNI does not use, becomes its
    Windows-1252 character (so ``“`` ``–`` ``€`` survive).  Decoding is not
    idempotent: do not apply it to text that is already Unicode (see
    :func:`looks_like_legacy`).
    """
    enc = _require_encoding(encoding)
    raw = _to_byte_chars(text)
    if enc == "tcvn3":
        decoded = raw.translate(_TCVN3)
    else:
        decoded = _decode_vni(raw)[0]
    return unicodedata.normalize("NFC", decoded)


def _is_syllable(word: str) -> bool:
    """True when `word` is one well-formed Vietnamese syllable.

    Checks the case pattern (lower, Title or UPPER), the alphabet, the
    initial + nucleus + final structure, and that there is at most one tone
    mark, placed on a vowel that may carry it.
    """
    if not (word.islower() or word.isupper() or word.istitle()):
        return False
    letters: list[str] = []
    tone_at: list[int] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            if not letters:
                return False
            tone_at.append(len(letters) - 1)
        elif unicodedata.combining(ch):
            if not letters:
                return False
            letters[-1] += ch
        else:
            letters.append(ch)
    plain = [unicodedata.normalize("NFC", piece) for piece in letters]
    if len(tone_at) > 1 or any(p not in _LOWER_LETTERS for p in plain):
        return False
    s = "".join(plain)  # every piece is now one character
    for initial in _INITIALS:
        if not s.startswith(initial):
            continue
        for final in _FINALS:
            if not s.endswith(final) or len(initial) + len(final) >= len(s):
                continue
            nucleus = s[len(initial): len(s) - len(final)]
            rule = _NUCLEI.get(nucleus)
            if rule is None:
                continue
            positions, closure = rule
            if (closure == "open" and final) or (closure == "closed" and not final):
                continue
            if tone_at and tone_at[0] - len(initial) not in positions:
                continue
            return True
    return False


def _plain_latin1_word(word: str) -> bool:
    """True when `word` looks like an ordinary European word in Latin-1.

    Letters only (ASCII or À-ÿ, not × ÷), a normal case pattern and a single
    non-ASCII letter.  Legacy Vietnamese read as Latin-1 often fails this:
    symbols such as ``§ ¸ · µ «``, a capital inside a lower-case word
    (``"ViÖt"``) or runs of accented letters (``"tröôøng"``).
    """
    return (all(ch.isascii() and ch.isalpha() or "À" <= ch <= "ÿ" and ch not in "×÷"
                for ch in word)
            and (word.islower() or word.isupper() or word.istitle())
            and sum(not ch.isascii() for ch in word) == 1)


def looks_like_legacy(text: str) -> str | None:
    """Guess whether `text` is TCVN3 or VNI text read as Latin-1/cp1252.

    Parameters
    ----------
    text : str
        A string as produced by a Latin-1 or cp1252 reading (bytes are also
        accepted and read as Latin-1).

    Returns
    -------
    str or None
        ``"tcvn3"``, ``"vni"`` or ``None`` when the text does not look like
        legacy Vietnamese (or the evidence is too thin to tell).

    Notes
    -----
    The text is scored as given and after each candidate decoding; a
    candidate must make it clearly more Vietnamese.

    1. Text with a character that is neither Latin-1 nor Windows-1252
       (``ơ``, ``Đ``, ``ộ``, combining marks ...) is already real Unicode,
       and pure ASCII needs no decoding: both give ``None``.
    2. Each word is checked for being one well-formed Vietnamese syllable:
       alphabet, case pattern, initial + vowel nucleus + final consonant, at
       most one tone mark on a vowel that may carry it.  Words with a
       non-ASCII character always count; ASCII words count when they have two
       or more letters and are not all capitals ("UBND" is neutral).  High
       bytes that a candidate does not use (VN1/VN2-only bytes for TCVN3,
       stray marks and unused bytes for VNI) count as extra bad words.
    3. Evidence for a candidate: each word that is not Vietnamese as given
       but decodes to a valid syllable of two or more letters scores 1, or
       only 0.5 when it also reads as a plain European word (letters only,
       one accented letter, e.g. ``"Hën"``) and, for VNI, contains no
       vowel + mark pair that is unusual in European languages
       (``"aõ"``, ``"oä"`` are; ``"aú"``, ``"où"`` are not).  Valid ASCII
       syllables add 0.25 each once there is some evidence.
    4. A candidate wins with evidence >= 1, at least three letters in the
       text, at most one bad word per four good ones and a (good - bad)
       strictly above that of the text as given, which must itself contain
       a word that is not Vietnamese.  The better of two winners is chosen;
       an exact tie gives ``None``.

    Legacy text read as Latin-1 is full of non-Vietnamese words
    (``"Céng hßa x· héi"``, ``"Coäng hoøa"``) that decode to valid
    syllables; ordinary Latin-1 text (``"Café"``, ``"Zürich"``) decodes to
    nonsense; Unicode Vietnamese that fits in Latin-1 (``"Tân Phú"``) is
    already valid as given.  A single legacy word that also reads as a plain
    Latin-1 or Vietnamese word (TCVN3 ``"cã"`` = ``"có"``) is ambiguous and
    gives ``None``; to classify a column, pass several values joined by
    spaces.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("latin-1")
    if not isinstance(text, str) or text.isascii() or is_unicode_text(text):
        return None
    raw = _to_byte_chars(text)
    # Decoding maps high bytes to non-ASCII characters only, so the words of
    # the text and of its decodings correspond one to one: score per word.
    ascii_good, ascii_bad, words = _words_as_shown(raw)
    valid_as_shown = sum(valid for _, _, valid in words)
    bad_as_shown = ascii_bad + len(words) - valid_as_shown
    if bad_as_shown == 0:
        return None
    score_as_shown = ascii_good + valid_as_shown - bad_as_shown

    results: list[tuple[int, float, str]] = []
    for enc in LEGACY_ENCODINGS:
        good, bad, evidence = _candidate_score(enc, words, ascii_good, ascii_bad)
        letters = max(sum(ch.isalpha() for ch in raw),
                      sum(ch.isalpha() for ch in decode_legacy(raw, enc)))
        if (evidence >= 1 and letters >= 3 and 4 * bad <= good
                and good - bad > score_as_shown):
            results.append((good - bad, evidence, enc))
    if not results:
        return None
    results.sort(reverse=True)
    if len(results) > 1 and results[0][:2] == results[1][:2]:
        return None
    return results[0][2]


def _words_as_shown(raw: str) -> tuple[int, int, list[tuple[str, str, bool]]]:
    """The words of ``raw`` (one character per byte) for :func:`looks_like_legacy`: the counts
    of valid and invalid ASCII syllables (words of two or more letters, not all capitals), and
    each non-ASCII word as ``(bytes, as shown in cp1252, valid syllable as shown)``."""
    ascii_good = ascii_bad = 0
    words: list[tuple[str, str, bool]] = []  # (bytes, as shown, valid as shown)
    for word in _WORD_RE.findall(raw):
        if not word.isascii():
            shown = "".join(_cp1252_char(ch) for ch in word)
            words.append((word, shown, _is_syllable(shown)))
        elif len(word) > 1 and not word.isupper():
            if _is_syllable(word):
                ascii_good += 1
            else:
                ascii_bad += 1
    return ascii_good, ascii_bad, words


def _candidate_score(enc: str, words: list[tuple[str, str, bool]], ascii_good: int,
                     ascii_bad: int) -> tuple[int, int, float]:
    """``(good, bad, evidence)`` of the non-ASCII ``words`` decoded as ``enc`` (steps 2 and 3
    of :func:`looks_like_legacy`), starting from the ASCII counts."""
    good, bad, evidence = ascii_good, ascii_bad, 0.0
    for word, shown, valid in words:
        if enc == "tcvn3":
            decoded, typical = word.translate(_TCVN3), 0
            bad += sum(ch >= "\x80" and ch != "\xa0" and ord(ch) not in _TCVN3_CORE
                       for ch in word)
        else:
            decoded, unused, typical = _decode_vni(word)
            bad += unused
        decoded = unicodedata.normalize("NFC", decoded)
        if not _is_syllable(decoded):
            bad += 1
            continue
        good += 1
        if len(decoded) > 1 and not valid:
            weak = not typical and _plain_latin1_word(shown)
            evidence += 0.5 if weak else 1.0
    if evidence:
        evidence += 0.25 * ascii_good
    return good, bad, evidence


def is_unicode_text(text: str) -> bool:
    """True when ``text`` holds a character that no Latin-1 or Windows-1252 reading of legacy
    bytes can produce (``ơ``, ``Đ``, ``ộ``, combining marks ...): it is real Unicode, and
    decoding it as TCVN3 or VNI would garble it.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    bool
        False for ASCII and for text that fits Latin-1/cp1252 (which may or may not be legacy).
    """
    return isinstance(text, str) and any(ord(ch) > 0xFF for ch in _to_byte_chars(text))


def is_vietnamese_text(text: str) -> bool:
    """True when ``text`` holds a letter beyond Latin-1 and every such letter is one of
    Vietnamese's (``ậ``, ``ơ``, ``Đ``; not ``ĺ`` or ``ǹ``), composed (NFC)."""
    high = [ch for ch in unicodedata.normalize("NFC", text) if ord(ch) > 0xFF]
    return bool(high) and all(ch in _VIET_LETTERS for ch in high)


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, bytes, bytearray))


def decode_series(values: Iterable[Any], encoding: str) -> Any:
    """Apply :func:`decode_legacy` to every string of a column.

    Parameters
    ----------
    values : pandas.Series or iterable of str/bytes
        Column values.  ``None``, ``NaN``, ``pd.NA`` and any other non-string
        value are returned unchanged.
    encoding : str
        ``"tcvn3"`` or ``"vni"`` (aliases accepted).

    Returns
    -------
    pandas.Series or list
        A Series (same index and name) for a pandas Series, otherwise a list.

    Raises
    ------
    ValueError
        If `encoding` is not a known legacy Vietnamese encoding.
    """
    enc = _require_encoding(encoding)
    if isinstance(values, (str, bytes, bytearray)):
        raise TypeError("decode_series expects a column of values; "
                        "use decode_legacy for one string")

    def convert(value: Any) -> Any:
        return decode_legacy(value, enc) if _is_text(value) else value

    if type(values).__module__.startswith("pandas"):
        # pandas is not imported here (it is slow to import): the column is duck-typed.
        column: Any = values
        if getattr(column, "ndim", None) == 1 and hasattr(column, "index"):  # Series
            # Object columns stay object (None stays None); other dtypes are
            # re-inferred (a categorical column comes back as plain strings).
            dtype = object if column.dtype == object else None
            return type(column)([convert(v) for v in column], index=column.index,
                                name=column.name, dtype=dtype)
        return column.map(convert)  # Index, DataFrame: element-wise
    return [convert(v) for v in values]


def nfc_values(values: Sequence[Any]) -> list[Any] | None:
    """The values with every string in Unicode NFC (precomposed ``ệ``, as typed on Windows),
    or None when all of them are NFC already (the usual case, checked at C speed).

    cp1258 (Windows-1258) keeps tone marks as combining characters and macOS writes names
    decomposed (NFD): such text looks the same but compares unequal to NFC text.

    Parameters
    ----------
    values : sequence
        A column's values (a list, an object array); what is not a ``str`` (None, NaN,
        numbers) is kept as it is.

    Returns
    -------
    list or None
        A new list, or None when nothing changes.
    """
    strings: Sequence[Any] = values
    try:
        if all(map(str.isascii, strings)):  # ids, codes, numbers as text: most columns
            return None
        joined = "\x00".join(strings)  # NUL composes with nothing: NFC piece by piece
    except TypeError:  # None, NaN, numbers among them: the strings alone
        strings = [v for v in values if isinstance(v, str)]
        joined = "\x00".join(strings)
    if joined.isascii() or unicodedata.is_normalized("NFC", joined):
        return None
    pieces = unicodedata.normalize("NFC", joined).split("\x00")
    if len(pieces) != len(strings):  # a value holding NUL itself: one by one
        pieces = [unicodedata.normalize("NFC", v) for v in strings]
    if strings is values:
        return pieces
    fixed = iter(pieces)
    return [next(fixed) if isinstance(v, str) else v for v in values]


#: Unicode's bidirectional embedding, override and isolate controls (LRE, RLE, PDF, LRO,
#: RLO; LRI, RLI, FSI, PDI).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def isolate_bidi(values: Sequence[Any]) -> list[Any] | None:
    """The values with every string holding a bidirectional control character wrapped in
    FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE (U+2068, U+2069), or None when none
    holds one (the usual case). The closing isolate ends whatever embedding or override
    the text opened (UAX #9, rule X6a), so the text keeps its own direction but cannot
    reverse the sentence, table or label it is put in (found by a review of the printed
    report: a hamlet name with a RIGHT-TO-LEFT OVERRIDE printed the rest of the report's
    sentence backwards, "Trojan Source" in a PDF). Surrounding blanks are stripped first; a
    value already so wrapped is left as it is (reading this tool's outputs back).

    Parameters
    ----------
    values : sequence
        A column's values; what is not a ``str`` is kept as it is.
    """
    try:
        joined = "\x00".join(values)
    except TypeError:  # None, NaN, numbers among them: the strings alone
        joined = "\x00".join(v for v in values if isinstance(v, str))
    if joined.isascii() or _BIDI_CONTROLS.search(joined) is None:  # checked at C speed
        return None
    hit = [isinstance(v, str) and _BIDI_CONTROLS.search(v) is not None
           and not (v.startswith("\u2068") and v.endswith("\u2069")) for v in values]
    if not any(hit):
        return None
    # blanks outside (stripped as every text value's are), and a value isolated already (this
    # tool's own output read back) kept as it is: the same id joins the same rows
    return ["\u2068" + v.strip() + "\u2069" if h else v for v, h in zip(values, hit)]

