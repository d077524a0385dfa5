"""Inputs that are not Kubernetes YAML until a tool renders them: kustomization directories
(`kubectl kustomize`, see `wslint.load.kustomize`) and Helm charts (`helm template`, see
`wslint.load.helm`), side by side.

A renderer is an object with:

- `name` (its setting: `kustomize`, `helm`), `label` (what runs, for messages), `tool_name`
  (the command), `version_arguments` (how the command tells its version) and `markers` (the
  file names that make a directory one it renders: a file can be rendered only by a root whose
  directory, or one that root uses, holds one of them above the file);
- `tool()`: the command's path, or None when it is not installed;
- `plan(paths, files)`: its roots among the input, with `.roots`, `.skipped_files` (files of
  nothing rendered, never linted) and `.files(root, resources_only=False)` (the files a root
  accounts for; with `resources_only`, those still linted as plain files when it fails);
- `reads(root)`: the directories and files whose content its rendering depends on (raises
  `Uncacheable` when that cannot be told);
- `command(root, tool, workdir)`: the command line, and a directory the output refers to;
- `rendering(root, output)`, `load(rendering, reading)`: the output, then loaded sources;
- `failure(root, reason)`: the WS906 finding of a root that could not be rendered.

This module runs every renderer's roots together on a small pool (a renderer spends its time
starting up, so several run at once, on every core), each through the cache of
`wslint.load.rendercache` (a root whose files did not change is not rendered again), and keeps
the files the renderings account for from being linted again as plain files.

Partial runs (`--context`: the pre-commit hook, given the changed files) see what a directory
run sees: the roots that use a given file or a context file are found in the whole tree (the
context root, else the repository), rendered, and their objects join the run; only what lands in
the given files is reported, at the lines a directory run reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from wslint.model import Source
from wslint.load import helm, kustomize
from wslint.load.context import Context
from wslint.load.sources import STDIN, LoadedSource, discover, display_path, load_source

RENDERERS = (kustomize.RENDERER, helm.RENDERER)  # in the order their roots are reported
RENDER_TIMEOUT = 60  # seconds for one rendering
# Renderers are mostly process start-up (a Go binary, its configuration): two per core keep the
# cores busy while the others start.
WORKERS = min(8, 2 * (os.cpu_count() or 1))


@dataclass
class Reading:
    """How renderers turn text into loaded sources, in one run."""

    parse: Callable[[Source], LoadedSource]
    max_depth: int
    shared: dict = field(default_factory=dict)  # what renderers keep for the run


@dataclass
class Expanded:
    """The input, once rendered: plain files to lint and renderings, and for partial runs the
    same as context (read for their objects, never reported)."""

    files: list[str]
    rendered: list[LoadedSource]
    context_files: list[str] = field(default_factory=list)
    context_rendered: list[LoadedSource] = field(default_factory=list)


@dataclass
class _Job:
    renderer: Any
    plan: Any
    root: Any
    key: str | None = None
    output: dict | None = None


def enabled(settings: Any) -> list:
    return [renderer for renderer in RENDERERS if getattr(settings, renderer.name, True)]


def reading_for(settings: Any) -> Reading:
    return Reading(lambda source: load_source(source, settings.max_depth,
                                              settings.max_alias_expansion), settings.max_depth)


def expand(paths: list[str], files: list[str], settings: Any, excluded=None,
           context: Context | list[str] = ()) -> Expanded:
    """Render what `files` (found from `paths`) hold of kustomizations and charts. `context`
    is the plain list of context files, or for a partial run a `Context`."""
    renderers = enabled(settings)
    if isinstance(context, Context):
        return _partial(files, renderers, settings, excluded, context)
    context_files = discover(list(context), excluded) if context else []
    plans = [(renderer, renderer.plan(paths, files)) for renderer in renderers]
    jobs = [_Job(renderer, found, root) for renderer, found in plans for root in found.roots]
    if not jobs:
        return Expanded(files, [], context_files)
    explicit = {_key(p) for p in paths if os.path.isfile(p)}
    accounted = set().union(*(found.skipped_files for _, found in plans))
    rendered = []
    for job, items in _render(jobs, settings):
        rendered += items
        accounted |= _accounted(job, items)
    raw = [path for path in files if _key(path) in explicit or _key(path) not in accounted]
    return Expanded(raw, rendered, context_files)


def _accounted(job: _Job, items: list[LoadedSource]) -> set[str]:
    """The files not to lint as plain files once `job` is done: all it used, or when it failed,
    all but its resource files (a failed kustomization's patches are fragments)."""
    if _failed(job.output):
        return job.plan.files(job.root) - job.plan.files(job.root, resources_only=True)
    return job.plan.files(job.root) | {_key(obj.source.path) for item in items
                                       for obj in item.objects}


def _failed(output: dict) -> bool:
    return bool(output.get("error")) or output.get("returncode") != 0


def _key(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


# --- partial runs -----------------------------------------------------------------------------

def _partial(files: list[str], renderers: list, settings: Any, excluded,
             context: Context) -> Expanded:
    """A partial run: the roots in the context's trees that use a given or a context file,
    rendered; their objects in the given files reported, the others read as context."""
    given = {_key(path): path for path in files if path != STDIN}
    wanted = set(given) | {_key(path) for path in context.files}
    if not renderers or not _may_be_rendered(wanted, renderers):
        return Expanded(files, [], list(context.files))
    trees = [_shown(tree) for tree in context.trees]
    tree_files = discover(trees, excluded)
    jobs = []
    accounted: set[str] = set()
    for renderer in renderers:
        found = renderer.plan(trees, tree_files)
        accounted |= found.skipped_files
        jobs += [_Job(renderer, found, root) for root in found.roots
                 if found.files(root) & wanted]
    reported: dict[str, LoadedSource] = {}
    context_rendered = []
    for job, items in _render(jobs, settings):
        accounted |= _accounted(job, items)
        for item in items:
            context_rendered += _split(item, given, reported)
    for path in accounted.intersection(given).difference(reported):
        # Linted as part of a rendering that put nothing in it (a patch): counted, and empty,
        # as a directory run reads no comment in it either.
        reported[path] = LoadedSource(Source(display_path(given[path])))
    return Expanded([path for path in files if _key(path) not in accounted],
                    list(reported.values()),
                    [path for path in context.files if _key(path) not in accounted],
                    context_rendered)


def _may_be_rendered(paths: set[str], renderers: list) -> bool:
    """Whether a directory above one of `paths` holds a kustomization or a chart: a rendering
    reads files only in or below its roots' directories (and those of what they use, which
    hold such a file too)."""
    markers = [name for renderer in renderers for name in renderer.markers]
    checked: dict[str, bool] = {}
    for path in paths:
        directory = os.path.dirname(path)
        while directory not in checked:
            checked[directory] = any(os.path.isfile(os.path.join(directory, name))
                                     for name in markers)
            if checked[directory]:
                return True
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        if checked.get(directory):
            return True
    return False


def _shown(directory: str) -> str:
    """A tree as its files should be named: relative to the working directory below it."""
    relative = os.path.relpath(directory)
    return directory if relative.startswith("..") else relative


def _split(item: LoadedSource, given: dict[str, str], reported: dict[str, LoadedSource]
           ) -> list[LoadedSource]:
    """File what `item` holds in the given files under `reported` (named as given); return the
    rest, as context."""
    rest = []
    here = _key(item.source.path)
    if here in given:
        item.source.path = display_path(given[here])
        target = reported.setdefault(here, LoadedSource(item.source))
        target.problems += item.problems
        target.skipped_documents += item.skipped_documents
    for obj in item.objects:
        there = _key(obj.source.path)
        if there in given:
            obj.source.path = display_path(given[there])
            reported.setdefault(there, LoadedSource(obj.source)).objects.append(obj)
        else:
            rest.append(obj)
    if rest:
        return [LoadedSource(item.source, objects=rest)]
    return []


# --- rendering --------------------------------------------------------------------------------

def _render(jobs: list[_Job], settings: Any) -> list[tuple[_Job, list[LoadedSource]]]:
    """Every job's output, from the cache or from its renderer (several at once), loaded."""
    # Imported here: a run without a kustomization or a chart needs none of it.
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from wslint.load.rendercache import (Fingerprints, RenderCache, Uncacheable, cache_directory,
                                         make_key)

    tools = {job.renderer.name: job.renderer.tool() for job in jobs}
    directory = cache_directory() if getattr(settings, "cache", True) else None
    cache = RenderCache(directory) if directory else None
    fingerprints = Fingerprints()
    versions: dict[str, str | None] = {}
    for job in jobs:
        renderer, tool = job.renderer, tools[job.renderer.name]
        if tool is None:
            job.output = {"error": f"{renderer.tool_name} is not on PATH", "outside": True}
            continue
        if cache is None:
            continue
        if renderer.name not in versions:
            versions[renderer.name] = cache.tool_version(tool, renderer.version_arguments)
        if versions[renderer.name] is None:
            continue  # a renderer that cannot tell its version is not cached
        try:
            reads = [(path, fingerprints.path(path)) for path in renderer.reads(job.root)]
        except Uncacheable:
            continue
        job.key = make_key(renderer.name, versions[renderer.name], job.root.directory, reads)
        job.output = cache.get(job.key)
    todo = [job for job in jobs if job.output is None]
    if todo:
        with tempfile.TemporaryDirectory(prefix="wslint-render-") as workdir:
            with ThreadPoolExecutor(max_workers=min(WORKERS, len(todo))) as pool:
                outputs = pool.map(lambda job: _run(job, tools[job.renderer.name], workdir),
                                   todo)
                for job, output in zip(todo, outputs):
                    job.output = output
                    if cache is not None and job.key is not None and _cacheable(output):
                        cache.put(job.key, output)
    reading = reading_for(settings)
    return [(job, job.renderer.load(job.renderer.rendering(job.root, job.output), reading))
            for job in jobs]


def _run(job: _Job, tool: str, workdir: str) -> dict:
    import subprocess

    renderer = job.renderer
    command, wrapper = renderer.command(job.root, tool, workdir)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT,
                              encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"error": f"{renderer.label} took longer than {RENDER_TIMEOUT} s"}
    except OSError as error:
        return {"error": f"cannot run {renderer.tool_name}: {error.strerror or error}"}
    return {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
            "wrapper": wrapper}


def _cacheable(output: dict) -> bool:
    """What the files alone decide: a rendering, or the renderer's own refusal (exit status 1).
    Not a time-out, a crash or a signal, which may not happen again."""
    return not output.get("error") and output.get("returncode") in (0, 1)
