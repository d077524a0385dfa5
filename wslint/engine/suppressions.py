"""Suppressions: findings a user has silenced on purpose, and the trail they leave.

Three ways to silence a finding, all applied in one place (the engine, after every check and
input rule has run), so that built-in rules, plugins and custom rules all honour them:

- the annotation `wslint.io/ignore: "WS202,missing-session-affinity"` on an object or on its pod
  template silences those rules for that object (reason in `wslint.io/ignore-reason`);
- a comment `# wslint: disable=WS201` at the end of a line silences the rule on that line; on a
  line of its own, on the next line that is not a comment; `# wslint: disable-file=WS301`
  anywhere silences the rule in the whole file. Text after the rule list is the reason;
- an `exemptions` entry in the configuration (by object kind, namespace and name globs).

Rules are named as everywhere else: a code, a code prefix (`WS2`), a name, or `ALL`. A comment or
annotation that silences nothing is reported as WS903 (unused-suppression), so stale ones get
cleaned up; so is a `# wslint:` comment that is not a valid directive.

Comments are found by scanning the source text, since the YAML loader drops them: a `#` counts
only where YAML would read a comment (never inside a quoted or block scalar), which libyaml's own
event marks tell.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Iterable

from _ruamel_yaml import CParser
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import ScalarEvent

from wslint.k8s.objects import WorkloadKind, workload_kind_of
from wslint.model import Exemption, Finding, Fix, KObject, ObjRef, Severity, Source, format_path
from wslint.catalog.rules import Rule

IGNORE_ANNOTATION = "wslint.io/ignore"
REASON_ANNOTATION = "wslint.io/ignore-reason"
UNUSED_CODE = "WS903"
MARKER = "wslint:"

# `# wslint: disable=WS201, WS202 -- reason` / `# wslint: disable-file=WS301 reason`
_COMMENT_START = re.compile(r"(?:^|(?<=\s))#\s*wslint:")
_DIRECTIVE = re.compile(
    r"#\s*wslint:\s*(?P<kind>disable-file|disable)\s*=\s*"
    r"(?P<rules>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)(?P<rest>.*)$")
_SELECTOR = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class Directive:
    """One suppression written in a manifest: a comment, or an ignore annotation."""

    scope: str  # "line", "file" or "object"
    file: str
    line: int  # where it is written
    column: int
    text: str  # as written, for messages
    selectors: list[tuple[str, int]]  # (rule selector, column where it is written)
    target_line: int | None = None  # the line a "line" directive applies to
    obj: KObject | None = None  # the object an "object" directive applies to
    path: tuple = ()  # the annotation's field path
    reason: str | None = None
    used: set[str] = field(default_factory=set)
    malformed: bool = False

    def where(self, selector: str) -> str:
        if self.scope == "line":
            return f"no {selector} finding on line {self.target_line}"
        if self.scope == "file":
            return f"no {selector} finding in this file"
        return f"no {selector} finding for {self.obj.ref}"


@dataclass
class SuppressionOutcome:
    kept: list[Finding]
    suppressed: int
    unused: list[Finding]  # WS903 findings (already filtered by suppressions themselves)


# --- finding the directives -------------------------------------------------------------------

def _quoted_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) marks (0-based line, column) of every quoted or block scalar: a `#` inside
    one is text, not a comment. Plain scalars cannot hold ` #`. After a syntax error the spans
    found so far are kept."""
    spans = []
    parser = CParser(text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                break
            if isinstance(event, ScalarEvent) and event.style:
                start, end = event.start_mark, event.end_mark
                spans.append(((start.line, start.column), (end.line, end.column)))
    except YAMLError:
        pass
    finally:
        parser.dispose()
    return spans


def _inside(spans: list, starts: list, position: tuple[int, int]) -> bool:
    index = bisect.bisect_right(starts, position) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def comment_directives(source: Source) -> list[Directive]:
    """The `# wslint:` comments of a source. Only texts holding the marker are scanned."""
    text = source.text
    if MARKER not in text:
        return []
    lines = text.splitlines()
    spans = _quoted_spans(text)
    starts = [span[0] for span in spans]
    directives = []
    for index, line in enumerate(lines):
        if MARKER not in line:
            continue
        for match in _COMMENT_START.finditer(line):
            if _inside(spans, starts, (index, match.start())):
                continue
            directives.append(_parse_comment(source.path, lines, index, match.start()))
            break  # the rest of the line is this comment
    return directives


def _parse_comment(path: str, lines: list[str], index: int, start: int) -> Directive:
    line = lines[index]
    comment = line[start:].rstrip()
    own_line = not line[:start].strip()
    match = _DIRECTIVE.match(comment)
    if match is None:
        return Directive("line", path, index + 1, start + 1, comment, [], malformed=True)
    selectors = []
    base = start + match.start("rules")
    for selector in _SELECTOR.finditer(match.group("rules")):
        selectors.append((selector.group(), base + selector.start() + 1))
    reason = match.group("rest").strip().lstrip("-–—:#").strip() or None
    if match.group("kind") == "disable-file":
        return Directive("file", path, index + 1, start + 1, comment, selectors, reason=reason)
    target = index + 1
    if own_line:  # applies to the next line that is not itself a comment
        target = index + 2
        while target <= len(lines) and lines[target - 1].lstrip().startswith("#"):
            target += 1
    return Directive("line", path, index + 1, start + 1, comment, selectors, target_line=target,
                     reason=reason)


def annotation_directives(obj: KObject, workload_kinds: dict[str, WorkloadKind]) -> list[Directive]:
    """`wslint.io/ignore` on the object and on its pod template (for workloads)."""
    places = [("metadata", "annotations")]
    kind = workload_kind_of(obj, workload_kinds)
    if kind is not None and kind.template_path:
        places.append(kind.template_path + ("metadata", "annotations"))
    directives = []
    for place in places:
        annotations = obj.get(*place)
        if not isinstance(annotations, dict) or IGNORE_ANNOTATION not in annotations:
            continue
        path = place + (IGNORE_ANNOTATION,)
        line, column = obj.locate(path)
        value = annotations[IGNORE_ANNOTATION]
        reason = annotations.get(REASON_ANNOTATION)
        text = f"{IGNORE_ANNOTATION}: {json.dumps(value)}" if isinstance(value, str) else IGNORE_ANNOTATION
        if not isinstance(value, str):
            directives.append(Directive("object", obj.source.path, line, column, text, [], obj=obj,
                                        path=path, malformed=True))
            continue
        selectors = [(item.strip(), column) for item in value.split(",") if item.strip()]
        directives.append(Directive("object", obj.source.path, line, column, text, selectors,
                                    obj=obj, path=path, malformed=not selectors,
                                    reason=reason if isinstance(reason, str) else None))
    return directives


# --- applying them ----------------------------------------------------------------------------

class Suppressions:
    """Every directive of one run's reported sources, plus the configured exemptions."""

    def __init__(self, sources: Iterable[tuple[Source, list[KObject]]],
                 workload_kinds: dict[str, WorkloadKind], exemptions: Iterable[Exemption] = ()) -> None:
        self.exemptions = list(exemptions)
        self.directives: list[Directive] = []
        self._by_line: dict[tuple[str, int], list[Directive]] = {}
        self._by_file: dict[str, list[Directive]] = {}
        self._by_object: dict[tuple[str, ObjRef], list[Directive]] = {}
        # Where each copy of an object starts, for a file that holds one object several times.
        self._starts: dict[tuple[str, ObjRef], list[int]] = {}
        scanned: set[str] = set()
        every_object: list[KObject] = []
        for source, objects in sources:
            # A rendered input (kustomize) keeps each object's own file as its source: the
            # comments to honour are in those files.
            for text_source in [source, *(obj.source for obj in objects)]:
                if text_source.path not in scanned:
                    scanned.add(text_source.path)
                    for directive in comment_directives(text_source):
                        self._add(directive)
            every_object += objects
            for obj in objects:
                for directive in annotation_directives(obj, workload_kinds):
                    self._add(directive)
        if self._by_object:  # only objects with directives are asked where their copies start
            for obj in every_object:
                key = (obj.source.path, obj.ref)
                if key in self._by_object:
                    self._starts.setdefault(key, []).append(obj.data.line)

    def _add(self, directive: Directive) -> None:
        self.directives.append(directive)
        if directive.malformed:
            return
        if directive.scope == "line":
            self._by_line.setdefault((directive.file, directive.target_line), []).append(directive)
        elif directive.scope == "file":
            self._by_file.setdefault(directive.file, []).append(directive)
        else:
            key = (directive.file, directive.obj.ref)
            self._by_object.setdefault(key, []).append(directive)

    def __bool__(self) -> bool:
        return bool(self.directives or self.exemptions)

    def _candidates(self, finding: Finding) -> list[Directive]:
        found = list(self._by_line.get((finding.file, finding.line), ()))
        found += self._by_file.get(finding.file, ())
        if finding.object is not None:
            key = (finding.file, finding.object)
            owners = self._by_object.get(key, ())
            if owners:
                # The same object twice in one file: the copy whose document holds the finding.
                starts = self._starts.get(key) or [d.obj.data.line for d in owners]
                before = [line for line in starts if line <= finding.line]
                start = max(before) if before else min(starts)
                found += [d for d in owners if d.obj.data.line == start]
        return found

    def silences(self, finding: Finding, rule: Rule, exclude: Directive | None = None) -> bool:
        """Whether anything silences `finding`; every directive that does is marked used."""
        silenced = False
        for directive in self._candidates(finding):
            if directive is exclude:
                continue
            for selector, _column in directive.selectors:
                if rule.matches(selector):
                    directive.used.add(selector)
                    silenced = True
        if not silenced and finding.object is not None:
            silenced = any(rule.matches(s) for e in self.exemptions if e.covers(finding.object)
                           for s in e.rules)
        return silenced

    def apply(self, findings: list[Finding], rules: dict[str, Rule], enabled: set[str],
              severity: Severity | None = None) -> SuppressionOutcome:
        """Split `findings` into kept and suppressed, then report the directives that silenced
        nothing (when WS903 is `enabled`), themselves subject to suppression."""
        kept = [f for f in findings if f.code not in rules or not self.silences(f, rules[f.code])]
        suppressed = len(findings) - len(kept)
        unused_rule = rules.get(UNUSED_CODE)
        if unused_rule is None or UNUSED_CODE not in enabled:
            return SuppressionOutcome(kept, suppressed, [])
        candidates = self._unused(rules, enabled, unused_rule, severity or unused_rule.severity)
        unused = []
        for directive, selector, finding in candidates:
            if self.silences(finding, unused_rule, exclude=directive):
                suppressed += 1
            else:
                unused.append((directive, selector, finding))
        # A directive that silenced a WS903 finding was used after all.
        unused = [f for d, s, f in unused if s is None or s not in d.used]
        return SuppressionOutcome(kept, suppressed, unused)

    def _unused(self, rules: dict[str, Rule], enabled: set[str], rule: Rule,
                severity: Severity) -> list[tuple[Directive, str | None, Finding]]:
        found = []
        for directive in self.directives:
            if directive.malformed:
                expected = ("`# wslint: disable=RULE[,RULE...]` or `# wslint: disable-file=RULE`"
                            if directive.scope != "object" else
                            f'a comma-separated list of rules, e.g. {IGNORE_ANNOTATION}: "WS202"')
                message = f"{_show(directive)} is not a valid suppression: expected {expected}"
                found.append((directive, None, self._finding(rule, severity, directive,
                                                             directive.column, message)))
                continue
            for selector, column in directive.selectors:
                if selector in directive.used:
                    continue
                matching = [code for code, r in rules.items() if r.matches(selector)]
                if not matching:
                    message = (f"{_show(directive)} names {selector!r}, which is no rule "
                               f"(see `wslint rules`)")
                elif not any(code in enabled and code != UNUSED_CODE for code in matching):
                    continue  # the rule did not run: whether it would match is unknown
                else:
                    message = (f"{_show(directive)} silences nothing: {directive.where(selector)}; "
                               f"remove {selector} from it")
                found.append((directive, selector,
                              self._finding(rule, severity, directive, column, message, selector)))
        return found

    @staticmethod
    def _finding(rule: Rule, severity: Severity, directive: Directive, column: int, message: str,
                 selector: str | None = None) -> Finding:
        fix = Fix(f"remove {selector} from the suppression" if selector else
                  "correct the suppression or remove it")
        obj = directive.obj
        return Finding(rule.code, rule.name, severity, message, directive.file, directive.line,
                       column, obj.ref if obj else None, format_path(directive.path), fix)


def _show(directive: Directive) -> str:
    # Cut short: each unused rule of a long list gets its own finding, quoting the directive.
    text = directive.text if len(directive.text) <= 200 else directive.text[:200] + "..."
    if directive.scope == "object":
        return f"{text} on {directive.obj.ref}"
    return f"`{text}`"
