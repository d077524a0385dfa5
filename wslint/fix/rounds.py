"""The rounds of `--fix`: lint, apply the edits of the applicable fixes, re-lint, and repeat until no
fix applies (at most `MAX_ROUNDS` rounds): one fix can call for another (a preStop sleep
lengthens the shutdown, so the grace period may become too short). The lints of the rounds run
only the rules whose fixes may apply; the last one then runs the others (`RoundLint`)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from wslint.fix.errors import FixError
from wslint.fix.file import FileFix
from wslint.load.sources import LoadedSource, load_source
from wslint.model import Applicability, Finding, LintResult, Source, applicable

MAX_ROUNDS = 10
WRITERS = 8  # threads writing files


@dataclass
class FixOutcome:
    result: LintResult  # the findings left after fixing
    files: list[FileFix]  # the files whose text changed, in input order
    fixed: int  # findings whose fix was applied
    notices: list[str]  # fixes not applied, files not fixed: why
    rounds: int
    converged: bool
    errors: list[str] = field(default_factory=list)  # files that could not be written: why
    session: Any = field(default=None, repr=False)
    written: bool = False  # whether `write` ran

    @property
    def documents_placed(self) -> int:
        """Edited documents whose edits were placed from positions."""
        return sum(len(file.placers) for file in self.session.files.values())

    @property
    def documents_round_tripped(self) -> int:
        """Edited documents that went through ruamel.yaml's round trip."""
        return sum(file.round_tripped for file in self.session.files.values())

    def write(self) -> None:
        """Write the changed files (standard input aside: its fixed text is the caller's to
        print), once. A file that cannot be written stays as it is, with an error; then the
        run is linted once more, so that the findings and the counts are those of the files
        as they are on disk."""
        if not self.written:
            self.session.write(self)


def fixing_codes(linter: Any, unsafe: bool) -> frozenset[str]:
    """The rules whose fixes `--fix` may apply (with `unsafe`, `--unsafe-fixes`): a fix is
    never safer than its rule's `fix-safety` (`wslint.engine.run`), so the others' never do."""
    allowed = (Applicability.SAFE, Applicability.UNSAFE) if unsafe else (Applicability.SAFE,)
    return frozenset(rule.code for rule in linter.rules if rule.fix_safety in allowed)


def every_rule(linter: Any, checks: list[Finding], codes: frozenset[str] | None,
               run: Callable[[frozenset[str] | None], list[Finding]],
               result: LintResult) -> list[Finding]:
    """The findings of every rule's checks, given `checks`, those of the rules in `codes` (None:
    of every rule already); `run(codes)` runs the checks of those rules (None: of all), with
    their internal errors into `result`. Finishing findings sorts them, so those of some rules
    and then the others' finish as one run's do; internal errors are not sorted, so where
    checks of both kinds failed they are all run again, in one run's order."""
    if codes is None:
        return checks
    others = frozenset(rule.code for rule in linter.rules) - codes
    if not others:
        return checks
    failed = len(result.internal_errors)
    more = run(others)
    if failed and len(result.internal_errors) > failed:
        del result.internal_errors[:]
        return run(None)
    return checks + more


class RoundLint:
    """A lint of the input as the rounds so far left it. A round needs only the findings whose
    fixes may apply: the rules that can give them (`codes`) run first, for `findings`; `whole`
    then runs the other rules over the same graph, for the findings of the run, those of
    `Linter.lint_loaded`. Where a run takes three lints (two rounds of fixes, then the one that
    finds nothing left), the other rules run once instead of three times."""

    def __init__(self, linter: Any, loaded: list[LoadedSource], context: list[LoadedSource],
                 codes: frozenset[str]) -> None:
        self.linter, self.loaded, self.context, self.codes = linter, loaded, context, codes
        self.everything = list(loaded) + list(context)
        self.result = linter.new_result(loaded)
        self.inputs = linter.input_findings(loaded)
        self.objects, self.graph = linter.graph_of(self.everything)
        self.checks = self._checks(codes) if codes else []
        self.findings = self._finish(self.checks, replace(self.result)).findings

    def _checks(self, codes: frozenset[str] | None) -> list[Finding]:
        return self.linter.checks_of(self.everything, self.objects, self.graph, self.result,
                                     codes)

    def _finish(self, checks: list[Finding], result: LintResult) -> LintResult:
        findings = self.inputs + checks + self.linter.relations_refused(self.graph)
        return self.linter.finish(self.loaded, findings, result, reported_only=bool(self.context))

    def whole(self) -> LintResult:
        checks = every_rule(self.linter, self.checks, self.codes, self._checks, self.result)
        return self._finish(checks, self.result)


