"""A bounded fuzz run over mutations of real manifests (../shared/corpus/realworld), for CI:

    python tests/fuzz_corpus.py [--seconds 90] [--seed 1] [--corpus DIR] [--save DIR]

Each input is a corpus file mutated at the byte level (YAML's significant characters inserted,
spans dropped, repeated or swapped between files, control characters, NUL and invalid UTF-8,
tabs, CR line ends, byte-order marks, anchors and aliases, long lines, deep nesting) and linted
in this process, with every output format. An input fails when linting raises, reports an
internal error, takes longer than `--timeout` seconds, gives a finding of an unknown rule, without
a message or outside the file, or an output that is not printable text, valid JSON, or GitHub
workflow commands that a manifest cannot forge. Each failing input is written to
tests/fixtures/hostile/ (named by its hash), where tests/test_hostile.py lints it on every run
from then on; the exit status is 1 when any input failed. The sequence of inputs depends only on
the seed: a failure found in CI is found again locally with the same seed.

Not part of the pytest run (its file name does not start with `test_`); `.ci/run` runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import signal
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wslint.engine import Linter
from wslint.settings import Settings  # noqa: E402
from wslint.model import Source  # noqa: E402
from wslint.engine.plugins import Plugins  # noqa: E402
from wslint.report import ReportSettings  # noqa: E402
from wslint.report.github import GithubReporter  # noqa: E402
from wslint.report.json import JsonReporter  # noqa: E402
from wslint.report.sarif import SarifReporter  # noqa: E402
from wslint.report.text import TextReporter  # noqa: E402
from wslint.load.sources import LoadedSource, decode, load_source  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
CORPUS = ROOT.parent / "shared" / "corpus" / "realworld"

SIGNIFICANT = [b"\n", b" ", b"  ", b"\t", b"- ", b"-", b": ", b":", b"[", b"]", b"{", b"}", b",",
               b"&a ", b"*a", b"!", b"!!python/object/apply:os.system ", b"|", b">", b"'", b'"',
               b"#", b"%YAML 1.1\n", b"? ", b"---\n", b"...\n", b"<<: *a\n", b"{{ .Values.x }}",
               b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\xc2\x85",
               b"\xe2\x80\xa8", b"\x1b[2J", b"\\", b"\\x1b", b"%0A::error::x", b"0x1F", b"~"]
BOMB = (b"l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
    b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 9) + b"]\n" for i in range(1, 9)))


class Hang(Exception):
    pass


def mutate(data: bytes, other: bytes, rng: random.Random) -> bytes:
    """A few random edits of `data` (`other`: another corpus file to splice from)."""
    for _ in range(rng.choice([1, 1, 2, 3, 5, 8])):
        at = rng.randrange(len(data) + 1)
        edit = rng.randrange(13)
        if edit == 0:
            data = data[:at] + rng.choice(SIGNIFICANT) + data[at:]
        elif edit == 1:
            data = data[:at] + data[at + rng.randrange(1, 80):]
        elif edit == 2:
            data = data[:at] + data[at:at + rng.randrange(1, 200)] * rng.randrange(2, 5) + data[at:]
        elif edit == 3:
            start = rng.randrange(len(other) + 1)
            data = data[:at] + other[start:start + rng.randrange(1, 400)] + data[at:]
        elif edit == 4:
            data = data[:at]
        elif edit == 5 and data:
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
        elif edit == 6:
            data = data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\t", b"\n\n"]), rng.randrange(1, 50))
        elif edit == 7:
            line = data.rfind(b"\n", 0, at) + 1
            data = data[:line] + BOMB + data[line:]
        elif edit == 8:
            depth = rng.choice([10, 500, 2000])
            data = data[:at] + b"[" * depth + b"]" * depth + data[at:]
        elif edit == 9:
            data = data[:at] + b"x" * rng.choice([1000, 100_000]) + data[at:]
        elif edit == 10:  # an anchor on a value and aliases of it further on
            colon = data.find(b": ", at)
            if colon >= 0:
                data = data[:colon + 2] + b"&z " + data[colon + 2:]
                for _ in range(rng.randrange(1, 4)):
                    later = data.find(b": ", rng.randrange(colon, len(data) + 1))
                    end = data.find(b"\n", later)
                    if later >= 0 and end >= 0:
                        data = data[:later + 2] + b"*z" + data[end:]
        elif edit == 11:
            data = b"\xef\xbb\xbf" + data if rng.random() < 0.5 else data.decode(
                "utf-8", "replace").encode(rng.choice(["utf-16", "utf-32", "latin-1"]), "replace")
        else:
            data = data[:at] + rng.choice([b"\x1b]0;x\x07", "\u202e".encode(), b"\x9b"]) + data[at:]
    return data


def check(data: bytes, linter: Linter, codes: set[str]) -> None:
    """Lint `data` as a file; raise AssertionError for a broken invariant."""
    text, problem = decode(data)
    source = Source("fuzz.yaml", text)
    loaded = load_source(source) if text else LoadedSource(source)
    if problem is not None:
        loaded.problems.append(problem)
    result = linter.lint_loaded([loaded])
    assert not result.internal_errors, result.internal_errors[:2]
    lines = text.split("\n")
    for finding in result.findings:
        assert finding.code in codes, finding
        assert isinstance(finding.message, str) and finding.message.strip(), finding
        if problem is None:
            assert 1 <= finding.line <= len(lines), (finding, len(lines))
            assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
    outputs = {}
    for name, reporter in (("text", TextReporter), ("json", JsonReporter),
                           ("sarif", SarifReporter), ("github", GithubReporter)):
        out = io.StringIO()
        reporter(out, ReportSettings(rules=linter.all_rules)).report(result)
        outputs[name] = out.getvalue()
    assert all(ch == "\n" or ch.isprintable() for ch in outputs["text"]), "unprintable text"
    for name in ("json", "sarif"):
        outputs[name].encode("ascii")
        json.loads(outputs[name], parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    commands = [line for line in outputs["github"].split("\n") if line.startswith(("::", "##["))]
    assert len(commands) == len(result.findings), "a workflow command too many or too few"
    for line in commands:
        assert re.fullmatch(r"::(error|warning|notice) [A-Za-z]+=[^:\r]*::[^\r]*", line), line[:200]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20, help="seconds one input may take")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--save", type=Path, default=FIXTURES)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"fuzz: skipped ({args.corpus} is not here; it lives beside the repository)")
        return 0
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))
    corpus = [p.read_bytes() for p in files]
    linter = Linter(Settings(jobs=1))
    codes = {rule.code for rule in Plugins(third_party=False).rules()}
    rng = random.Random(args.seed)

    def hang(signum, frame):
        raise Hang(f"took longer than {args.timeout} s")

    current = [b""]

    def save(data: bytes) -> Path:
        args.save.mkdir(parents=True, exist_ok=True)
        path = args.save / (hashlib.sha256(data).hexdigest()[:16] + ".yaml")
        path.write_bytes(data)
        return path

    def stopped(signum, frame):  # killed from outside (CI's timeout): keep what was running
        print(f"fuzz: stopped while linting an input, saved as {save(current[0])}")
        sys.exit(1)

    signal.signal(signal.SIGALRM, hang)
    signal.signal(signal.SIGTERM, stopped)
    started, count, failures = time.monotonic(), 0, []
    while time.monotonic() - started < args.seconds:
        data = current[0] = mutate(rng.choice(corpus), rng.choice(corpus), rng)
        count += 1
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            check(data, linter, codes)
        except BaseException as error:  # noqa: B036 - a hang, a crash, a broken invariant
            if isinstance(error, KeyboardInterrupt):
                raise
            signal.setitimer(signal.ITIMER_REAL, 0)
            path = save(data)
            failures.append(path)
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            print(f"fuzz: input {count} failed, saved as {path}: {detail[:500]}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.monotonic() - started
    print(f"fuzz: {count} inputs from {len(files)} corpus files in {elapsed:.0f} s (seed "
          f"{args.seed}): {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
