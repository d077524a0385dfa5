"""Linting a document as an editor holds it: its unsaved text, judged with the other manifests of
its workspace. The language server (`wslint server`) calls this; so can any other integration.

    from wslint.workspace import Workspace

    workspace = Workspace("/src/deploy-repo")
    result = workspace.lint("/src/deploy-repo/chat/deployment.yaml", text)  # a LintResult
    fixed = workspace.fix("/src/deploy-repo/chat/deployment.yaml", text)    # what --fix writes

A document gets what `wslint --context FILE` run from the document's repository gives FILE, with
the editor's text in place of the file's:

- **Configuration**: the nearest `.wslint.yaml` or `[tool.wslint]`, looked for from the
  document's directory upwards (never from the process's working directory), and read again
  whenever it, its `baseline` or its `rule-dirs` change. A document the configuration's
  `exclude` matches gets no findings.
- **Context**: the manifests in the document's directory, or every manifest under the
  configuration's `context-root`; with kustomize on (the default), also the resource files of
  every kustomization, in the document's directory or above it, that uses the document; the
  patches such a kustomization applies are never context. A document that kustomizations use only
  as a patch is a fragment, not an object: only its syntax is checked, as `wslint DIR` does.
- **Files are read once.** Context files are kept parsed between calls. `file_changed(path)`
  (created, changed or deleted) tells the workspace to read that file and the directory lists
  again; `refresh()` checks every kept file against the disk at the next call. An editor calls
  these from its file events; nothing is read on a call that follows none.

A `Workspace` is not thread-safe: call it from one thread at a time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from wslint.catalog.errors import OptionError, RuleDefinitionError
from wslint.catalog.rules import SelectionError
from wslint.config import ConfigError, find_config, load_config, path_matcher
from wslint.engine import Linter
from wslint.engine.baseline import Baseline, BaselineError, load_baseline
from wslint.engine.plugins import Plugins
from wslint.engine.suppressions import comment_directives
from wslint.fix import fix as apply_fixes
from wslint.load import kustomize
from wslint.load.context import context_files
from wslint.load.sources import (InputError, InputProblem, LoadedSource, discover, display_path,
                                 load_source)
from wslint.model import Finding, LintResult, Source
from wslint.settings import Settings

# What an unreadable setting raises while a configuration is turned into a linter.
_SETUP_ERRORS = (ConfigError, RuleDefinitionError, OptionError, SelectionError, BaselineError)


class WorkspaceConfigError(Exception):
    """The configuration that applies to a document cannot be used (the message says where and
    why); nothing is linted under it until it is fixed."""


@dataclass
class FixedDocument:
    """What fixing a document gives: its new text (the same text when nothing applied), how many
    findings were fixed, and why some fixes were not applied."""

    text: str
    fixed: int
    notices: list[str]


def finding_key(finding: Finding) -> tuple[str, str, str]:
    """What identifies a finding while its document is edited: its rule, object and field path
    (never its line, which edits above it move)."""
    return finding.code, str(finding.object or ""), finding.path


@dataclass
class _Setup:
    """What one configuration file (or none) makes of a run."""

    linter: Linter
    excluded: Callable[[str], bool] | None
    baseline: Baseline | None
    context_root: str | None
    watched: list[str]  # the files whose change calls for a new setup
    stamp: tuple


@dataclass
class _Kept:
    """A context file as last read."""

    stamp: tuple | None
    loaded: LoadedSource
    checked: int  # the generation it was last compared with the disk in


@dataclass
class _Context:
    """The context of the documents of one directory under one setup."""

    setup: _Setup
    generation: int
    files: list[str]
    patches: set[str] = field(default_factory=set)  # absolute paths kustomizations patch with


def _stamp(path: str) -> tuple | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _absolute(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


class Workspace:
    """The documents of one workspace folder (or of none: then each document stands alone, with
    its directory's context and configuration). `plugins=False` loads no third-party rules."""

    def __init__(self, root: str | os.PathLike | None = None, *, plugins: bool = True) -> None:
        self.root = _absolute(os.fspath(root)) if root is not None else None
        self.plugins = plugins
        self._setups: dict[str | None, _Setup] = {}
        self._kept: dict[tuple, _Kept] = {}
        self._contexts: dict[str, _Context] = {}  # by directory
        self._generation = 0
        self.files_read = 0  # context files read so far (an editor may freeze them for the GC)

    # --- file events --------------------------------------------------------------------------

    def file_changed(self, path: str) -> None:
        """A file was created, changed or deleted on disk: it is read again when it is context,
        and the lists of context files are made again."""
        absolute = _absolute(path)
        for key in [key for key in self._kept if key[0] == absolute]:
            del self._kept[key]
        self._generation += 1

    def refresh(self) -> None:
        """Compare every kept file with the disk at the next call (for editors that send no
        file events)."""
        self._generation += 1

    # --- the entry points ---------------------------------------------------------------------

    def lint(self, path: str | None, text: str, quick: bool = False) -> LintResult:
        """The findings for the document at `path` (None for a document not saved anywhere)
        whose text is `text`, with its context and configuration, baseline applied. Raises
        WorkspaceConfigError when its configuration is invalid.

        `quick` judges the document with only the context objects that may share a namespace
        with its own (all of them when one of its objects has no namespace): the graph of a
        large workspace is most of a lint's time, and most relations stay within a namespace.
        The findings differ from the full ones only where objects relate across namespaces (a
        route's backend in another namespace, an ingress controller's ConfigMap)."""
        setup, loaded, context = self._prepare(path, text, for_fix=False)
        if loaded is None:
            return LintResult()
        if quick:
            context = _sharing_namespaces(context, loaded)
        result = setup.linter.lint_in_context([loaded], context)
        if setup.baseline is not None:
            setup.baseline.apply(result)
        return result

    def fix(self, path: str | None, text: str, unsafe: bool = False,
            only: Finding | None = None) -> FixedDocument:
        """The document as `wslint --fix` (with `unsafe`: `--unsafe-fixes`) would write it, in as
        many rounds as it takes; with `only`, applying that finding's fix alone (the finding is
        matched by `finding_key`)."""
        setup, loaded, context = self._prepare(path, text, for_fix=True)
        if loaded is None:
            return FixedDocument(text, 0, [])
        keep = None if only is None else (lambda f, key=finding_key(only): finding_key(f) == key)
        outcome = apply_fixes(_Rounds(setup.linter, keep), [loaded], context, unsafe=unsafe)
        fixed = outcome.files[0].data().decode("utf-8") if outcome.files else text
        return FixedDocument(fixed, outcome.fixed, outcome.notices)

    def explain(self, path: str | None, code: str) -> str | None:
        """A rule's documentation, as `wslint explain` prints it, among the rules that apply to
        the document (plugins and custom rules included); None for an unknown code."""
        from wslint.catalog.docs import render_rule_text

        rule = self._setup(path).linter.by_code.get(code)
        return render_rule_text(rule) if rule is not None else None

    def linter(self, path: str | None) -> Linter:
        """The linter configured for the document at `path`."""
        return self._setup(path).linter

    # --- configuration ------------------------------------------------------------------------

    def _setup(self, path: str | None) -> _Setup:
        start = Path(os.path.dirname(_absolute(path))) if path else (
            Path(self.root) if self.root else None)
        config_path = find_config(start) if start is not None else None
        key = os.fspath(config_path) if config_path is not None else None
        setup = self._setups.get(key)
        if setup is None or setup.stamp != tuple(_stamp(p) for p in setup.watched):
            setup = self._setups[key] = self._build(config_path)
        return setup

    def _build(self, config_path: Path | None) -> _Setup:
        settings = Settings(plugins=self.plugins)
        watched = [os.fspath(config_path)] if config_path is not None else []
        # Each file is stamped before it is read: one written meanwhile then looks changed at the
        # next call, instead of its old content passing for the new.
        stamps = [_stamp(path) for path in watched]
        try:
            config = load_config(config_path) if config_path is not None else None
            settings.rule_dirs = list(config.get("rule-dirs", [])) if config else []
            watched += [os.fspath(entry) for directory in settings.rule_dirs
                        for entry in sorted(Path(directory).glob("*.y*ml"))] + settings.rule_dirs
            stamps += [_stamp(path) for path in watched[len(stamps):]]
            plugins = Plugins(third_party=settings.plugins, rule_dirs=settings.rule_dirs)
            if config is not None:
                config.apply(settings, plugins.rules())
            linter = Linter(settings, plugins)
            baseline_path = config.get("baseline") if config else None
            if baseline_path:
                watched.append(baseline_path)
                stamps.append(_stamp(baseline_path))
            baseline = load_baseline(baseline_path) if baseline_path else None
        except _SETUP_ERRORS as error:
            raise WorkspaceConfigError(str(error)) from None
        matcher = path_matcher(config.get("exclude", []), config.directory) if config else None
        own = {_absolute(baseline_path)} if baseline_path else set()

        def excluded(candidate: str) -> bool:  # as the CLI: never the baseline file either
            return _absolute(candidate) in own or (matcher is not None and matcher(candidate))

        return _Setup(linter, excluded, baseline, config.get("context-root") if config else None,
                      watched, tuple(stamps))

    # --- the document and its context ---------------------------------------------------------

    def _prepare(self, path: str | None, text: str, for_fix: bool
                 ) -> tuple[_Setup, LoadedSource | None, list[LoadedSource]]:
        """The setup, the loaded document (None when it is excluded) and its context."""
        setup = self._setup(path)
        absolute = _absolute(path) if path else None
        if absolute is not None and setup.excluded(absolute):
            return setup, None, []
        settings = setup.linter.settings
        # --fix reads a file from disk to check it did not change: the editor's text is its own.
        source = Source(display_path(absolute) if absolute else "<untitled>", text,
                        is_stdin=for_fix)
        if len(text) > settings.max_file_size or len(text.encode("utf-8")) > settings.max_file_size:
            loaded = LoadedSource(source, problems=[InputProblem(
                "WS904", f"larger than {settings.max_file_size} bytes; not read "
                         f"(limit: max-file-size)", limit="max-file-size")])
        else:
            loaded = load_source(source, settings.max_depth, settings.max_alias_expansion)
        if absolute is None:
            return setup, loaded, []
        context = self._context(absolute, setup)
        if absolute in context.patches:
            loaded.objects = []  # a patch is a fragment of an object: only its syntax counts
        return setup, loaded, [self._read(file, setup.linter) for file in context.files]

    def _context(self, absolute: str, setup: _Setup) -> _Context:
        key = os.path.dirname(absolute)
        context = self._contexts.get(key)
        if context is not None and context.setup is setup and context.generation == self._generation:
            return context
        if setup.context_root is not None:
            try:
                files = discover([setup.context_root], setup.excluded)
            except InputError:  # a context-root that does not exist: no context
                files = []
        else:
            files = context_files([absolute], None, setup.excluded)
        files = [_absolute(file) for file in files]
        patches: set[str] = set()
        if setup.linter.settings.kustomize:
            resources, patches = self._kustomizations(absolute)
            files += sorted(resources - set(files))
            patches -= resources
        files = [file for file in files if file != absolute and file not in patches
                 and not setup.excluded(file)]
        context = self._contexts[key] = _Context(setup, self._generation, files, patches)
        return context

    def _kustomizations(self, absolute: str) -> tuple[set[str], set[str]]:
        """The resource files and the other files (patches, generator inputs, kustomization
        files) of the kustomizations that use the document, in its directory or above it up to
        the workspace root (or the repository root)."""
        resources: set[str] = set()
        others: set[str] = set()
        directory = os.path.dirname(absolute)
        inside = self.root is not None and (directory + os.sep).startswith(self.root + os.sep)
        while True:
            found = kustomize.read_kustomization(directory, directory)
            if found is not None:
                plan = kustomize.Plan([found], {found.directory: found}, set())
                used = {_absolute(file) for file in plan.files(found)}
                if absolute in used:
                    own = {_absolute(file) for file in plan.files(found, resources_only=True)}
                    resources |= own
                    others |= used - own
            parent = os.path.dirname(directory)
            if (directory == self.root if inside else os.path.exists(
                    os.path.join(directory, ".git"))) or parent == directory:
                return resources, others
            directory = parent

    def _read(self, path: str, linter: Linter) -> LoadedSource:
        """A context file, read once and kept until it changes."""
        settings = linter.settings
        key = (path, settings.max_depth, settings.max_file_size, settings.max_alias_expansion)
        kept = self._kept.get(key)
        if kept is not None and kept.checked == self._generation:
            return kept.loaded
        stamp = _stamp(path)
        if kept is None or stamp is None or kept.stamp != stamp:
            kept = self._kept[key] = _Kept(stamp, linter.load(path), self._generation)
            self.files_read += 1
        kept.checked = self._generation
        return kept.loaded


def _sharing_namespaces(context: list[LoadedSource], loaded: LoadedSource) -> list[LoadedSource]:
    """The objects of `context` that may share a namespace with one of `loaded`'s."""
    namespaces = {obj.namespace for obj in loaded.objects}
    if None in namespaces:
        return context  # an object without a namespace lands in any
    kept = []
    for item in context:
        objects = [obj for obj in item.objects if obj.namespace is None or obj.namespace in namespaces]
        if objects:
            kept.append(LoadedSource(item.source, objects))
    return kept


class _Rounds:
    """The linter as `wslint.fix` drives it, round after round: each round lints the document
    with its context (checks on the document only), and keeps the findings `keep` accepts."""

    def __init__(self, linter: Linter, keep: Callable[[Finding], bool] | None) -> None:
        self._linter, self._keep = linter, keep

    def __getattr__(self, name: str):
        return getattr(self._linter, name)

    def lint_loaded(self, loaded: list[LoadedSource], context: list[LoadedSource] = ()) -> LintResult:
        result = self._linter.lint_in_context(loaded, context)
        if self._keep is not None:
            result.findings = [finding for finding in result.findings if self._keep(finding)]
        return result


# --- suppression comments ---------------------------------------------------------------------

def disable_comment(text: str, line: int, code: str) -> str | None:
    """`text` with a `# wslint: disable=CODE` comment that silences `code` on line `line`
    (1-based): added to the line's own directive if it has one, else at the end of the line,
    else on a line of its own above it; None when no comment there would be read as one (the
    line continues a quoted or block scalar)."""
    lines = text.splitlines(keepends=True)
    if not 1 <= line <= len(lines):
        return None
    target = lines[line - 1]
    body = target.rstrip("\r\n")
    ending = target[len(body):] or ("\r\n" if "\r\n" in text else "\n")
    candidates = []
    own = [d for d in comment_directives(Source("", text)) if d.scope == "line" and
           d.line == line and d.target_line == line and d.selectors]
    if own:
        selector, column = own[0].selectors[-1]
        at = column - 1 + len(selector)
        candidates.append((body[:at] + f",{code}" + body[at:] + target[len(body):], line))
    candidates.append((body.rstrip() + f"  # wslint: disable={code}" + target[len(body):], line))
    indent = body[:len(body) - len(body.lstrip())]
    candidates.append((f"{indent}# wslint: disable={code}{ending}" + target, line + 1))
    for replacement, target_line in candidates:
        edited = "".join(lines[:line - 1]) + replacement + "".join(lines[line:])
        if any(d.scope == "line" and d.target_line == target_line and not d.malformed
               and code in (s for s, _ in d.selectors)
               for d in comment_directives(Source("", edited))):
            return edited
    return None
