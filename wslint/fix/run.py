"""The run of `--fix`: its rounds (`wslint.fix.rounds`) in this process or, for large inputs,
shared out over processes (`--jobs`) with the outcome of one process.

Shared out, the processes fork once the files are loaded, so each has every file; each owns a
run of them (about equal in size) and fixes only those. A round is what one process does:

1. every process lints the whole input as it is now, checking only its own objects (the graph
   relates every object) with the rules whose fixes may apply, and finishes its own findings
   as one process would (suppressions, order);
2. it applies their fixes to its own files and renders them;
3. the first process gathers what each changed, with the notices each gave, and hands every
   process the files the others changed, loaded again; another round follows if any did.

After the last round each process runs the other rules on its objects, over the same graph;
the first puts that lint's findings together (input findings, then the checks', in input
order, as one process finds them) and finishes the run over every file, with the files the
others fixed and their notices in the order one process says them: fixes are applied in the
order of the findings, and each notice goes with its finding or file.

A fix that another process's file would have to take (an edit of an object in another file,
or a finding a check reports at another file's object) hands the whole run to one process,
from the start; so does a worker that fails. Nothing is written before the outcome is known;
then, when the run writes its files, each process writes those it fixed.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable

from wslint.engine.forked import fork
from wslint.engine.parallel import (WorkerFailed, add_collected, bounds_by_size, dump,
                                    end_worker, load, names_of, worth_processes)
from wslint.fix.file import FileFix
from wslint.fix.rounds import MAX_ROUNDS, FixOutcome, Session, every_rule, write_files
from wslint.load.sources import STDIN, LoadedSource, load_source
from wslint.model import Finding, KObject, LintResult, Source, applicable


def fix(linter: Any, loaded: list[LoadedSource], context: list[LoadedSource] = (),
        unsafe: bool = False, max_rounds: int = MAX_ROUNDS,
        roots: list[str] | None = None, write: bool = False, share: bool = False) -> FixOutcome:
    """Apply the fixes `--fix` may apply (with `unsafe`, also the unsafe ones) to the loaded
    inputs until none is left; `context` joins the graph and is never changed. With `roots`
    (the paths given), a file whose real path is outside them all (a symlink pointing out of
    the tree) is not fixed. With `write`, the fixed files are written (`FixOutcome.write`);
    otherwise nothing is written here. With `share`, a large input is shared out over the
    linter's `jobs` processes; their lints take the linter's steps (`new_result`,
    `run_checks`, `finish`...) rather than `lint_loaded`, which a caller that changes what
    `lint_loaded` reports (an editor keeping one finding) must not share."""
    real_roots = None if roots is None else [os.path.realpath(r) for r in roots if r != STDIN]

    def session(owns: range | None = None) -> Session:
        return Session(linter, list(loaded), list(context), unsafe, real_roots, max_rounds, owns,
                       steps=share)

    outcome = _in_processes(linter, loaded, context, session, write) if share else None
    if outcome is None:
        outcome = session().run()
        if write:
            outcome.write()
    return outcome


def fix_text(linter: Any, text: str, path: str = "<string>", unsafe: bool = False) -> FixOutcome:
    """Fix YAML given as a string (tests, editors): the outcome's files hold the fixed text."""
    source = Source(path, text, is_stdin=True)
    return fix(linter, [load_source(source, max_depth=linter.settings.max_depth)], unsafe=unsafe)


class _Foreign(Exception):
    """A fix to apply in a file another process owns."""


@dataclass
class _Lint:
    """One process's part of a lint of the whole input."""

    inputs: list[Finding]  # the input findings of its files
    checks: list[Finding]  # the checks' findings on its objects, in input order
    result: LintResult  # what the checks collected besides (internal errors)
    graph: Any  # relating every object (wslint.graph.Graph)
    objects: list[KObject]  # its objects
    codes: frozenset[str] | None  # the rules `checks` are of (None: every rule)

    def complete(self, linter: Any) -> None:
        """Add the findings of the rules a round left out, for the run's findings (see
        `wslint.fix.rounds.RoundLint`)."""
        self.checks = every_rule(
            linter, self.checks, self.codes,
            lambda codes: linter.run_checks(self.objects, self.graph, self.result, codes),
            self.result)
        self.codes = None


