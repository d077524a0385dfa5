"""Linting in several processes (`--jobs N`) with the same result as in one.

The input is cut into chunks, large ones first and ever smaller ones (`chunks`): runs of whole
files, a large file (or the standard input) cut into runs of whole documents (`Part`s, read
before the processes fork). This process and forked workers each take the next chunk left until
none is: a process on a busier CPU takes fewer, and they end at about the same time. Checks need the whole input (a route in one file, its Service in another, an
HPA in a third), but shipping every parsed tree between processes costs more than parsing it.
So each process:

1. loads its chunks and sends the others a *view* of them: the objects (`ViewObject`) and the
   input problems, where a workload's pod spec is cut down to what relating objects needs
   (containers' names, images, ports and args; the restart policy), and only an object's top
   level keeps its positions (they are most of what a parsed tree weighs; a finding's are
   settled where its object was loaded). Pod specs are most of a manifest's bytes. What every
   process has from before the fork (renderings, the text of what was read then) is not sent;
2. builds the graph over every object (its own whole, the others' as views, all in input order)
   and runs the checks on its own objects only, a chunk at a time;
3. finishes its own findings (duplicates, suppressions, order) where that gives what finishing
   every process's together gives (`_Process.finish_own`), writing them as the report will
   (JSON), and sends its findings to the first process, by chunk, naming objects by their
   place in the input rather than copying them.

The first process then joins the parts of each file and merges the processes' finished findings
in order; where a process could not finish its own, it puts every finding in input order and
finishes the run over its own objects and the others' views exactly as a single process would
(duplicates, suppressions, sorting). Either way the result does not depend on N. A cut-down mapping is a
`PartialMap`: asking it for something that was cut loads the full object again (by loading its
file, or its part, again), as does asking a view where one of its fields is, so a check or a
reporter that looks further than the view still sees what one process would have seen; only
slower. A part that does not read cleanly on its own (a
syntax error, a collection as a key) could read otherwise in the whole file: then the run is
done again in one process.
"""

from __future__ import annotations

import copy
import gc
import heapq
import io
import os
import pickle
import re
import sys
import time
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

from wslint.engine import forked
from wslint.engine.suppressions import MARKER, annotation_directives
from wslint.k8s.objects import workload_kind_of
from wslint.model import Finding, KObject, LintResult, Source
from wslint.load.sources import STDIN, InputProblem, LoadedSource, load_part, splittable
from wslint.load.yamltree import Map, Seq, locate, parse_part

if TYPE_CHECKING:
    from wslint.engine import Linter
    from wslint.engine.progress import Progress
    from wslint.graph import Graph

# The input a process should have to load (about 200 apps of the benchmark workload): below it,
# forking and trading views cost about what another process saves.
MIN_PARALLEL_BYTES = 1024 * 1024
# How small the last chunks are, in chunks per process: the processes take large chunks first
# and ever smaller ones (`chunks`), so that they end their shares at about the same time; a
# file is cut in parts of this size where it is larger than two.
SMALLEST_CHUNKS_PER_PROCESS = 32
# What a view keeps of a pod spec and of each of its containers.
POD_SPEC_KEEPS = ("containers", "restartPolicy")
CONTAINER_KEEPS = ("name", "image", "ports", "args")
PROGRESS_INTERVAL = 0.1  # seconds between a worker's progress messages
# What a worker loads for `loaded_in_processes`, against the first process's share (1).
WORKER_LOAD_SHARE = 0.8

# What a run is given: the path of a file to load, or a source loaded already (a rendering).
Input = Union[str, LoadedSource]


class Read(NamedTuple):
    """An input read before the processes fork (the standard input, a large file)."""

    source: Source
    problem: InputProblem | None


class Part(NamedTuple):
    """Whole documents of a `splittable` source read before the processes fork: its text from
    `start` to `end` (each at a `---` line or an end of the text), below `lines_before` lines."""

    source: Source
    start: int
    end: int
    lines_before: int
    last: bool  # the source's last part: progress counts the file then


# What a process loads: a file's path, a rendering, an input read already, or a part of one.
Entry = Union[str, LoadedSource, Read, Part]


