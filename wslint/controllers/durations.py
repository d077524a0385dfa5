"""Durations as each controller writes them, in seconds. Every parser returns None for text the
controller would not accept, so a check can tell "too short" from "not a duration at all"."""

from __future__ import annotations

import math
import re

_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
# nginx's time syntax: units ms s m h d w M y, several parts allowed ("1h 30m"); no unit: seconds.
_NGINX_UNITS = {"ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
                "M": 2592000, "y": 31536000}
_NGINX_PART = re.compile(r"(\d{1,18})(ms|s|m|h|d|w|M|y)?")  # int() refuses 4300 digits
# HAProxy's time syntax: one number with an optional unit us ms s m h d; no unit: milliseconds.
_HAPROXY = re.compile(r"(\d{1,18})(us|ms|s|m|h|d)?")
_HAPROXY_UNITS = {"us": 1e-6, "ms": 1e-3, None: 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
INFINITE = ("infinity", "infinite")


def go_duration(text: str) -> float | None:
    """A Go `time.ParseDuration` string ("1h", "90s", "1h30m", "1.5h", "0"), as used by Contour,
    Istio and Kubernetes CRDs."""
    text = text.strip()
    if text in ("0", "+0", "-0"):
        return 0.0
    if not text or text[0] == "-":
        return None
    position, total = (1 if text[0] == "+" else 0), 0.0
    while position < len(text):  # match at each position: searching ahead is quadratic
        match = _GO_PART.match(text, position)
        if match is None:
            return None
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        position = match.end()
    # Go refuses a duration past 2^63 - 1 ns (some 292 years): "invalid duration".
    return total if position == len(text) and position > 0 and total <= 9.2e9 else None


def contour_duration(text: str) -> float | None:
    """Contour's timeout values: a Go duration, or `infinity`/`infinite` (no timeout)."""
    if text.strip().lower() in INFINITE:
        return math.inf
    return go_duration(text)


def nginx_time(text: str) -> float | None:
    """nginx's time syntax, used by NGINX Inc's `nginx.org/*-timeout` annotations."""
    parts = text.split()
    if not parts:
        return None
    total = 0.0
    for part in parts:
        position = 0
        while position < len(part):
            match = _NGINX_PART.match(part, position)
            if match is None:
                return None
            total += int(match.group(1)) * _NGINX_UNITS[match.group(2) or "s"]
            position = match.end()
    return total


def haproxy_time(text: str) -> float | None:
    """HAProxy's time syntax, used by HAProxy Ingress keys ("time with suffix")."""
    match = _HAPROXY.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * _HAPROXY_UNITS[match.group(2)]


def integer(text: object) -> int | None:
    """A whole number written as such ("3600", 3600), as `strconv.Atoi` accepts it."""
    if type(text) is int:
        return text
    if isinstance(text, str) and re.fullmatch(r"[+-]?\d{1,19}", text.strip()):
        return int(text.strip())
    return None


def seconds_text(value: float) -> str:
    """3600 -> "3600 s (1 h)"; small values stay plain."""
    if value == math.inf:
        return "no limit"
    plain = f"{value:g} s"
    if value >= 3600 and value % 3600 == 0:
        return f"{plain} ({value / 3600:g} h)"
    if value >= 60 and value % 60 == 0:
        return f"{plain} ({value / 60:g} min)"
    return plain
