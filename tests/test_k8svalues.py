"""Scalars read as Kubernetes reads them: go-yaml v2's resolution table (resolve.go, and the
scalar cases of its decode_test.go), then the JSON step. Each case: the text of a plain scalar,
what go-yaml v2 makes of it, and what an object field finally holds."""

from __future__ import annotations

import math

import pytest

from wslint.load.k8svalues import go_yaml_scalar, plain_scalar, tagged_scalar
from wslint.load.yamltree import parse_stream

INF = float("inf")
UINT64_MAX = 2 ** 64 - 1
INT64_MIN = -2 ** 63

CASES = [
    # resolve.go's table of whole scalars: booleans in three spellings each, nulls, specials.
    *[(text, True, True) for text in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                     "on", "On", "ON")],
    *[(text, False, False) for text in ("n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                       "off", "Off", "OFF")],
    *[(text, None, None) for text in ("", "~", "null", "Null", "NULL")],
    *[(text, INF, INF) for text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")],
    *[(text, -INF, -INF) for text in ("-.inf", "-.Inf", "-.INF")],
    # Other spellings are strings: the table is looked up whole.
    *[(text, text, text) for text in ("yEs", "oN", "nULL", "TRue", ".Nan", ".iNf", "Yes!",
                                     "NaN", "inf", "+inf", "Infinity", "nil", "None")],
    # Integers: strconv.ParseInt(text without underscores, base 0), then ParseUint.
    ("10", 10, 10), ("-10", -10, -10), ("+12", 12, 12), ("0", 0, 0), ("-0", 0, 0),
    ("010", 8, 8), ("047", 39, 39), ("-012", -10, -10), ("00", 0, 0),
    ("02472256", 685230, 685230), ("0o17", 15, 15), ("0O17", 15, 15),
    ("0xA", 10, 10), ("0x1F", 31, 31), ("0X1f", 31, 31), ("-0x1F", -31, -31),
    ("0x_0A_74_AE", 685230, 685230),
    ("0b10", 2, 2), ("0b101000", 40, 40), ("0B101", 5, 5), ("-0b101010", -42, -42),
    ("0b1010_0111_0100_1010_1110", 685230, 685230),
    ("1_000", 1000, 1000), ("+685_230", 685230, 685230), ("1__0_", 10, 10),
    ("4294967296", 4294967296, 4294967296),
    ("9223372036854775807", 2 ** 63 - 1, 2 ** 63 - 1),
    ("-9223372036854775808", INT64_MIN, INT64_MIN),
    ("-0b1000000000000000000000000000000000000000000000000000000000000000", INT64_MIN, INT64_MIN),
    # Past int64, ParseUint: an integer to go-yaml, a float once Kubernetes reads its JSON.
    ("18446744073709551615", UINT64_MAX, float(UINT64_MAX)),
    ("0b1111111111111111111111111111111111111111111111111111111111111111", UINT64_MAX,
     float(UINT64_MAX)),
    # `0b` followed by a sign: ParseInt with base 2 takes the sign.
    ("0b+101", 5, 5), ("0b-101", -5, -5),
    # Floats: go-yaml's decimal pattern, or Go's float syntax after a leading dot.
    ("0.1", 0.1, 0.1), (".1", 0.1, 0.1), ("-.1", -0.1, -0.1), ("+.5", 0.5, 0.5),
    ("6.8523e+5", 685230.0, 685230), ("685.230_15e+03", 685230.15, 685230.15),
    ("685_230.15", 685230.15, 685230.15), ("123456e1", 1234560.0, 1234560),
    ("123456E1", 1234560.0, 1234560), ("1.", 1.0, 1), ("1.e2", 100.0, 100),
    ("10.0", 10.0, 10), ("1.5", 1.5, 1.5), ("-0.0", -0.0, 0), (".5_5", 0.55, 0.55),
    ("1e-400", 0.0, 0),
    # A leading zero that is not octal falls through to the float pattern.
    ("08", 8.0, 8), ("09.5", 9.5, 9.5),
    # Past uint64 and below int64: floats (a whole one within int64 is an integer again).
    ("18446744073709551616", 2.0 ** 64, 2.0 ** 64),
    ("-9223372036854775809", -2.0 ** 63, INT64_MIN),
    ("1e20", 1e20, 1e20), ("1e18", 1e18, 10 ** 18),
    # Strings: everything else.
    *[(text, text, text) for text in (
        "190:20:30", "1:1", "190:20:30.15", "2015-01-01", "2015-02-24T18:19:39Z",
        "2001-12-14 21:59:43.10 -5", "1e400", "-1e400", ".5e400", "0x", "0b", "0o", "-", "+",
        "+-5", "0x1p3", "0x1G", "0b102", "0o8", "._5", ".5_", "._", ".", ".e5", "1.2.3.4",
        "-b_c", "+b_c", "50cent_of_dollar", "3s", "500m", "1Gi", "8080/TCP", "_1",
        "v1.2", "<<", "=", "0.1.", "1e", "1e+", "--1", "0b-0b1",
        "-0x8000000000000001", "0x10000000000000000")],
]


@pytest.mark.parametrize(("text", "go_yaml", "kubernetes"), CASES,
                         ids=[repr(case[0]) for case in CASES])
def test_plain_scalar(text, go_yaml, kubernetes):
    for got, want in ((go_yaml_scalar(text), go_yaml), (plain_scalar(text), kubernetes)):
        assert type(got) is type(want) and (got == want or math.isnan(want) and math.isnan(got)), \
            (text, got, want)


def test_nan():
    for text in (".nan", ".NaN", ".NAN"):
        assert math.isnan(go_yaml_scalar(text)) and math.isnan(plain_scalar(text))


TAGGED = [
    ("int", "010", 8), ("int", "0x1F", 31), ("int", "1.5", "1.5"), ("int", "yes", "yes"),
    ("float", "1", 1), ("float", "1.5", 1.5), ("float", "-1", -1), ("float", "yes", "yes"),
    ("bool", "yes", True), ("bool", "off", False), ("bool", "1", "1"),
    ("null", "", None), ("null", "~", None), ("null", "x", "x"),
    ("str", "010", "010"), ("str", "yes", "yes"), ("timestamp", "2015-01-01", "2015-01-01"),
    ("binary", "gIGC", "\ufffd\ufffd\ufffd"), ("binary", "aGVs\nbG8=", "hello"),
    ("binary", "not base64!", "not base64!"),
    ("python/object/apply:os.system", "x", "x"),
]


@pytest.mark.parametrize(("tag", "text", "expected"), TAGGED,
                         ids=[f"!!{tag} {text!r}" for tag, text, _ in TAGGED])
def test_tagged_scalar(tag, text, expected):
    got = tagged_scalar("tag:yaml.org,2002:" + tag, text)
    assert type(got) is type(expected) and got == expected


def test_documents_read_scalars_so_and_quotes_keep_strings():
    [document] = parse_stream(
        "a: 010\nb: '010'\nc: \"y\"\nd: y\ne: !!str 0x1F\nf: !!int '010'\ng: |\n  010\n"
        "h: [0b101000, 'off', off]\n? 010\n: octal key\n").documents
    assert document == {"a": 8, "b": "010", "c": "y", "d": True, "e": "0x1F", "f": 8,
                        "g": "010\n", "h": [40, "off", False], 8: "octal key"}