def cpu_count() -> int:
    """The CPUs this process may run on: those it is allowed on, fewer when a container's CPU
    quota says so (a CI job limited to 2 CPUs on a 64-CPU host)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    return max(1, min(count, quota)) if quota else count


# Where cgroups v2 and v1 keep a CPU quota (and v1 its period).
CGROUP_CPU_QUOTAS = (("/sys/fs/cgroup/cpu.max", None),
                     ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


def _cgroup_cpu_quota() -> int | None:
    """CPUs allowed by the cgroup's CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), rounded
    up; None when there is no quota or no cgroup to tell."""
    for path, period_path in CGROUP_CPU_QUOTAS:
        try:
            with open(path) as handle:
                fields = handle.read().split()
            if period_path is not None:
                with open(period_path) as handle:
                    fields.append(handle.read().strip())
            quota, period = int(fields[0]), int(fields[1])
        except (OSError, ValueError, IndexError):
            continue  # "max" (no quota), or no such file
        if quota > 0 and period > 0:
            return -(-quota // period)
        return None
    return None


def can_fork() -> bool:
    # Workers inherit the loaded rules and plugins by forking. macOS forks unreliably once system
    # frameworks are loaded, and Windows cannot fork: there, runs stay in one process.
    return hasattr(os, "fork") and sys.platform != "darwin"


def worker_count(total: int, jobs: int) -> int:
    """How many processes `total` bytes of input are worth: at most one per MIN_PARALLEL_BYTES
    (each process also reads every other's view), and one where processes cannot fork."""
    if jobs <= 1 or not can_fork():
        return 1
    return max(1, min(jobs, total // MIN_PARALLEL_BYTES))


def lint_if_worthwhile(linter: "Linter", inputs: list[Input], jobs: int,
                       progress: "Progress | None" = None) -> LintResult | None:
    """Lint `inputs` (file paths, `-` for the standard input, or sources loaded already such as
    kustomize renderings) in up to `jobs` processes when that pays; None when one process should
    do it (the standard input, once read, is then read from `linter.stdin`)."""
    if jobs <= 1 or not can_fork():
        return None
    entries: list = []
    for item in inputs:
        if item == STDIN:
            linter.stdin = linter.read(STDIN)  # read again from here if one process lints
            item = Read(*linter.stdin)
        entries.append(item)
    sizes = [_size(entry) for entry in entries]
    workers = worker_count(sum(sizes), jobs)
    if workers <= 1:
        return None
    smallest = max(1, sum(sizes) // (workers * SMALLEST_CHUNKS_PER_PROCESS))
    entries, sizes = _cut(linter, entries, sizes, smallest)
    cut = chunks(sizes, smallest, workers)
    workers = min(workers, len(cut))
    if workers <= 1:
        return None
    try:
        result = lint_chunks(linter, entries, cut, workers, progress)
        linter.stdin = None
        return result
    except _Unsplittable:
        pass  # a part reads otherwise than in its whole file: the run goes to one process
    except WorkerFailed as error:
        print(f"wslint: warning: a worker process failed ({error}); linting in one process",
              file=sys.stderr)
    if progress is not None:
        progress.done = 0  # counted again by the run in one process
    return None


def _size(entry: Entry) -> int:
    if isinstance(entry, (LoadedSource, Read)):
        return len(entry.source.text)
    try:
        return os.stat(entry).st_size
    except OSError:
        return 0


# Where a part may start: a `---` line (a document marker; no document goes across one).
_PART_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)


def _cut(linter: "Linter", entries: list, sizes: list[int], chunk_size: int
         ) -> tuple[list[Entry], list[int]]:
    """The entries with every input larger than two chunks read now and, where it can be, cut
    into parts of about a chunk each; and their sizes."""
    cut, cut_sizes = [], []
    for entry, size in zip(entries, sizes):
        if size <= 2 * chunk_size or isinstance(entry, LoadedSource):
            cut.append(entry)
            cut_sizes.append(size)
            continue
        read = entry if isinstance(entry, Read) else Read(*linter.read(entry))
        source = read.source
        starts = [0]
        cuttable = read.problem is None and splittable(source) and not (
            source.is_stdin and linter.settings.helm and "# Source:" in source.text)
        while cuttable:
            marker = _PART_START.search(source.text, starts[-1] + chunk_size)
            if marker is None:
                break
            starts.append(marker.start())
        if len(starts) == 1:
            cut.append(read)
            cut_sizes.append(len(source.text))
            continue
        bounds = starts + [len(source.text)]
        lines = 0
        for index, (start, end) in enumerate(zip(bounds, bounds[1:])):
            cut.append(Part(source, start, end, lines, index == len(starts) - 1))
            cut_sizes.append(end - start)
            lines += source.text.count("\n", start, end)
    return cut, cut_sizes


def chunks(sizes: list[int], smallest: int, workers: int = 1) -> list[range]:
    """Contiguous, non-empty ranges of entries for `workers` processes to take in turn, each of
    about half of what is left per process but not under `smallest` (an entry larger than a
    range alone): a few large chunks first, each worth taking, then smaller ones, so that no
    process is left with a large one when the others are done (guided self-scheduling)."""
    found, start, total, left = [], 0, 0, sum(sizes)
    size_now = max(smallest, left // (2 * workers))
    for index, size in enumerate(sizes):
        total += size
        if total >= size_now:
            found.append(range(start, index + 1))
            start, left, total = index + 1, left - total, 0
            size_now = max(smallest, left // (2 * workers))
    if start < len(sizes):
        found.append(range(start, len(sizes)))
    return found


def load_entry(linter: "Linter", entry: Entry) -> list[LoadedSource]:
    """What loading one entry gives (Helm's output on the standard input: several sources)."""
    if isinstance(entry, str):
        return linter.loaded_input(linter.load(entry))
    if isinstance(entry, Read):
        return linter.loaded_input(linter.load_read(entry.source, entry.problem))
    if isinstance(entry, Part):
        settings = linter.settings
        stream = parse_part(entry.source.text[entry.start:entry.end], entry.lines_before,
                            settings.max_depth, settings.max_alias_expansion)
        if stream.problem is not None or stream.complex_keys:
            raise _Unsplittable
        return [load_part(entry.source, stream)]
    return [entry]


class _Unsplittable(Exception):
    """A part of a file does not read on its own as it does in the whole file."""


# --- views: objects cut down for the other processes ------------------------------------------

class Locator(NamedTuple):
    """Where a cut-down mapping's full version is: object `index` of source `item` of what
    loading entry `entry` gives, at `steps` within it. Of a part, only the object's document is
    read again: the object is that document, or item `list_item` of its `items` (a List)."""

    entry: int
    item: int
    index: int
    steps: tuple
    list_item: int | None = None


class PartialMap(Map):
    """A mapping some keys of which were left out of a view (`key_pos` still lists them all).
    Asking for a key that was left out, or for the mapping as a whole, first fills it in from the
    full object."""

    __slots__ = ("locator",)

    def _fill(self) -> None:
        locator, self.locator = self.locator, None
        full = _full_object(locator, self.line)
        for step in locator.steps:
            full = full[step]
        dict.clear(self)
        dict.update(self, full)
        self.key_pos = full.key_pos
        _stats["filled"] += 1

    def _needs(self, key: Any) -> bool:
        return self.locator is not None and not dict.__contains__(self, key) and key in self.key_pos

    def __getitem__(self, key: Any) -> Any:
        if self._needs(key):
            self._fill()
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        if self._needs(key):
            self._fill()
        return dict.get(self, key, default)

    def __contains__(self, key: Any) -> bool:
        if self._needs(key):
            self._fill()
        return dict.__contains__(self, key)

    def __eq__(self, other: Any) -> bool:
        for side in (self, other):
            if isinstance(side, PartialMap) and side.locator is not None:
                side._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # Travels as the cut-down mapping it is (pickling would otherwise ask for every item).
        return _rebuild_partial, (dict(dict.items(self)), self.line, self.column, self.key_pos,
                                  self.locator)


def _rebuild_partial(items: dict, line: int, column: int, key_pos: dict,
                     locator: Locator | None) -> PartialMap:
    partial = PartialMap(items)
    partial.line, partial.column, partial.key_pos, partial.locator = line, column, key_pos, locator
    return partial


def _whole(name: str) -> Any:
    """A method that needs every key: it fills the mapping in first."""
    method = getattr(dict, name)

    def whole(self: PartialMap, *args: Any, **kwargs: Any) -> Any:
        if self.locator is not None:
            self._fill()
        return method(self, *args, **kwargs)

    whole.__name__ = name
    return whole


for _name in ("__iter__", "__len__", "__repr__", "__reversed__", "__or__", "__ior__",
              "__setitem__", "__delitem__", "keys", "values", "items", "copy", "pop", "popitem",
              "setdefault", "update", "clear"):
    setattr(PartialMap, _name, _whole(_name))

# Entries loaded again in this process, by their index in `_run` (for PartialMap._fill).
_reloaded: dict[int, list[LoadedSource]] = {}
_stats: dict[str, Any] = {"filled": 0, "finished apart": None}  # of the last run, for tests


def _full_object(locator: Locator, line: int) -> Map:
    """The full data of the object a cut-down mapping at `line` belongs to."""
    if not _run:
        raise RuntimeError("cannot load the full object outside a run")
    linter, entries = _run
    entry = entries[locator.entry]
    if isinstance(entry, Part):
        document = parse_part(*_document_of(entry, line), linter.settings.max_depth,
                              linter.settings.max_alias_expansion).documents[0]
        return document if locator.list_item is None else document["items"][locator.list_item]
    loaded = _reloaded.get(locator.entry)
    if loaded is None:
        loaded = _reloaded[locator.entry] = load_entry(linter, entry)
    return loaded[locator.item].objects[locator.index].data


def _document_of(part: Part, line: int) -> tuple[str, int]:
    """The text of the document of `part` that holds `line` (of the whole text), and how many
    lines precede it."""
    text = part.source.text
    position, lines = part.start, part.lines_before
    start, start_lines = position, lines
    while lines < line - 1:
        position = text.index("\n", position) + 1
        lines += 1
        if _PART_START.match(text, position):
            start, start_lines = position, lines
    marker = _PART_START.search(text, position, part.end)
    return text[start:marker.start() if marker else part.end], start_lines


# The run under way in this process (and in those it forks): the linter and the entries.
_run: list[Any] = []


def _copy_map(node: Map) -> Map:
    copied = Map(node)
    copied.line, copied.column, copied.key_pos = node.line, node.column, node.key_pos
    return copied


def _partial(node: Map, keep: tuple, locator: Locator) -> PartialMap:
    partial = PartialMap((key, node[key]) for key in keep if key in node)
    partial.line, partial.column, partial.key_pos = node.line, node.column, node.key_pos
    partial.locator = locator
    return partial


def view_data(obj: KObject, locate: tuple, list_item: int | None, linter: "Linter") -> Map:
    """The object's data as other processes see it: workloads with their pod spec cut down.
    `locate`: (entry, item, index) of the object, and its place in a List, for loading it
    again."""
    kind = workload_kind_of(obj, linter.settings.workload_kinds)
    if kind is None:
        return obj.data
    spec_path = kind.template_path + ("spec",)
    chain = [obj.data]
    for step in spec_path:
        node = chain[-1].get(step)
        if not isinstance(node, Map):
            return obj.data  # not the usual shape: send it whole
        chain.append(node)
    pod_spec = _partial(chain[-1], POD_SPEC_KEEPS, Locator(*locate, spec_path, list_item))
    containers = pod_spec.get("containers")
    if isinstance(containers, Seq):
        cut = Seq(_partial(item, CONTAINER_KEEPS,
                           Locator(*locate, spec_path + ("containers", i), list_item))
                  if isinstance(item, Map) else item for i, item in enumerate(containers))
        cut.line, cut.column, cut.item_pos = containers.line, containers.column, containers.item_pos
        dict.__setitem__(pod_spec, "containers", cut)
    # Copy the mappings on the way down, so that the loaded object itself stays whole.
    node = pod_spec
    for parent, step in zip(reversed(chain[:-1]), reversed(spec_path)):
        copied = _copy_map(parent)
        dict.__setitem__(copied, step, node)
        node = copied
    return node


class ViewObject(KObject):
    """An object of another process's chunks as this process sees it: below its top level, its
    mappings and lists are plain ones without positions (those are most of what a view would
    weigh); `locate` finds them in the full object, loaded again. A finding's positions are
    settled in the process that loaded its object, so that is rare."""

    locator: Locator

    def locate(self, path: tuple) -> tuple[int, int]:
        return locate(_full_object(self.locator, self.data.line), path)


def _view_object(state: dict, items: dict, line: int, column: int, key_pos: dict) -> ViewObject:
    seen = object.__new__(ViewObject)
    seen.__dict__.update(state)
    seen.data = root = Map(items)
    root.line, root.column, root.key_pos = line, column, key_pos
    return seen


def _travelling_view(seen: ViewObject) -> tuple:
    """A view object as it travels: its top level with its positions, the rest plain."""
    state = dict(seen.__dict__)
    data = state.pop("data")
    if type(data) is not Map:
        state["data"] = data
        return _view_object_as_is, (state,)
    return _view_object, (state, dict(dict.items(data)), data.line, data.column, data.key_pos)


def _view_object_as_is(state: dict) -> ViewObject:
    seen = object.__new__(ViewObject)
    seen.__dict__.update(state)
    return seen


# How views travel (`dump_views`): below each object's top level, mappings and lists go as plain
# ones, written straight from the loaded tree (a cut-down mapping keeps its own positions).
_VIEW_REDUCERS = {
    Map: lambda node: (dict, (), None, None, iter(dict.items(node))),
    Seq: lambda node: (list, (), None, iter(node)),
    ViewObject: _travelling_view,
}


def dump_views(views: Any) -> bytes:
    """Pickle views (see `make_view`) for another process."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _VIEW_REDUCERS
    pickler.dump(views)
    return buffer.getvalue()


def make_view(item: LoadedSource, entry: int, index: int, shared: Source | None,
              linter: "Linter") -> LoadedSource:
    """What other processes see of source `index` of what entry `entry` gave. `shared`: the
    source the processes had before they forked, if it is this one: it does not travel (the
    receiver puts its own back, `_with_source`)."""
    view = copy.copy(item)
    view.objects = []
    for number, obj in enumerate(item.objects):
        seen = object.__new__(ViewObject)  # a shallow copy, without copy.copy's detour via pickling
        seen.__dict__.update(obj.__dict__)
        seen.locator = Locator(entry, index, number, (), obj.item_index)
        seen.data = view_data(obj, (entry, index, number), obj.item_index, linter)
        if obj.source is shared:
            seen.source = None
        view.objects.append(seen)
    if view.source is shared:
        view.source = None
    return view


def _with_source(view: LoadedSource, shared: Source | None) -> LoadedSource:
    if shared is not None:
        if view.source is None:
            view.source = shared
        for obj in view.objects:
            if obj.source is None:
                obj.source = shared
    return view


def _shared_source(entry: Entry) -> Source | None:
    return entry.source if isinstance(entry, (Read, Part)) else None


# --- what travels between processes ----------------------------------------------------------

def _map(line: int, column: int, key_pos: dict) -> Map:
    node = Map()
    node.line, node.column, node.key_pos = line, column, key_pos
    return node


def _seq(line: int, column: int, item_pos: list) -> Seq:
    node = Seq()
    node.line, node.column, node.item_pos = line, column, item_pos
    return node


# Positions travel as plain arguments and items as pickle's own item streams: twice as fast as
# its generic way with __slots__ (which copies every mapping into a state dict).
_TREE_REDUCERS = {
    Map: lambda node: (_map, (node.line, node.column, node.key_pos), None, None,
                       iter(dict.items(node))),
    Seq: lambda node: (_seq, (node.line, node.column, node.item_pos), None, iter(node)),
}


def _named(kind: str, item: int, index: int = 0) -> Any:
    """An object or source `dump` named, found in what `load` was given."""
    found = _naming[-1][item]
    return found.source if kind == "source" else found.objects[index]


# What `load` finds named objects and sources in, while it runs.
_naming: list[list[LoadedSource]] = []


def dump(value: Any, names: dict[int, tuple] | None = None) -> bytes:
    """Pickle `value`; objects and sources listed in `names` travel as their name (their place
    in the input), to be found again on the other side by `load`."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    if names is None:
        pickler.dispatch_table = _TREE_REDUCERS
    else:
        # By type, so that only objects and sources are asked for a name (a pickler's
        # persistent_id is asked of every value).
        def named(value: Any) -> tuple:
            name = names.get(id(value))
            return (_named, name) if name is not None else value.__reduce_ex__(
                pickle.HIGHEST_PROTOCOL)

        pickler.dispatch_table = {**_TREE_REDUCERS, KObject: named, ViewObject: named,
                                  Source: named}
    pickler.dump(value)
    return buffer.getvalue()


def load(data: bytes, everything: list[LoadedSource] | None = None) -> Any:
    if everything is None:
        return pickle.loads(data)
    _naming.append(everything)
    try:
        return pickle.loads(data)
    finally:
        _naming.pop()


def names_of(everything: list[LoadedSource]) -> dict[int, tuple]:
    names: dict[int, tuple] = {}
    for file_index, item in enumerate(everything):
        names[id(item.source)] = ("source", file_index)
        for index, obj in enumerate(item.objects):
            names[id(obj)] = ("object", file_index, index)
    return names


@dataclass
class ChunkResult:
    """What checking one chunk found, in the order one process finds it."""

    chunk: int
    input_findings: list
    check_findings: list
    result: LintResult  # what checks collect besides findings (internal errors, ...)


class Finished(NamedTuple):
    """A process's findings finished on their own (`_Process.finish_own`): what finishing every
    process's findings together keeps of them, in order, and how many it suppresses."""

    findings: list
    suppressed: int
    texts: list[str] | None  # the findings as the report writes them (`Linter.finding_text`)


class WorkerFailed(Exception):
    """A worker stopped without a result (a crash, or killed by the system)."""


# --- the run ----------------------------------------------------------------------------------

@dataclass
class _Process:
    """One process's side of a run: the chunks it loads and checks."""

    linter: "Linter"
    entries: list[Entry]
    chunks: list[range]
    counter: forked.Counter  # the next chunk to take, shared by the processes
    number: int  # 0 for the first process
    processes: int  # how many there are
    own: dict[int, list[LoadedSource]] = field(default_factory=dict)  # by entry
    taken: list[int] = field(default_factory=list)  # the chunks this process loaded

    def next_chunk(self) -> int:
        """The next chunk no process has taken (past the last when none is left)."""
        return self.counter.take()

    def load(self, report: Any) -> bytes:
        """Load chunks until none is left, telling `report` how many inputs are done now and
        then; return their views for the other processes."""
        done, last = 0, time.monotonic()
        views = []
        while True:
            chunk = self.next_chunk()
            if chunk >= len(self.chunks):
                break
            self.taken.append(chunk)
            for index in self.chunks[chunk]:
                entry = self.entries[index]
                items = self.own[index] = load_entry(self.linter, entry)
                if isinstance(entry, LoadedSource):
                    views.append((index, None))  # the others have it
                else:
                    shared = _shared_source(entry)
                    views.append((index, [make_view(item, index, place, shared, self.linter)
                                          for place, item in enumerate(items)]))
                done += not isinstance(entry, Part) or entry.last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL:
                report(done)
                last = now
        report(done)
        return dump_views(views)

    def everything(self, views: list[bytes]) -> tuple[list[LoadedSource], list[list[LoadedSource]]]:
        """Every source in input order (this process's whole, the others' views), and the same
        by entry."""
        by_entry: list[Any] = [None] * len(self.entries)
        for index, items in self.own.items():
            by_entry[index] = items
        for data in views:
            for index, items in load(data) if data else ():
                entry = self.entries[index]
                shared = _shared_source(entry)
                by_entry[index] = [entry] if items is None else \
                    [_with_source(item, shared) for item in items]
        return [item for items in by_entry for item in items], by_entry

    def check(self, everything: list[LoadedSource], by_entry: list[list[LoadedSource]]
              ) -> tuple[list[ChunkResult], "Graph", Finished | None]:
        """The findings of this process's chunks, the graph, and the findings finished here
        where that gives what finishing them with the others' would (`finish_own`)."""
        linter = self.linter
        linted, graph = linter.graph_of(everything)
        # As one process leaves out of the checks what another workload owns (`Linter._linted`).
        owned = len(linted) < sum(len(item.objects) for item in everything)
        checked = {id(obj) for obj in linted} if owned else None
        found = []
        for chunk in sorted(self.taken):
            items = [item for index in self.chunks[chunk] for item in by_entry[index]]
            result = LintResult()
            objects = [obj for item in items for obj in item.objects
                       if checked is None or id(obj) in checked]
            found.append(ChunkResult(chunk, linter.input_findings(items),
                                     linter.run_checks(objects, graph, result), result))
        finished = None if owned or graph.relations_refused is not None else \
            self.finish_own(found, by_entry)
        return found, graph, finished

    def finish_own(self, found: list[ChunkResult], by_entry: list[list[LoadedSource]]
                   ) -> Finished | None:
        """This process's findings finished here as finishing every process's together would
        finish them, where that gives the same: when each is in a file of which only this
        process loaded objects. Finishing then looks at nothing else: duplicates are in one
        file, a suppression silences findings in its own file only, and the order is by file
        first. A file others loaded objects of too (a file cut in parts, a kustomize base two
        renderings use) must then hold no suppressions (every process sees to its own objects
        there), and findings only at lines of this process's parts of it. None where this
        cannot be done (a finding in another process's file, or elsewhere in one it shares);
        also None, from `check`, where a workload owned by another or the limit of relations
        makes findings depend on others' objects."""
        linter = self.linter
        mine: dict[str, Source] = {}
        theirs: set[str] = set()
        for index, items in enumerate(by_entry):
            for item in items:
                for source in (item.source, *(obj.source for obj in item.objects)):
                    if index in self.own:
                        mine[source.path] = source
                    else:
                        theirs.add(source.path)
        findings = [f for part in found for f in part.input_findings]
        findings += [f for part in found for f in part.check_findings]
        shared = theirs.intersection(mine)
        # The lines of the parts of files this process read: a finding there is its alone.
        parts: dict[str, list[range]] = {}
        for index in self.own:
            entry = self.entries[index]
            if isinstance(entry, Part):
                text, first = entry.source.text, entry.lines_before + 1
                lines = text.count("\n", entry.start, entry.end) + (entry.end == len(text))
                parts.setdefault(entry.source.path, []).append(range(first, first + lines))
        if any(finding.file not in mine or finding.file in shared and not any(
                finding.line in lines for lines in parts.get(finding.file, ()))
               for finding in findings):
            return None
        own = [item for index in sorted(self.own) for item in self.own[index]]
        if shared and (any(MARKER in mine[path].text for path in shared) or any(
                obj.source.path in shared and annotation_directives(
                    obj, linter.settings.workload_kinds)
                for item in own for obj in item.objects)):
            return None
        result = linter.finish_findings(own, findings, LintResult())
        write = linter.finding_text
        return Finished(result.findings, result.suppressed,
                        None if write is None else [write(finding) for finding in result.findings])


def lint_chunks(linter: "Linter", entries: list[Entry], chunks: list[range], workers: int,
                progress: "Progress | None" = None) -> LintResult:
    """Lint the entries, cut into `chunks`, in `workers` processes (this one and forked ones)
    with the same result as `linter.lint_loaded` of them all in one process."""
    counter = forked.Counter()
    _run[:] = [linter, entries]
    _reloaded.clear()
    _stats["filled"], _stats["finished apart"] = 0, None
    children, connections = [], []
    done = [0] * workers

    def report(process: int, count: int) -> None:
        done[process] = count
        if progress is not None:
            progress.update(sum(done))

    def receive(child: int) -> tuple[str, Any]:
        try:
            kind, payload = connections[child].recv()
            if kind in _DATA:
                payload = connections[child].recv_bytes()
        except EOFError:
            children[child].join()
            raise WorkerFailed(f"a worker exited with status {children[child].exitcode}") from None
        if kind == "error":
            raise WorkerFailed(payload)
        if kind == "unsplittable":
            raise _Unsplittable
        return kind, payload

    def send_views(child: int, data: bytes) -> None:
        try:
            connections[child].send_bytes(data)
        except BrokenPipeError:  # it ended: why is in what it sent before
            while True:
                receive(child)

    def poll() -> None:
        for child, connection in enumerate(connections):
            while views[child + 1] is None and connection.poll():
                kind, payload = receive(child)
                if kind == "progress":
                    report(child + 1, payload)
                else:
                    views[child + 1] = payload

    views: list[bytes | None] = [None] * workers
    try:
        for number in range(1, workers):
            child, connection = forked.fork(_work, _Process(linter, entries, chunks, counter,
                                                             number, workers))
            children.append(child)
            connections.append(connection)
        this = _Process(linter, entries, chunks, counter, 0, workers)

        def report_own(count: int) -> None:
            report(0, count)
            poll()

        views[0] = this.load(report_own)
        while any(view is None for view in views):
            forked.wait([connections[i - 1] for i, view in enumerate(views) if view is None])
            poll()
        # Each worker sends its views as soon as it has loaded and then reads the others':
        # this process's as they are, and (with more than two processes) the other workers'.
        for child in range(len(connections)):
            send_views(child, views[0])
            if workers > 2:
                send_views(child, dump([view for index, view in enumerate(views)
                                        if index not in (0, child + 1)]))
        everything, by_entry = this.everything(views[1:])
        del views
        found, graph, finished = this.check(everything, by_entry)
        # What needs nothing from the workers is done while they write their findings.
        joined = _joined(entries, by_entry)
        result = linter.new_result(joined)
        each_finished = [finished]
        for child in range(len(children)):
            child_found, child_finished = load(receive(child)[1], everything)
            found += child_found
            each_finished.append(child_finished)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()  # at once: a worker ends as soon as its findings are sent
        for connection in connections:
            connection.close()
        counter.close()
    found.sort(key=lambda part: part.chunk)
    apart = _stats["finished apart"] = all(part is not None for part in each_finished)
    if os.environ.get("WSLINT_PARALLEL_STATS"):
        print(f"wslint: {workers} processes, {len(chunks)} chunks of {len(entries)} inputs; "
              f"{_stats['filled']} cut-down mappings loaded in full; findings finished "
              f"{'in each process' if apart else 'together'}", file=sys.stderr)
    for part in found:
        add_collected(result, part.result)
    linter.keep(this, everything, by_entry, graph, found, joined)
    if apart:
        # Each process finished its own findings, in files no other has: merged in order,
        # they are what finishing them together gives (`_Process.finish_own`).
        result.notices = linter.notices(joined)
        result.findings = list(heapq.merge(*(part.findings for part in each_finished),
                                           key=Finding.sort_key))
        result.suppressed = sum(part.suppressed for part in each_finished)
        for part in each_finished:
            if part.texts is not None:
                result.finding_texts.update(
                    (id(finding), (finding, text)) for finding, text in zip(part.findings, part.texts))
        return result
    findings = [f for part in found for f in part.input_findings]
    findings += [f for part in found for f in part.check_findings]
    findings += linter.relations_refused(graph)
    return linter.finish(joined, findings, result)


# --- work shared out over processes forked from this one (`--fix`, `--context` runs) -------

def in_processes(parts: int, run: Callable[[int], Any], send: Callable[[Any], bytes],
                 receive: Callable[[bytes], Any]) -> list[Any]:
    """`[run(0), run(1), ...]` for `parts` parts: part 0 in this process, each other in a
    process forked now (which has everything this one has), which sends its result (`send`)
    for this one to `receive`. A part whose process fails is run here."""
    children, connections = [], []
    try:
        for number in range(1, parts):
            child, connection = forked.fork(_run_part, run, send, number)
            children.append(child)
            connections.append(connection)
        results = [run(0)]
        for number, connection in enumerate(connections, 1):
            try:
                results.append(receive(connection.recv_bytes()))
            except (EOFError, OSError):  # the process failed: its part is run here
                results.append(run(number))
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
        for connection in connections:
            connection.close()
    return results


def _run_part(run: Callable[[int], Any], send: Callable[[Any], bytes], number: int,
              connection: Any) -> None:
    """A forked process of `in_processes`: run its part, send the result."""
    gc.disable()
    try:
        connection.send_bytes(send(run(number)))
    except BaseException:
        pass  # the first process runs this part itself
    finally:
        end_worker(connection)


def worth_processes(linter: "Linter", size: int, items: int) -> int:
    """How many processes `items` things of `size` bytes in all are worth (1: this one alone;
    also while another thread runs, which forking would copy stopped mid-work)."""
    import threading

    if threading.active_count() > 1:
        return 1
    return min(worker_count(size, linter.jobs), items)


def bounds_by_size(sizes: list[int], shares: list[float]) -> list[int]:
    """Where each of `len(shares)` contiguous runs of items of `sizes` ends, the runs of about
    the shares given of the total size: `[0, end of the first, ..., len(sizes)]`."""
    total, ends = sum(sizes), []
    for number in range(len(shares)):
        ends.append(sum(shares[:number + 1]) / sum(shares) * total)
    bounds, done = [0], 0
    for index, size in enumerate(sizes):
        done += size
        while len(bounds) < len(shares) and done >= ends[len(bounds) - 1]:
            bounds.append(index + 1)
    return bounds + [len(sizes)] * (len(shares) + 1 - len(bounds))


def loaded_in_processes(linter: "Linter", files: list[str]) -> list[LoadedSource] | None:
    """What `linter.load_files(files)` gives, loaded in up to `linter.jobs` processes when the
    files are worth it: each loads a run of them, and the others send what they loaded whole,
    positions included (unpickling it takes a fraction of what parsing it does). None when one
    process should load them (the standard input among them)."""
    if STDIN in files:
        return None
    sizes = []
    for path in files:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)  # loading says why
    workers = worth_processes(linter, sum(sizes), len(files))
    if workers <= 1:
        return None
    # A forked process's run is WORKER_LOAD_SHARE of the first's: it also pickles what it
    # loaded, which the first unpickles in a fraction of that time.
    bounds = bounds_by_size(sizes, [1.0] + [WORKER_LOAD_SHARE] * (workers - 1))
    runs = in_processes(workers, lambda number: _load_all(linter, files[bounds[number]:
                                                                        bounds[number + 1]]),
                        dump, load)
    return [item for run in runs for item in run]


def _load_all(linter: "Linter", files: list[str]) -> list[LoadedSource]:
    return [item for path in files for item in linter.loaded_input(linter.load(path))]


def checks_in_processes(linter: "Linter", loaded: list[LoadedSource], objects: list[KObject],
                        graph: "Graph", result: LintResult,
                        codes: frozenset[str] | None = None) -> list | None:
    """What `linter.run_checks(objects, graph, result, codes)` finds, in up to `linter.jobs`
    processes when the input is worth it: forked now, each has every object and the graph,
    and checks a run of `objects` (this one the first); their findings come back in order,
    naming the objects of `loaded` they point to. None when one process should run them."""
    workers = worth_processes(linter, sum(len(item.source.text) for item in loaded),
                              len(objects))
    if workers <= 1:
        return None
    bounds = [len(objects) * number // workers for number in range(workers + 1)]

    def check(number: int) -> tuple[list, LintResult]:
        part_result = result if number == 0 else LintResult()
        return linter.run_checks(objects[bounds[number]:bounds[number + 1]], graph,
                                 part_result, codes), part_result

    runs = in_processes(workers, check, lambda found: dump(found, names_of(loaded)),
                        lambda data: load(data, loaded))
    for _, part_result in runs[1:]:
        result.internal_errors += part_result.internal_errors
    return [finding for found, _ in runs for finding in found]


def _joined(entries: list[Entry], by_entry: list[list[LoadedSource]]) -> list[LoadedSource]:
    """The sources in input order, the parts of each file joined into one, its documents
    numbered across them, as loading the whole file gives."""
    joined: list[LoadedSource] = []
    whole, documents = None, 0
    for entry, items in zip(entries, by_entry):
        if not isinstance(entry, Part):
            joined += items
            whole = None
            continue
        part = items[0]
        if whole is None or whole.source is not entry.source:
            whole, documents = LoadedSource(entry.source), 0
            joined.append(whole)
        for obj in part.objects:
            obj.doc_index += documents
        documents += part.documents
        whole.objects += part.objects
        whole.problems += part.problems
        whole.skipped_documents += part.skipped_documents
        whole.documents = documents
    return joined


def _work(process: _Process, connection: Any) -> None:
    """A forked worker: load chunks, trade views, check its chunks, send the findings."""
    gc.disable()
    try:
        view = process.load(lambda count: connection.send(("progress", count)))
        _send_data(connection, "view", view)
        del view
        views = [connection.recv_bytes()]  # the first process's
        if process.processes > 2:
            views += load(connection.recv_bytes())  # the other workers'
        everything, by_entry = process.everything(views)
        found, _, finished = process.check(everything, by_entry)
        _send_data(connection, "result", dump((found, finished), names_of(everything)))
    except KeyboardInterrupt:
        pass
    except _Unsplittable:
        connection.send(("unsplittable", None))
    except BaseException:  # the parent reports it
        import traceback

        connection.send(("error", traceback.format_exc()))
    finally:
        end_worker(connection)


# A worker's messages are pickled (kind, payload) pairs; views and findings, megabytes pickled
# already, follow their kind as they are instead of being copied into another pickle.
_DATA = ("view", "result")


def _send_data(connection: Any, kind: str, data: bytes) -> None:
    connection.send((kind, None))
    connection.send_bytes(data)


def end_worker(connection: Any) -> None:
    """End a forked worker once it has sent what it had to: without freeing what it built, one
    object at a time (the parent waits for its exit)."""
    connection.close()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


def add_collected(result: LintResult, part: LintResult) -> None:
    """What a process's checks collected besides findings (internal errors), into `result`."""
    for item in fields(LintResult):
        value = getattr(part, item.name)
        if isinstance(value, list) and item.name not in ("findings", "notices"):
            getattr(result, item.name).extend(value)
