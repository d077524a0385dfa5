"""One lint run: read the inputs, build the graph once, run every selected rule over the objects of
its kinds, and turn what the checks yield into located, sorted findings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any, Callable

from wslint.api import CheckContext
from wslint.catalog.declarative import BudgetExceeded
from wslint.catalog.rules import INPUT_KIND, ROUTES, WORKLOADS, Rule, select_rules
from wslint.clouds.registry import check_cloud_id
from wslint.controllers.registry import check_controller_id, route_kinds
from wslint.engine import parallel
from wslint.engine.plugins import Plugins
from wslint.engine.progress import Progress
from wslint.engine.suppressions import UNUSED_CODE, Suppressions
from wslint.graph import Graph, GraphSettings
from wslint.k8s.ownership import owned_in_input
from wslint.load import helm, render
from wslint.load.context import Context
from wslint.load.sources import (STDIN, InputProblem, LoadedSource, discover, load_source,
                                 read_input)
from wslint.load.yamltree import MAX_NAME, MAX_TEXT, clip
from wslint.model import (Applicability, Finding, Fix, InternalError, KObject, LintResult, ObjRef,
                          Problem, Related, Severity, Source, format_path)
from wslint.settings import Settings


class Linter:
    def __init__(self, settings: Settings | None = None, plugins: Plugins | None = None) -> None:
        self.settings = settings or Settings()
        if self.settings.default_controller is not None:
            check_controller_id(self.settings.default_controller)
        if self.settings.default_cloud is not None:
            check_cloud_id(self.settings.default_cloud)
        self.plugins = plugins or Plugins(third_party=self.settings.plugins,
                                          rule_dirs=self.settings.rule_dirs)
        self.all_rules = self.plugins.rules()
        self.rules = select_rules(self.all_rules, self.settings.select, self.settings.ignore,
                                  self.settings.extend_select)
        self.by_code = {rule.code: rule for rule in self.all_rules}
        # Resolve options up front: an unknown or ill-typed option fails before any input is read.
        self.options = {rule.code: rule.resolve_options(self.settings.rule_options.get(rule.code))
                        for rule in self.all_rules}
        self.enabled = {rule.code for rule in self.rules}
        # The standard input, when a run read it before its turn (to spread it over processes):
        # what the next read of `-` gives.
        self.stdin: tuple[Source, InputProblem | None] | None = None
        # Set where the process ends as soon as the run is reported (the `wslint` command, which
        # ends without freeing anything, see wslint.__main__): what `lint_paths` loaded and built
        # is then kept in `kept` rather than freed one object at a time (0.02 s on 1000 files)
        # just before the end. Elsewhere (the language server) a run's data goes when it ends.
        self.keep_last_run = False
        self.kept: list = []
        # How the report will write each finding (`Reporter.finding_text`), where it does so
        # finding by finding: the processes of a run then write their own findings.
        self.finding_text: Callable[[Finding], str] | None = None

    # --- inputs -------------------------------------------------------------------------------

    def lint_paths(self, paths: list[str], excluded=None, context_paths: list[str] | Context = (),
                   progress: Progress | None = None) -> LintResult:
        """Lint `paths`; the files of `context_paths` are read for their objects only (see
        `wslint.load.context`; a `Context` makes a partial run, which renders the kustomizations
        and charts that use the given files). Large inputs are spread over `settings.jobs`
        processes (see `wslint.parallel`): the result is the same. `progress` counts the files
        loaded."""
        expanded = self._expand(paths, excluded, context_paths)
        if progress is not None:
            progress.total = len(expanded.files) + len(expanded.rendered)
        if not context_paths:
            result = parallel.lint_if_worthwhile(self, expanded.files + expanded.rendered,
                                                 self.jobs, progress)
            if result is not None:
                return result
        context = self.load_files(expanded.context_files) + expanded.context_rendered
        loaded = self.load_files(expanded.files, progress) + expanded.rendered
        self.keep(loaded, context)
        return self.lint_loaded(loaded, context)

    def keep(self, *built: Any) -> None:
        """Keep what `lint_paths` built until the process ends, where `keep_last_run` asks."""
        if self.keep_last_run:
            self.kept[:] = built

    def load_inputs(self, paths: list[str], excluded=None, context_paths: list[str] | Context = ()
                    ) -> tuple[list[LoadedSource], list[LoadedSource]]:
        """What `lint_paths` reads, loaded here: the inputs (files, rendered kustomizations and
        charts) and the context. `--fix` lints these again after each round of fixes."""
        expanded = self._expand(paths, excluded, context_paths)
        context = self.load_files(expanded.context_files) + expanded.context_rendered
        return self.load_files(expanded.files) + expanded.rendered, context

    def _expand(self, paths: list[str], excluded, context_paths) -> render.Expanded:
        """The files to read for `paths`, and the kustomizations and charts among them,
        rendered."""
        return render.expand(paths, discover(paths, excluded, self.settings.gitignore), self.settings, excluded,
                             context_paths)

    @property
    def jobs(self) -> int:
        return self.settings.jobs if self.settings.jobs is not None else parallel.cpu_count()

    def load_paths(self, paths: list[str], excluded=None) -> list[LoadedSource]:
        return self.load_files(discover(paths, excluded, self.settings.gitignore))

    def load_files(self, files: list[str], progress: Progress | None = None) -> list[LoadedSource]:
        """The files, loaded (in several processes when they are worth it)."""
        loaded = parallel.loaded_in_processes(self, files)
        if loaded is not None:
            if progress is not None:
                progress.advance(len(files))
            return loaded
        loaded = []
        for path in files:
            loaded += self.loaded_input(self.load(path))
            if progress is not None:
                progress.advance()
        return loaded

    def loaded_input(self, item: LoadedSource) -> list[LoadedSource]:
        """What a loaded input is reported as: Helm's output on standard input at the templates
        it names, anything else as it is."""
        if item.source.is_stdin and self.settings.helm:
            return helm.by_template(item, self._parse)
        return [item]

    def load(self, path: str) -> LoadedSource:
        return self.load_read(*self.read(path))

    def read(self, path: str) -> tuple[Source, InputProblem | None]:
        """The text of an input (see `read_input`), and why it cannot all be read."""
        if path == STDIN and self.stdin is not None:
            read, self.stdin = self.stdin, None
            return read
        return read_input(path, self.settings.stdin_filename, self.settings.max_file_size)

    def load_read(self, source: Source, problem: InputProblem | None) -> LoadedSource:
        """The objects of an input `read` already."""
        if problem is None:
            return load_source(source, self.settings.max_depth, self.settings.max_alias_expansion)
        # Input that stops early (bytes that do not decode) keeps the documents before.
        loaded = load_source(source, self.settings.max_depth, self.settings.max_alias_expansion) \
            if source.text else LoadedSource(source)
        loaded.problems.append(problem)
        return loaded

    def _parse(self, source: Source) -> LoadedSource:
        return load_source(source, self.settings.max_depth, self.settings.max_alias_expansion)

    def lint_text(self, text: str, path: str = "<string>") -> LintResult:
        """Lint YAML given as a string (tests, editors)."""
        return self.lint_loaded([load_source(Source(path, text), self.settings.max_depth,
                                             self.settings.max_alias_expansion)])

    # --- the run ------------------------------------------------------------------------------

    def lint_loaded(self, loaded: list[LoadedSource], context: list[LoadedSource] = ()) -> LintResult:
        """Lint `loaded`; the objects of `context` join the graph (a Deployment is judged with
        the Service in the file beside it) but nothing is reported about their files."""
        result = self.new_result(loaded)
        findings = self.input_findings(loaded)
        findings += self.check_findings(list(loaded) + list(context), result)
        return self.finish(loaded, findings, result, reported_only=bool(context))

    def lint_in_context(self, loaded: list[LoadedSource],
                        context: list[LoadedSource] = ()) -> LintResult:
        """Like `lint_loaded`, but only the objects of `loaded` are checked: the objects of
        `context` join the graph without being checked themselves, so linting one document
        among thousands of files costs one graph, not a whole run (editors, see
        `wslint.workspace`). The findings are the same, except those a check given a context
        object reports at another object (`Problem.obj`)."""
        result = self.new_result(loaded)
        findings = self.input_findings(loaded)
        findings += self.check_findings(list(loaded) + list(context), result, checked=list(loaded))
        return self.finish(loaded, findings, result, reported_only=True)

    # A run in steps, so that `wslint.parallel` can share out the middle ones.

    def new_result(self, loaded: list[LoadedSource]) -> LintResult:
        """A result that counts the files and objects of `loaded`."""
        result = LintResult(files=len(loaded))
        result.objects = sum(len(item.objects) for item in loaded)
        result.sources = {item.source.path: item.source for item in loaded}
        for item in loaded:  # a rendered object (kustomize) reports at its own file
            source = item.source
            for obj in item.objects:
                if obj.source is not source:
                    result.sources.setdefault(obj.source.path, obj.source)
        result.skipped_documents = sum(item.skipped_documents for item in loaded)
        return result

    def input_findings(self, loaded: list[LoadedSource]) -> list[Finding]:
        """The findings about the input itself (WS9xx) of `loaded`."""
        findings: list[Finding] = []
        for item in loaded:
            for problem in item.problems:
                rule = self.by_code.get(problem.code)
                if rule is not None and problem.code in self.enabled and not problem.notice:
                    message = problem.message + (f"; {problem.hint}" if problem.hint else "")
                    findings.append(Finding(rule.code, rule.name, self._severity(rule), message,
                                            item.source.path, problem.line, problem.column))
        return findings

    def check_findings(self, loaded: list[LoadedSource], result: LintResult,
                       checked: list[LoadedSource] | None = None) -> list[Finding]:
        """Run the checks on the objects of `checked` (default: all of `loaded`) with the graph
        of every object of `loaded`, in input order."""
        everything, graph = self.graph_of(loaded)
        if checked is None:  # every object: shared out over processes when that pays
            objects = everything
            findings = self.checks_of(loaded, objects, graph, result)
        else:
            objects = self._linted([obj for item in checked for obj in item.objects], everything)
            findings = self.run_checks(objects, graph, result)
        if checked is None or any(graph.relations_refused is obj for obj in objects):
            findings += self.relations_refused(graph)
        return findings

    def checks_of(self, loaded: list[LoadedSource], objects: list[KObject], graph: Graph,
                  result: LintResult, codes: frozenset[str] | None = None) -> list[Finding]:
        """`run_checks`, shared out over processes when the input (`loaded`) is worth it."""
        findings = parallel.checks_in_processes(self, loaded, objects, graph, result, codes)
        return self.run_checks(objects, graph, result, codes) if findings is None else findings

    def graph_of(self, loaded: list[LoadedSource]) -> tuple[list[KObject], Graph]:
        """The objects of `loaded` that are linted (see `_linted`), and the graph relating them."""
        everything = self._linted([obj for item in loaded for obj in item.objects])
        return everything, Graph(everything, GraphSettings(self.settings.workload_kinds,
                                                           self.settings.websocket_scope,
                                                           self.settings.default_controller,
                                                           self.settings.max_relations,
                                                           self.settings.websocket_images))

    def relations_refused(self, graph: Graph) -> list[Finding]:
        """The WS904 finding where relating the objects stopped at `max_relations`, if it did."""
        refused = graph.relations_refused
        limit = self.by_code.get("WS904")
        if refused is None or limit is None or "WS904" not in self.enabled:
            return []
        line, column = refused.locate(())
        return [Finding(
            limit.code, limit.name, self._severity(limit),
            f"relating the input's objects examined {self.settings.max_relations} pairs "
            f"(Services and the workloads they select, routes and their Services, ...) "
            f"when it reached {refused.ref}; objects past that are not related, so rules "
            f"that look across objects may miss or misjudge them (limit: max-relations)",
            refused.source.path, line, column, refused.ref)]

    def _linted(self, objects: list[KObject], everything: list[KObject] | None = None) -> list[KObject]:
        """`objects` without those a controller made from another workload of `everything`
        (default: of `objects`): a live cluster's ReplicaSets and Pods repeat their Deployment
        (see `wslint.k8s.ownership`)."""
        owned = owned_in_input(objects if everything is None else everything,
                               self.settings.workload_kinds)
        return [obj for obj in objects if id(obj) not in owned] if owned else objects

    def finish(self, loaded: list[LoadedSource], findings: list[Finding], result: LintResult,
               reported_only: bool = False) -> LintResult:
        """The run's findings, in the order they were found, into the result: duplicates
        dropped, suppressions applied, sorted (with `reported_only`, only those in `loaded`)."""
        if reported_only:
            findings = [f for f in findings if f.file in result.sources]
        result.notices = self.notices(loaded, result.sources if reported_only else None)
        return self.finish_findings(loaded, findings, result)

    def notices(self, loaded: list[LoadedSource], reported: dict | None = None) -> list[str]:
        """What the run could not lint that is not the files' fault (kubectl missing, ...), once
        each, in input order (of the files in `reported` only, when given)."""
        return list(dict.fromkeys(
            f"{item.source.path}: {problem.message}" + (f"; {problem.hint}" if problem.hint else "")
            for item in loaded for problem in item.problems
            if problem.notice and (reported is None or item.source.path in reported)))

    def finish_findings(self, loaded: list[LoadedSource], findings: list[Finding],
                        result: LintResult) -> LintResult:
        """`finish` but for the notices: the findings, duplicates dropped, the suppressions of
        `loaded` applied, sorted and clipped, into the result (with how many were
        suppressed)."""
        unique = {(f.code, f.file, f.line, f.column, f.message): f for f in findings}
        findings = sorted(unique.values(), key=Finding.sort_key)
        result.findings = [_clipped(f) for f in self._suppress(findings, loaded, result)]
        return result

    def _suppress(self, findings: list[Finding], loaded: list[LoadedSource],
                  result: LintResult) -> list[Finding]:
        """The one place where suppressions (annotations, comments, configured exemptions) are
        applied, whatever rule a finding comes from; unused ones become WS903 findings."""
        linted = {id(obj) for obj in self._linted([o for item in loaded for o in item.objects])}
        suppressions = Suppressions(((item.source, [o for o in item.objects if id(o) in linted])
                                     for item in loaded),
                                    self.settings.workload_kinds, self.settings.exemptions)
        if not suppressions:
            return findings
        unused = self.by_code.get(UNUSED_CODE)
        outcome = suppressions.apply(findings, self.by_code, self.enabled,
                                     self._severity(unused) if unused else None)
        result.suppressed = outcome.suppressed
        return sorted(outcome.kept + outcome.unused, key=Finding.sort_key)

    def _rules_by_kind(self) -> dict[str, list[tuple[Rule, str | None]]]:
        """The rules for each object kind, with the family (workloads, routes) a rule takes the
        kind as: an object of that kind name from another API group is not of the family."""
        by_kind: dict[str, list[tuple[Rule, str | None]]] = defaultdict(list)
        for rule in self.rules:
            for kind in rule.kinds:
                if kind == WORKLOADS:
                    targets = list(self.settings.workload_kinds)
                elif kind == ROUTES:
                    targets = sorted(route_kinds())
                elif kind == INPUT_KIND:
                    targets = []
                else:
                    targets = [kind]
                family = kind if kind in (WORKLOADS, ROUTES) else None
                for target in targets:
                    listed = [entry for entry in by_kind[target] if entry[0] is rule]
                    if not listed:
                        by_kind[target].append((rule, family))
                    elif family is None:  # named outright: every object of the kind
                        by_kind[target][by_kind[target].index(listed[0])] = (rule, None)
        return by_kind

    def run_checks(self, objects: list[KObject], graph: Graph, result: LintResult,
                   codes: frozenset[str] | None = None) -> list[Finding]:
        """The findings of the selected rules (of those, the ones in `codes` only, when given) on
        `objects` (in order), related by `graph`; what checks collect besides (internal errors)
        goes into `result`."""
        by_kind = self._rules_by_kind()
        rules = self.rules
        if codes is not None:
            by_kind = {kind: [entry for entry in entries if entry[0].code in codes]
                       for kind, entries in by_kind.items()}
            rules = [rule for rule in rules if rule.code in codes]
        contexts = {rule.code: CheckContext(graph, rule, self.options[rule.code], self.settings)
                    for rule in rules}
        findings = []
        for obj in objects:
            # Asked once per object, by the first rule that needs to know.
            in_scope = is_workload = is_route = None
            for rule, family in by_kind.get(obj.kind, ()):
                if family == WORKLOADS:
                    if is_workload is None:
                        is_workload = graph.workload(obj) is not None
                    if not is_workload:
                        continue  # a Deployment of another API group is not a workload
                elif family == ROUTES:
                    if is_route is None:
                        is_route = graph.route(obj) is not None
                    if not is_route:
                        continue
                if rule.websocket_scope:
                    if in_scope is None:
                        in_scope = graph.in_scope(obj)
                    if not in_scope:
                        continue
                try:
                    for problem in rule.check(obj, contexts[rule.code]) or ():
                        findings.append(self._finding(rule, obj, problem, graph))
                except (Exception, SystemExit) as error:
                    # Contain a faulty check (a plugin's that even exits): report it, keep the rest.
                    result.internal_errors.append(InternalError(
                        rule.code, rule.plugin, clip(f"{obj.ref} ({obj.source.path})"),
                        _describe(error)))
        return findings

    def _severity(self, rule: Rule) -> Severity:
        return self.settings.severities.get(rule.code, rule.severity)

    def _finding(self, rule: Rule, obj: KObject, problem: Problem, graph: Graph) -> Finding:
        _check_problem(problem)
        target = problem.obj or obj
        line, column = target.locate(problem.path)
        controller = problem.controller
        if controller is None:  # a finding on a route names the controller serving it
            route = graph.route(target)
            controller = route.controller if route is not None else None
        return Finding(rule.code, rule.name, self._severity(rule), problem.message,
                       target.source.path, line, column, target.ref, format_path(problem.path),
                       _bound_fix(problem.fix, rule, target),
                       tuple(item if item.at else _with(item, at=item.obj.locate(item.path))
                             for item in problem.related) if problem.related else (),
                       controller)


def _clipped(finding: Finding) -> Finding:
    """The finding as reports show it: its texts and its object's name clipped (the one place
    every finding passes, whichever rule or step made it). A finding that needs clipping is
    copied, so that finishing findings twice (`--fix` in several processes) clips them once."""
    ref, fix = finding.object, finding.fix
    long_name = ref is not None and (
        len(ref.name or "") > MAX_NAME or len(ref.kind or "") > MAX_NAME
        or len(ref.api_version or "") > MAX_NAME or len(ref.namespace or "") > MAX_NAME)
    long_fix = fix is not None and (len(fix.description) > MAX_TEXT
                                    or len(fix.snippet or "") > MAX_TEXT)
    if not (long_name or long_fix or len(finding.message) > MAX_TEXT
            or len(finding.path) > MAX_TEXT):
        return finding
    finding = replace(finding, message=clip(finding.message), path=clip(finding.path))
    if long_name:
        finding.object = ObjRef(*(None if part is None else clip(part, MAX_NAME)
                                  for part in (ref.api_version, ref.kind, ref.namespace, ref.name)))
    if long_fix:
        finding.fix = replace(fix, description=clip(fix.description),
                              snippet=None if fix.snippet is None else clip(fix.snippet))
    return finding


def _check_problem(problem: Any) -> None:
    """A check (a plugin's included) must yield well-formed Problems: anything else fails here,
    inside the containment of its rule, rather than later in a reporter."""
    fix = getattr(problem, "fix", None)
    if not (isinstance(problem, Problem) and isinstance(problem.path, tuple)
            and isinstance(problem.message, str)
            and (problem.obj is None or isinstance(problem.obj, KObject))
            and (problem.related == () or all(isinstance(item, Related) for item in problem.related))
            and (problem.controller is None or isinstance(problem.controller, str))
            and (fix is None or isinstance(fix, Fix) and isinstance(fix.description, str)
                 and (fix.snippet is None or isinstance(fix.snippet, str)))):
        raise TypeError(f"a check must yield Problem(path: tuple, message: str, ...), not "
                        f"{clip(repr(problem), 200)}")


def _describe(error: BaseException) -> str:
    """What a failing check raised, and where (the innermost frame: usually the plugin's)."""
    try:
        text = f"{type(error).__name__}: {error}"
    except Exception:  # an exception whose str() fails too
        text = type(error).__name__
    import traceback  # only where a check failed

    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" \
        if frames and not isinstance(error, BudgetExceeded) else ""  # says all there is
    return clip(text) + where


# From the safest to the least: a fix is as safe as the less safe of itself and its rule.
_SAFETY_ORDER = (Applicability.SAFE, Applicability.UNSAFE, Applicability.DISPLAY_ONLY)


def _bound_fix(fix: Fix | None, rule: Rule, obj: KObject) -> Fix | None:
    """The fix with each edit bound to the object it changes and its applicability settled."""
    if fix is None:
        return None
    edits = tuple(edit if edit.obj is not None else _with(edit, obj=obj) for edit in fix.edits)
    applicability = max(fix.applicability or rule.fix_safety, rule.fix_safety,
                        key=_SAFETY_ORDER.index) if edits else Applicability.DISPLAY_ONLY
    return _with(fix, edits=edits, applicability=applicability)


def _with(value: Any, **changes: Any) -> Any:
    """`dataclasses.replace(value, **changes)` for a Fix, an Edit or a Related (dataclasses
    with no `__post_init__` and no slots), in a fraction of its time: a large run makes
    thousands."""
    changed = object.__new__(type(value))
    changed.__dict__.update(value.__dict__, **changes)
    return changed
