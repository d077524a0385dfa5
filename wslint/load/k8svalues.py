"""Scalars as Kubernetes reads them.

kubectl and the API server read YAML with go-yaml v2 (through sigs.k8s.io/yaml), a YAML 1.1
reader, and turn what it reads into JSON before they decode it into an object. So a plain
(unquoted, untagged) scalar means what go-yaml v2's `resolve` makes of it:

- null: the empty scalar, `~`, `null`, `Null`, `NULL`;
- booleans: `y`, `yes`, `true`, `on` and `n`, `no`, `false`, `off`, each written all lower
  case, capitalised or all upper case (`Yes`, `OFF`, but not `yEs`);
- integers: Go's `strconv.ParseInt` with base 0 on the text without its underscores, so
  decimal, `0x` hexadecimal, `0o` or leading-zero octal (`010` is 8), `0b` binary, each with a
  sign; up to 2**64 - 1;
- floats: decimal with a fraction or an exponent (`1.5`, `1e3`, `.5`), `.inf`, `-.inf`,
  `.nan` (and their capitalised and upper-case forms); `08` is the float 8.0, not octal;
- anything else is a string: timestamps, sexagesimal numbers (`190:20:30`), numbers out of
  range (`1e400`).

Then the JSON step: Go writes a whole float as an integer (`10.0` as `10`) and Kubernetes
reads an integer that does not fit in 64 signed bits as a float. That is what a field finally
holds: `replicas: 10.0` is 10 replicas, `replicas: 010` is 8.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

_INF, _NAN = float("inf"), float("nan")
# go-yaml v2's table of whole scalars, looked up for any scalar that starts with a sign, a digit,
# a dot or one of `yYnNtTfFoO~` (or is empty): anything else skips it.
_TABLE: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
                    True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off",
                     "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), _NAN),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), _INF),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -_INF),
}
_IN_TABLE = frozenset("yYnNtTfFoO~")
_NUMERIC = frozenset("+-0123456789")
# go-yaml's own test of a decimal float, on the text without underscores.
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
# Go's float syntax for a text that starts with a dot; `_underscores_ok` then requires a digit
# after the dot and after the `e`.
_DOT_FLOAT = re.compile(r"\.[0-9_]+(?:[eE][-+]?[0-9_]+)?\Z")
_DIGITS = {2: re.compile(r"[01]*\Z"), 8: re.compile(r"[0-7]*\Z"), 10: re.compile(r"[0-9]*\Z"),
           16: re.compile(r"[0-9a-fA-F]*\Z")}
# How many digits (past leading zeros) a number below 2**64 has at most, by base.
_MAX_DIGITS = {2: 64, 8: 22, 10: 20, 16: 16}
_UINT64_LIMIT = 2 ** 64
_INT64_LIMIT = 2 ** 63


def _parse_uint(text: str, base: int = 0) -> int | None:
    """Go's strconv.ParseUint(text, base, 64) on a text without underscores; None for an
    error (a syntax error or out of range)."""
    if not text:
        return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefix = text[1:2].lower()
            if len(text) >= 3 and prefix in ("b", "o", "x"):
                base, text = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
            else:
                base, text = 8, text[1:]
    if not _DIGITS[base].match(text):
        return None
    digits = text.lstrip("0")
    if len(digits) > _MAX_DIGITS[base]:
        return None
    value = int(digits, base) if digits else 0
    return value if value < _UINT64_LIMIT else None


def _parse_int(text: str, base: int = 0) -> int | None:
    """Go's strconv.ParseInt(text, base, 64); None for an error."""
    negative = text[:1] == "-"
    if text[:1] in ("+", "-"):
        text = text[1:]
    value = _parse_uint(text, base)
    if value is None or value >= _INT64_LIMIT + negative:
        return None
    return -value if negative else value


def _underscores_ok(text: str) -> bool:
    """Go's rule for underscores in a number: each one between two digits."""
    saw = "^"
    for character in text.lstrip("+-"):
        if character.isdigit():
            saw = "0"
        elif character == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
    return saw != "_"


def _finite(text: str) -> float | None:
    """The float of a decimal text, or None where Go's ParseFloat reports it out of range."""
    value = float(text)
    return None if math.isinf(value) else value


def go_yaml_scalar(text: str) -> Any:
    """What go-yaml v2 reads a plain scalar as, before the JSON step: None, a bool, an int, a
    float, or the text itself."""
    first = text[:1]
    if first and first not in _NUMERIC and first not in _IN_TABLE and first != ".":
        return text  # most scalars: names, images, paths
    if text in _TABLE:
        return _TABLE[text]
    if first == ".":
        if _DOT_FLOAT.match(text) and _underscores_ok(text):
            value = _finite(text.replace("_", ""))
            if value is not None:
                return value
        return text
    if first not in _NUMERIC:
        return text
    plain = text.replace("_", "")
    value = _parse_int(plain)
    if value is None:
        value = _parse_uint(plain)
    if value is not None:
        return value
    if _YAML_STYLE_FLOAT.match(plain):
        number = _finite(plain)
        if number is not None:
            return number
    if plain.startswith("0b"):
        # ParseInt with base 2 takes a sign after the prefix (`0b-101` is -5).
        value = _parse_int(plain[2:], 2)
        if value is None:
            value = _parse_uint(plain[2:], 2)
        if value is not None:
            return value
    elif plain.startswith("-0b"):
        value = _parse_int("-" + plain[3:], 2)
        if value is not None:
            return value
    return text


def json_value(value: Any) -> Any:
    """The value after Kubernetes' JSON step: a whole float within 64 signed bits is the integer
    Go writes for it, an integer beyond them the float Kubernetes reads back."""
    if type(value) is float:
        if value.is_integer() and -_INT64_LIMIT <= value < _INT64_LIMIT:
            return int(value)
    elif type(value) is int and not -_INT64_LIMIT <= value < _INT64_LIMIT:
        return float(value)
    return value


# plain_scalar's values by text, bounded. A hot loop may look a text up here before calling it.
PLAIN_VALUES: dict[str, Any] = {}


def plain_scalar(text: str) -> Any:
    """The value Kubernetes gets for a plain scalar."""
    value = PLAIN_VALUES.get(text, PLAIN_VALUES)
    if value is PLAIN_VALUES:
        value = json_value(go_yaml_scalar(text))
        if len(PLAIN_VALUES) < 50_000:
            PLAIN_VALUES[text] = value
    return value


_STANDARD_TAG = "tag:yaml.org,2002:"


def tagged_scalar(tag: str, text: str) -> Any:
    """The value of a scalar with an explicit tag (`!!int "8"`), quoted or not. The standard
    types are honoured as go-yaml v2 honours them; a value its tag does not fit (go-yaml refuses
    the document) and any other tag (`!!python/...` included) leave the text as a string:
    nothing is ever constructed from a tag."""
    short = tag[len(_STANDARD_TAG):] if tag.startswith(_STANDARD_TAG) else None
    if short in ("int", "float", "bool", "null"):
        value = go_yaml_scalar(text)
        kind = type(value)
        if short == "float" and kind is int:
            value, kind = float(value), float
        if kind is {"int": int, "float": float, "bool": bool, "null": type(None)}[short]:
            return json_value(value)
    elif short == "binary":
        try:
            data = base64.b64decode(re.sub("[\r\n]", "", text), validate=True)
        except (binascii.Error, ValueError):
            return text
        return data.decode("utf-8", errors="replace")  # JSON carries text, not bytes
    return text