class _LintLoaded:
    """A lint of the input by the linter's own `lint_loaded` (a caller's linter may change
    what that reports: an editor keeps one finding)."""

    def __init__(self, linter: Any, loaded: list[LoadedSource],
                 context: list[LoadedSource]) -> None:
        self.result = linter.lint_loaded(loaded, context)
        self.findings = self.result.findings

    def whole(self) -> LintResult:
        return self.result


@dataclass
class Session:
    """The state of one run of `--fix`. `run` is the whole run in this process; the steps it
    takes are also those of a process that fixes only the files it `owns` (`wslint.fix.run`)."""

    linter: Any
    loaded: list[LoadedSource]
    context: list[LoadedSource]
    unsafe: bool
    roots: list[str] | None  # the real paths a file must be in to be written; None: any
    max_rounds: int = MAX_ROUNDS
    # The places in `loaded` of the files this session fixes; None: all of them.
    owns: range | None = None
    # Whether its lints may take the linter's steps (`Linter.new_result`, `run_checks`...)
    # rather than its `lint_loaded`, and run only the rules whose fixes may apply.
    steps: bool = False
    files: dict[str, FileFix] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    notices: dict[str, None] = field(default_factory=dict)
    # The notices of the current round, each with where one process would have said it: at its
    # finding (fixes are applied in the order of the findings), then at its file (rendering).
    said: list[tuple[tuple, str]] = field(default_factory=list)
    applied: list[tuple[Finding | None, frozenset[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.original = list(self.loaded)
        self.position = {item.source.path: index for index, item in enumerate(self.loaded)}
        self.codes = fixing_codes(self.linter, self.unsafe)

    def _notice(self, message: str, at: tuple) -> None:
        self.notices[message] = None
        self.said.append((at, message))

    def run(self) -> FixOutcome:
        for rounds in range(1, self.max_rounds + 1):
            lint = RoundLint(self.linter, self.loaded, self.context, self.codes) if self.steps \
                else _LintLoaded(self.linter, self.loaded, self.context)
            if not self.round(lint.findings):
                return self.outcome(lint.whole(), rounds)
        return self.outcome(self.linter.lint_loaded(self.loaded, self.context), self.max_rounds + 1)

    def outcome(self, result: LintResult, rounds: int) -> FixOutcome:
        """The outcome of a run whose lint after its last round gave `result`; `rounds`: that
        lint's round (past the last one allowed: the fixes did not settle)."""
        if rounds <= self.max_rounds:
            return self._outcome(result, rounds, True)
        left = [f for f in result.findings if applicable(f, self.unsafe)]
        if left:
            self.notices[f"fixes did not settle after {self.max_rounds} rounds; "
                         f"{len(left)} fixable finding(s) left"] = None
        return self._outcome(result, self.max_rounds, not left)

    def round(self, findings: list[Finding]) -> set[str]:
        """Apply the fixes of `findings` (those of a lint of the current text) and render the
        files they change; the paths of those files (none when no fix applied)."""
        return self._render(self._apply(findings))

    def _file(self, path: str, at: tuple) -> FileFix | None:
        if path in self.failed:
            return None
        if path not in self.files:
            source = self.loaded[self.position[path]].source
            try:
                if not (source.is_stdin or self._inside_roots(path)):
                    raise FixError("it is reached through a symlink that leads outside the "
                                   "paths being linted")
                settings = self.linter.settings
                self.files[path] = FileFix(source, settings.max_depth,
                                           settings.max_alias_expansion,
                                           self.original[self.position[path]])
            except Exception as error:  # one file that cannot be fixed never stops the others
                self.failed.add(path)
                self._notice(f"{path}: not fixed: {_why(error)}", at)
                return None
        return self.files[path]

    def _inside_roots(self, path: str) -> bool:
        if self.roots is None:
            return True
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self.roots)

    def _apply(self, findings: list[Finding]) -> set[str]:
        changed: set[str] = set()
        for finding in findings:
            if not applicable(finding, self.unsafe):
                continue
            edits = finding.fix.edits
            if any(e.obj.source.path not in self.position for e in edits):
                continue  # an object of a file this run did not read
            paths = frozenset(e.obj.source.path for e in edits)
            at = (0, finding.sort_key())
            files = {path: self._file(path, at) for path in sorted(paths)}
            if None in files.values():
                continue
            did = False
            for edit in edits:
                path = edit.obj.source.path
                try:
                    if files[path].apply(edit):
                        did = True
                        changed.add(path)
                except Exception as error:
                    self._notice(f"{finding.file}:{finding.line}:{finding.column}: "
                                 f"{finding.code} not fixed: {_why(error)}", at)
            if did:
                self.applied.append((finding, paths))
        return changed

    def _render(self, paths: set[str]) -> set[str]:
        settings = self.linter.settings
        for path in sorted(paths):
            file = self.files[path]
            at = (1, path)
            try:
                text = file.render()
            except Exception as error:
                self._notice(f"{path}: not fixed: {_why(error)}", at)
                self._give_up(path)
                continue
            refused = file.take_refused()
            for line, reason in refused:
                self._notice(f"{path}:{line}: document not fixed: {reason}", at)
            if refused:
                self.applied = [(finding, paths) for finding, paths in self.applied
                                if not any(e.obj.source.path == path
                                           and e.obj.doc_index in file.refused
                                           for e in finding.fix.edits)]
            source = file.source
            self.loaded[self.position[path]] = load_source(
                Source(source.path, text, is_stdin=source.is_stdin), settings.max_depth,
                settings.max_alias_expansion, stream=file.parsed)
        return paths

    def _give_up(self, path: str) -> None:
        """The file stays as it was read."""
        self.failed.add(path)
        self.files.pop(path, None)
        self.loaded[self.position[path]] = self.original[self.position[path]]

    def _fixed(self) -> int:
        return sum(1 for _, paths in self.applied if not paths & self.failed)

    def _outcome(self, result: LintResult, rounds: int, converged: bool) -> FixOutcome:
        files = sorted((f for f in self.files.values() if f.fixed != f.text),
                       key=lambda f: self.position[f.source.path])
        return FixOutcome(result, files, self._fixed(), list(self.notices), rounds, converged,
                          session=self)

    def write(self, outcome: FixOutcome, failures: dict[str, str | None] | None = None) -> None:
        """Write the outcome's files and settle what could not be written (see
        `FixOutcome.write`); `failures`: the files written already, and why each could not be
        (None: it was), when they were written elsewhere (`wslint.fix.run`)."""
        outcome.written = True
        if failures is None:
            failures = write_files(outcome.files)
        unwritten = []
        for file in outcome.files:
            failure = failures.get(file.source.path)
            if failure is not None:
                outcome.errors.append(f"{file.source.path}: not written: {failure}")
                unwritten.append(file.source.path)
        if not unwritten:
            return
        for path in unwritten:
            self._give_up(path)
        outcome.files = [f for f in outcome.files if f.source.path not in self.failed]
        outcome.fixed = self._fixed()
        outcome.result = self.linter.lint_loaded(self.loaded, self.context)


def write_files(files: list[FileFix]) -> dict[str, str | None]:
    """Write the files (standard input aside); why each could not be written, by path (None:
    it was)."""
    files = [file for file in files if not file.source.is_stdin]
    # Each write waits for its file to reach the disk (fsync): the waits overlap in threads.
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return dict(zip([file.source.path for file in files], pool.map(_write, files)))


def _write(file: FileFix) -> str | None:
    """Write one file; why it could not be, or None."""
    try:
        file.write()
    except (FixError, OSError) as error:
        return error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return None


def _why(error: Exception) -> str:
    if isinstance(error, FixError):
        return str(error)
    text = str(error).strip()
    detail = f": {text.splitlines()[0]}" if text else ""
    return f"an internal error ({type(error).__name__}{detail})"