def _in_processes(linter: Any, loaded: list[LoadedSource], context: list[LoadedSource],
                  session_of: Callable[[range], Session], write: bool) -> FixOutcome | None:
    """What a session of `loaded` and `context` gives when it runs in this process, its files
    shared out over up to `--jobs` processes when they are worth it (`session_of(owns)`: a
    session fixing only the files at those places in `loaded`); None when one process should
    run it."""
    if context or any(item.source.is_stdin or any(obj.source is not item.source
                                                   for obj in item.objects) for item in loaded):
        return None  # context and renderings (kustomize) are fixed in one process
    sizes = [len(item.source.text) for item in loaded]
    workers = worth_processes(linter, sum(sizes), len(loaded))
    if workers <= 1:
        return None
    bounds = bounds_by_size(sizes, [1.0] * workers)
    try:
        return _run([session_of(range(bounds[n], bounds[n + 1])) for n in range(workers)],
                    write)
    except _Foreign:
        return None
    except WorkerFailed as error:
        print(f"wslint: warning: a worker process failed ({error}); fixing in one process",
              file=sys.stderr)
        return None


def _run(sessions: list[Session], write: bool) -> FixOutcome:
    """The run of `sessions[0]` in this process, each other session in a process forked now."""
    children, connections = [], []
    this = sessions[0]
    writing = False

    def receive(child: int, names: list | None = None) -> tuple:
        try:
            message = load(connections[child].recv_bytes(), names)
        except (EOFError, OSError):
            children[child].join()
            raise WorkerFailed(
                f"a worker exited with status {children[child].exitcode}") from None
        if message[0] == "error":
            raise WorkerFailed(message[1])
        if message[0] == "foreign":
            raise _Foreign
        return message[1:]

    try:
        for session in sessions[1:]:
            child, connection = fork(_serve, session)
            children.append(child)
            connections.append(connection)
        notices: dict[str, None] = {}
        rounds = 0
        while True:
            rounds += 1
            lint, *step = _step(this, rounds)
            steps = [step] + [receive(child) for child in range(len(children))]
            said = [item for _, item_said, _ in steps for item in item_said]
            for _, message in sorted(said, key=lambda item: item[0]):  # stable: by process too
                notices[message] = None
            if rounds > this.max_rounds or not any(changed for _, _, changed in steps):
                break
            for child, connection in enumerate(connections, 1):
                connection.send_bytes(dump(
                    ("next", [update for number, (update, _, _) in enumerate(steps)
                              if number != child])))
            for update, _, _ in steps[1:]:
                _take(this, update)
        for connection in connections:
            connection.send_bytes(dump(("final",)))
        lint.complete(this.linter)  # as the others complete theirs
        parts = [(lint.inputs, lint.checks, lint.result, {}, [], set())]
        parts += [receive(child, this.loaded)[0] for child in range(len(children))]
        outcome = _outcome(this, parts, lint.graph, notices, rounds)
        if write:
            # Each process writes the files it fixed, once every process has sent its part.
            writing = True
            for connection in connections:
                connection.send_bytes(dump(("write",)))
            failures = write_files([file for file in _changed(this.files.values())
                                    if this.position[file.source.path] in this.owns])
            for child, (part, connection) in enumerate(zip(parts[1:], connections)):
                try:
                    failures.update(receive(child)[0])
                except WorkerFailed as error:  # what it wrote, if anything, is on the disk
                    failures.update(_written_by_failed(part[3].values(), error))
            this.write(outcome, failures)
    finally:
        for connection in connections:
            connection.close()
        for child in children:
            # A process writing files finishes them (each is replaced whole or not at all).
            if child.is_alive() and not writing:
                child.terminate()
            child.join()
    return outcome


def _changed(files: Any) -> list[FileFix]:
    return [file for file in files if file.fixed != file.text]


def _written_by_failed(files: Any, error: WorkerFailed) -> dict[str, str | None]:
    """Whether each of the files of a worker that failed while writing them holds its fix:
    None where it does, why not where it does not."""
    failures: dict[str, str | None] = {}
    for file in _changed(files):
        try:
            with open(os.path.realpath(file.source.path), "rb") as handle:
                done = handle.read() == file.data()
        except OSError:
            done = False
        failures[file.source.path] = None if done else \
            f"the worker process writing it failed ({error}); check the file"
    return failures


