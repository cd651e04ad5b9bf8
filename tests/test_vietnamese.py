"""Tests for coverage_gis.vietnamese (TCVN3 / VNI-Windows -> Unicode NFC).

Reference strings are real TCVN3 / VNI byte sequences checked by hand against
the code charts; the encoders below are written independently of the module
from those charts, so round trips test the module's tables.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import unicodedata

import pytest

from coverage_gis.io.vietnamese import (
    LEGACY_ENCODINGS,
    decode_legacy,
    decode_series,
    looks_like_legacy,
    normalise_encoding_name,
)

NFC = "NFC"

# --------------------------------------------------------------------------
# The Vietnamese alphabet (independent of the module).
TONE_MARKS = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
VOWELS = "aăâeêioôơuưy"
LOWER_PRECOMPOSED = sorted(
    {unicodedata.normalize(NFC, v + t) for v in VOWELS for t in TONE_MARKS} - set("aeiouy")
) + ["đ"]
UPPER_PRECOMPOSED = [c.upper() for c in LOWER_PRECOMPOSED]


def test_alphabet_size():
    assert len(LOWER_PRECOMPOSED) == 67
    assert all(len(c) == 1 for c in LOWER_PRECOMPOSED + UPPER_PRECOMPOSED)
    assert len(set(LOWER_PRECOMPOSED + UPPER_PRECOMPOSED)) == 134


# --------------------------------------------------------------------------
# TCVN3 (VN3) chart, transcribed by hand: start byte -> run of characters.
TCVN3_CHART = {
    0xA1: "ĂÂÊÔƠƯĐ",
    0xA8: "ăâêôơưđ",
    0xB5: "àảãáạ",
    0xBB: "ằẳẵắ",
    0xC6: "ặầẩẫấậè",
    0xCE: "ẻẽéẹềểễếệìỉ",
    0xDC: "ĩíịò",
    0xE1: "ỏõóọồổỗốộờởỡớợù",
    0xF1: "ủũúụừửữứựỳỷỹýỵ",
}
TCVN3_ENC = {ch: start + i for start, run in TCVN3_CHART.items() for i, ch in enumerate(run)}


def tcvn3_encode(text: str) -> bytes:
    """Unicode -> TCVN3 bytes (lower-case + Ă Â Ê Ô Ơ Ư Đ only)."""
    out = bytearray()
    for ch in unicodedata.normalize(NFC, text):
        out.append(ord(ch) if ord(ch) < 0x80 else TCVN3_ENC[ch])
    return bytes(out)


# VNI-Windows chart: (modifier, tone) -> mark byte (lower-case form).
VNI_MARK = {
    ("", "\u0301"): "ù", ("", "\u0300"): "ø", ("", "\u0309"): "û",
    ("", "\u0303"): "õ", ("", "\u0323"): "ï",
    ("\u0302", ""): "â", ("\u0302", "\u0301"): "á", ("\u0302", "\u0300"): "à",
    ("\u0302", "\u0309"): "å", ("\u0302", "\u0303"): "ã", ("\u0302", "\u0323"): "ä",
    ("\u0306", ""): "ê", ("\u0306", "\u0301"): "é", ("\u0306", "\u0300"): "è",
    ("\u0306", "\u0309"): "ú", ("\u0306", "\u0303"): "ü", ("\u0306", "\u0323"): "ë",
}
VNI_SINGLE = {"đ": "ñ", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}
VNI_HORN = {"o": "ô", "u": "ö"}  # ơ, ư


def vni_encode_char(ch: str) -> str:
    lower = ch.lower()
    upper = ch != lower
    if lower in VNI_SINGLE:
        out = VNI_SINGLE[lower]
        return out.upper() if upper else out
    base, *marks = unicodedata.normalize("NFD", lower)
    tone = "".join(m for m in marks if m in TONE_MARKS)
    modifier = "".join(m for m in marks if m not in TONE_MARKS)
    if modifier == "\u031b":  # horn: ơ / ư are single bytes
        base, modifier = VNI_HORN[base], ""
    mark = VNI_MARK.get((modifier, tone), "") if (modifier or tone) else ""
    out = base + mark
    return out.upper() if upper else out


def vni_encode(text: str) -> bytes:
    """Unicode -> VNI-Windows bytes."""
    return "".join(vni_encode_char(c) for c in unicodedata.normalize(NFC, text)).encode("latin-1")


def base_letter_count(text: str) -> int:
    return sum(ch.isalpha() for ch in unicodedata.normalize("NFD", text))


# --------------------------------------------------------------------------
# Reference strings.
TCVN3_CASES = [
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    # "Ho¸" is Ho + á (0xB8): old-style tone placement "Hoá".  "Hóa" is "Hãa".
    ("Thanh Ho¸", "Thanh Hoá"),
    ("Thanh Hãa", "Thanh Hóa"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("Tr­êng Sa", "Trường Sa"),
    ("Th«n §«ng S¬n", "Thôn Đông Sơn"),
]
VNI_CASES = [
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Tröôøng Sa", "Trường Sa"),
    ("Ñaø Naüng", "Đà Nẵng"),
    ("Khuyeán khích", "Khuyến khích"),
]


@pytest.mark.parametrize(("legacy", "expected"), TCVN3_CASES)
def test_tcvn3_reference(legacy, expected):
    assert decode_legacy(legacy, "tcvn3") == expected
    assert decode_legacy(legacy.encode("latin-1"), "TCVN3") == expected


@pytest.mark.parametrize(("legacy", "expected"), VNI_CASES)
def test_vni_reference(legacy, expected):
    assert decode_legacy(legacy, "vni") == expected
    assert decode_legacy(legacy.encode("latin-1"), "VNI-Windows") == expected


def test_reference_strings_match_test_encoders():
    for legacy, expected in TCVN3_CASES:
        assert tcvn3_encode(expected) == legacy.encode("latin-1")
    for legacy, expected in VNI_CASES:
        assert vni_encode(expected) == legacy.encode("latin-1")


# --------------------------------------------------------------------------
# Tables.
def test_tcvn3_chart_entries():
    assert len(TCVN3_ENC) == 74
    for ch, byte in TCVN3_ENC.items():
        assert decode_legacy(bytes([byte]), "tcvn3") == ch
    assert set(TCVN3_ENC) == set(LOWER_PRECOMPOSED) | set("ĂÂÊÔƠƯĐ")


def test_tcvn3_hand_checked_bytes():
    assert decode_legacy(b"\xa7", "tcvn3") == "Đ"
    assert decode_legacy(b"\xae", "tcvn3") == "đ"
    assert decode_legacy(b"\xb8", "tcvn3") == "á"
    assert decode_legacy(b"\xe9", "tcvn3") == "ộ"
    assert decode_legacy(b"\xad", "tcvn3") == "ư"
    assert decode_legacy(b"\xa0", "tcvn3") == "\u00a0"


def test_tcvn3_combining_mark_bytes_compose():
    # VN2 combining tone marks 0xB0-0xB4 after a base letter -> one letter.
    assert decode_legacy(b"a\xb3", "tcvn3") == "á"
    assert decode_legacy(b"\xa9\xb4", "tcvn3") == "ậ"
    assert decode_legacy(b"o\xb0", "tcvn3") == "ò"


def test_tcvn3_high_half_matches_glibc():
    iconv = shutil.which("iconv")
    if iconv is None:
        pytest.skip("iconv not available")
    for byte in range(0x80, 0x100):
        proc = subprocess.run([iconv, "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([byte]),
                              capture_output=True)
        if proc.returncode != 0:
            pytest.skip("iconv has no TCVN5712-1")
        expected = unicodedata.normalize(NFC, proc.stdout.decode("utf-8"))
        assert decode_legacy(bytes([byte]), "tcvn3") == expected, hex(byte)


@pytest.mark.parametrize("encoding", LEGACY_ENCODINGS)
def test_ascii_unchanged(encoding):
    ascii_text = bytes(range(0x80)).decode("ascii")
    assert decode_legacy(ascii_text, encoding) == ascii_text
    assert decode_legacy(bytes(range(0x80)), encoding) == ascii_text
    assert decode_legacy("Quang Trung 12/3, lot A-7", encoding) == "Quang Trung 12/3, lot A-7"


def test_tcvn3_control_bytes_not_mapped():
    # glibc's VN1 maps 0x01 to Ú etc.; TCVN3 keeps control bytes as they are.
    assert decode_legacy(b"\x01\x02\x11\x17", "tcvn3") == "\x01\x02\x11\x17"


# --------------------------------------------------------------------------
# Round trips with the independent encoders.
def test_tcvn3_round_trip_every_letter():
    for ch in LOWER_PRECOMPOSED + list("ĂÂÊÔƠƯĐ"):
        out = decode_legacy(tcvn3_encode(ch), "tcvn3")
        assert out == ch
        assert unicodedata.is_normalized(NFC, out)


def test_vni_round_trip_every_letter():
    for ch in LOWER_PRECOMPOSED + UPPER_PRECOMPOSED:
        encoded = vni_encode(ch)
        out = decode_legacy(encoded, "vni")
        assert out == ch, (ch, encoded)
        assert unicodedata.is_normalized(NFC, out)
        # also when the bytes come as a Latin-1 string
        assert decode_legacy(encoded.decode("latin-1"), "vni") == ch


def test_vni_round_trip_all_letters_in_one_string():
    text = " ".join("b" + c + "n" for c in LOWER_PRECOMPOSED + UPPER_PRECOMPOSED)
    assert decode_legacy(vni_encode(text), "vni") == text


def test_tcvn3_round_trip_sentence():
    text = "nhà văn hóa thôn nghĩa môn, đường trường chinh, phường quảng yên"
    assert decode_legacy(tcvn3_encode(text), "tcvn3") == text


def test_vni_literal_marks_stay():
    # A mark byte after a letter it cannot combine with stays literal.
    assert decode_legacy("bù", "vni") == "bù"
    assert decode_legacy("eê", "vni") == "eê"  # e + breve is not Vietnamese
    assert decode_legacy("ù", "vni") == "ù"
    assert decode_legacy("aù", "vni") == "á"
    assert decode_legacy("iù", "vni") == "iù"  # VNI writes í as one byte
    assert decode_legacy("Aù", "vni") == "Á"  # mixed case still combines


# --------------------------------------------------------------------------
# The "last character" pitfall (GDAL's TCVN5712-1 holds the last base back).
LAST_CHAR_CASES = [
    ("tcvn3", "Thanh Ho¸ a", "Thanh Hoá a"),
    ("tcvn3", "Thanh Hoa", "Thanh Hoa"),
    ("tcvn3", "Quang Trung", "Quang Trung"),
    ("tcvn3", "Bim Son", "Bim Son"),
    ("tcvn3", "Ng· ba", "Ngã ba"),
    ("tcvn3", "Tr­êng Sa", "Trường Sa"),
    ("tcvn3", "Ho", "Ho"),
    ("tcvn3", "a", "a"),
    ("vni", "Ngaõ ba", "Ngã ba"),
    ("vni", "Quang Trung", "Quang Trung"),
    ("vni", "Bim Son", "Bim Son"),
    ("vni", "Tröôøng Sa", "Trường Sa"),
    ("vni", "Ba Vi", "Ba Vi"),
    ("vni", "Hoaø", "Hoà"),
    ("vni", "o", "o"),
]


@pytest.mark.parametrize(("encoding", "legacy", "expected"), LAST_CHAR_CASES)
def test_last_character_kept(encoding, legacy, expected):
    out = decode_legacy(legacy, encoding)
    assert out == expected
    assert base_letter_count(out) == base_letter_count(expected)
    assert out[-1] == expected[-1]


# --------------------------------------------------------------------------
# Input kinds.
def test_bytes_and_latin1_and_cp1252_inputs_agree():
    raw = b"\x93Th\xabn \xa7\xabng S\xacn\x94"  # TCVN3 with 0x93/0x94 bytes
    from_bytes = decode_legacy(raw, "tcvn3")
    assert decode_legacy(raw.decode("latin-1"), "tcvn3") == from_bytes
    assert decode_legacy(raw.decode("cp1252"), "tcvn3") == from_bytes
    assert from_bytes == "ỎThôn Đông SơnÕ"  # 0x93/0x94 are VN1 capitals in glibc's table


def test_cp1252_punctuation_in_vni_kept():
    raw = b"\x93Tho\xe2n\x94 \x96 \x80"
    assert decode_legacy(raw, "vni") == "“Thôn” – €"
    assert decode_legacy(raw.decode("cp1252"), "vni") == "“Thôn” – €"
    assert decode_legacy(raw.decode("latin-1"), "vni") == "“Thôn” – €"


def test_output_is_nfc():
    for legacy, _ in TCVN3_CASES:
        out = decode_legacy(legacy, "tcvn3")
        assert unicodedata.is_normalized(NFC, out)
    for legacy, _ in VNI_CASES:
        out = decode_legacy(legacy, "vni")
        assert unicodedata.is_normalized(NFC, out)


def test_unknown_encoding_raises():
    with pytest.raises(ValueError, match="tcvn3") as info:
        decode_legacy("abc", "cp1258")
    assert "vni" in str(info.value)
    with pytest.raises(ValueError):
        decode_series(["abc"], "utf-8")


def test_wrong_text_type_raises():
    with pytest.raises(TypeError):
        decode_legacy(12, "vni")  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Encoding names.
@pytest.mark.parametrize("name", ["TCVN3", "tcvn3", "tcvn-3", "TCVN_3", "abc", "ABC", "tcvn5712",
                                  "TCVN 5712:1993", ".VnTime", "VnTimeH", "vn3"])
def test_normalise_tcvn3_names(name):
    assert normalise_encoding_name(name) == "tcvn3"


@pytest.mark.parametrize("name", ["VNI", "vni", "vni-windows", "VNI-Windows", "vni-times",
                                  "VNI Times"])
def test_normalise_vni_names(name):
    assert normalise_encoding_name(name) == "vni"


@pytest.mark.parametrize("name", ["utf-8", "latin-1", "cp1258", "UTF8", "", "viscii"])
def test_normalise_other_names(name):
    assert normalise_encoding_name(name) is None


def test_gdal_name_of_tcvn_goes_to_our_decoder():
    # GDAL's own TCVN5712-1 decoder drops the last character of every field: route its name
    # to the byte-wise TCVN3 decoder instead.
    assert normalise_encoding_name("TCVN5712-1") == "tcvn3"


def test_legacy_encodings_constant():
    assert LEGACY_ENCODINGS == ("tcvn3", "vni")
    for name in LEGACY_ENCODINGS:
        assert normalise_encoding_name(name) == name


# --------------------------------------------------------------------------
# decode_series.
def test_decode_series_list_keeps_missing():
    nan = float("nan")
    out = decode_series(["Th«n §«ng S¬n", None, nan, b"Ng\xb7 ba", 7], "tcvn3")
    assert isinstance(out, list)
    assert out[0] == "Thôn Đông Sơn"
    assert out[1] is None
    assert isinstance(out[2], float) and math.isnan(out[2])
    assert out[3] == "Ngã ba"
    assert out[4] == 7


def test_decode_series_generator():
    assert decode_series((s for s in ["Thoân", None]), "vni") == ["Thôn", None]


def test_decode_series_pandas():
    pd = pytest.importorskip("pandas")
    series = pd.Series(["Thoân Ñoâng Sôn", None, float("nan"), pd.NA],
                       index=[10, 11, 12, 13], name="TEN_THON", dtype=object)
    out = decode_series(series, "vni")
    assert isinstance(out, pd.Series)
    assert list(out.index) == [10, 11, 12, 13]
    assert out.name == "TEN_THON"
    assert out[10] == "Thôn Đông Sơn"
    assert out[11] is None
    assert isinstance(out[12], float) and math.isnan(out[12])
    assert out[13] is pd.NA


def test_decode_series_pandas_string_and_category_dtypes():
    pd = pytest.importorskip("pandas")
    strings = pd.Series(["Thoân", None], dtype="string")
    out = decode_series(strings, "vni")
    assert out[0] == "Thôn" and pd.isna(out[1])
    categories = pd.Series(["Thoân", "Thoân", None], dtype="category")
    out = decode_series(categories, "vni")
    assert list(out[:2]) == ["Thôn", "Thôn"] and pd.isna(out[2])


def test_decode_series_rejects_single_string():
    with pytest.raises(TypeError):
        decode_series("Thoân", "vni")


# --------------------------------------------------------------------------
# looks_like_legacy.
PLACE_NAMES = [
    "Thôn Đông Sơn",
    "Nhà văn hóa thôn Nghĩa Môn",
    "Xã Quang Trung",
    "Thị trấn Bỉm Sơn",
    "Phường Trường Thi",
    "Xóm Bãi Dâu",
    "Đường Nguyễn Trãi",
    "Khu dân cư số 3",
    "Đất trồng lúa nước",
    "Thửa đất số 125, tờ bản đồ số 7",
]


@pytest.mark.parametrize("name", PLACE_NAMES)
def test_detects_tcvn3(name):
    legacy = tcvn3_encode(name)
    assert looks_like_legacy(legacy.decode("latin-1")) == "tcvn3"
    assert looks_like_legacy(legacy.decode("cp1252", errors="strict")) == "tcvn3"
    assert decode_legacy(legacy, "tcvn3") == name


@pytest.mark.parametrize("name", PLACE_NAMES)
def test_detects_vni(name):
    legacy = vni_encode(name)
    assert looks_like_legacy(legacy.decode("latin-1")) == "vni"
    assert decode_legacy(legacy, "vni") == name


@pytest.mark.parametrize("name", ["XÃ QUANG TRUNG", "ỦY BAN NHÂN DÂN XÃ HOẰNG HÓA"])
def test_detects_vni_upper_case(name):
    assert looks_like_legacy(vni_encode(name).decode("latin-1")) == "vni"


@pytest.mark.parametrize(("legacy", "expected"), [
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "tcvn3"),
    ("Thanh Ho¸", "tcvn3"),
    ("§éc lËp - Tù do - H¹nh phóc", "tcvn3"),
    ("Th«n §«ng S¬n", "tcvn3"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni"),
    ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "vni"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "vni"),
    ("Xaõ Quang Trung", "vni"),
    ("Tröôøng", "vni"),
    ("Xaõ", "vni"),
])
def test_detects_reference_strings(legacy, expected):
    assert looks_like_legacy(legacy) == expected


@pytest.mark.parametrize("legacy", ["Hãa", "sè", "cã", "µm", "5 µm", "l·"])
def test_single_short_words_are_ambiguous(legacy):
    # One legacy word that also reads as a plausible Latin-1 or Vietnamese
    # word (TCVN3 "cã" = "có"), or fewer than three letters: no verdict.
    assert looks_like_legacy(legacy) is None


@pytest.mark.parametrize("text", [
    # proper Unicode Vietnamese
    "Thôn Đông Sơn", "Bỉm Sơn", "Nhà văn hóa", "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Tân Phú", "Cà Mau", "Nhà Bè", "Bà Rịa", unicodedata.normalize("NFD", "Thôn Đông Sơn"),
    # ordinary Latin-1 / cp1252 text
    "Café", "Société Générale", "Zürich", "São Paulo", "Ærø", "Müller", "Señor Muñoz",
    "Curaçao", "naïve", "Noël", "Øresund", "Ångström", "Hanoi – Saigon", "“Quote”",
    "Là où il est", "Æ", "à", "Seán", "Hën", "søn", "Mäe", "più", "Raúl", "naïve",
    "goût", "Straße", "Ísland", "Ålesund", "Citroën", "Curaçao", "Camões", "Asunción",
    "Göteborg och Malmö", "Garçon, l’addition s’il vous plaît", "5 µm thick",
    # ASCII and empty
    "Quang Trung", "Bim Son", "Hello world", "", "12345",
])
def test_not_legacy(text):
    assert looks_like_legacy(text) is None


def test_looks_like_legacy_accepts_bytes():
    assert looks_like_legacy(tcvn3_encode("Thôn Đông Sơn")) == "tcvn3"
    assert looks_like_legacy(vni_encode("Thôn Đông Sơn")) == "vni"