def _step(session: Session, rounds: int) -> tuple[_Lint, bytes, list, bool]:
    """This process's round `rounds`: lint; unless that is the lint after the last round,
    apply and render. Returns the lint, the files it changed (to send), its notices, and
    whether it changed any file."""
    if rounds > session.max_rounds:
        return _lint(session, None)[0], b"", [], False
    lint, reported = _lint(session, session.codes)
    owns, position = session.owns, session.position

    def theirs(path: str) -> bool:
        return path in position and position[path] not in owns

    for finding in reported:
        if applicable(finding, session.unsafe) and (
                theirs(finding.file) or any(theirs(e.obj.source.path)
                                            for e in finding.fix.edits)):
            raise _Foreign
    changed = session.round(reported)
    said, session.said = session.said, []
    places = sorted(position[path] for path in changed)
    return lint, dump([(place, session.loaded[place]) for place in places]), said, \
        bool(changed)


def _lint(session: Session, codes: frozenset[str] | None) -> tuple[_Lint, list[Finding]]:
    """This process's part of a lint of the whole input, of the rules in `codes` (None: every
    rule), and its findings as one process reports them (finished: suppressed, in order)."""
    linter = session.linter
    own = session.loaded[session.owns.start:session.owns.stop]
    result = linter.new_result(own)
    inputs = linter.input_findings(own)
    everything, graph = linter.graph_of(session.loaded)
    mine = {id(obj) for item in own for obj in item.objects}
    objects = [obj for obj in everything if id(obj) in mine]
    checks = linter.run_checks(objects, graph, result, codes)
    reported = linter.finish(own, inputs + checks, replace(result)).findings
    return _Lint(inputs, checks, result, graph, objects, codes), reported


def _take(session: Session, update: bytes) -> None:
    """Another process's changed files, loaded again, into this process's input."""
    for place, item in load(update):
        session.loaded[place] = item


def _serve(session: Session, connection: Any) -> None:
    """A forked worker: take rounds until the first process says the run is over, then send
    its last lint and its files."""
    gc.disable()
    try:
        rounds = 0
        while True:
            rounds += 1
            try:
                lint, update, said, changed = _step(session, rounds)
            except _Foreign:
                connection.send_bytes(dump(("foreign",)))
                return
            connection.send_bytes(dump(("round", update, said, changed)))
            message = load(connection.recv_bytes())
            if message[0] == "final":
                lint.complete(session.linter)
                break
            for update in message[1]:
                _take(session, update)
        files = {path: file.settled() for path, file in session.files.items()}
        applied = [(None, paths) for _, paths in session.applied]
        connection.send_bytes(dump(
            ("done", (lint.inputs, lint.checks, lint.result, files, applied, session.failed)),
            names_of(session.loaded)))
        try:
            message = load(connection.recv_bytes())
        except EOFError:  # the first process needs nothing more
            return
        if message[0] == "write":
            connection.send_bytes(dump(("written", write_files(_changed(session.files.values())))))
    except KeyboardInterrupt:
        pass
    except BaseException:  # the first process reports it
        try:
            connection.send_bytes(dump(("error", traceback.format_exc())))
        except BaseException:
            pass
    finally:
        end_worker(connection)


def _outcome(this: Session, parts: list, graph: Any, notices: dict[str, None],
             rounds: int) -> FixOutcome:
    """The run's outcome in the first process, from every process's last lint and files."""
    linter = this.linter
    result = linter.new_result(this.loaded)
    inputs: list[Finding] = []
    checks: list[Finding] = []
    for number, (part_inputs, part_checks, part_result, files, applied, failed) in enumerate(parts):
        inputs += part_inputs
        checks += part_checks
        add_collected(result, part_result)
        if number:
            this.files.update(files)
            this.applied += applied
            this.failed |= failed
    result = linter.finish(this.loaded, inputs + checks + linter.relations_refused(graph), result)
    this.notices = notices
    return this.outcome(result, rounds)
