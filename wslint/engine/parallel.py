"""Linting in several processes (`--jobs N`) with the same result as in one.

The files are split into N contiguous shares of about equal size: this process loads the first,
forked workers the others. Checks need the whole input (a route in one file, its Service in
another, an HPA in a third), but shipping every parsed tree between processes costs more than
parsing it. So each process:

1. loads its share and sends the others a *view* of it: the objects with their positions, the
   file texts and the input problems, where a workload's pod spec is cut down to what relating
   objects needs (containers' names, images, ports and args; the restart policy). Pod specs are
   most of a manifest's bytes;
2. builds the graph over every object (its own whole, the others' as views, all in input order)
   and runs the checks on its own objects only;
3. sends its findings to the first process, naming objects by their place in the input rather
   than copying them.

The first process then finishes the run over its own objects and the others' views exactly as a
single process would (duplicates, suppressions, sorting), so the result does not depend on N. A
cut-down mapping is a `PartialMap`: asking it for something that was cut loads the full object
again (by loading its file again), so a check or a reporter that looks further than the view
still sees what one process would have seen; only slower.
"""

from __future__ import annotations

import copy
import gc
import io
import os
import pickle
import sys
import time
import traceback
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from wslint.k8s.objects import workload_kind_of
from wslint.model import KObject, LintResult, Source
from wslint.load.sources import STDIN, LoadedSource
from wslint.load.yamltree import Map, Seq

if TYPE_CHECKING:
    from wslint.engine import Linter
    from wslint.engine.progress import Progress

# The input a process should have to load (about 200 apps of the benchmark workload): below it,
# forking and trading views cost about what another process saves.
MIN_PARALLEL_BYTES = 1024 * 1024
# What a view keeps of a pod spec and of each of its containers.
POD_SPEC_KEEPS = ("containers", "restartPolicy")
CONTAINER_KEEPS = ("name", "image", "ports", "args")
PROGRESS_INTERVAL = 0.1  # seconds between a worker's progress messages

# What a run is given: the path of a file to load, or a source loaded already (a rendering).
Input = Union[str, LoadedSource]


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


def input_sizes(inputs: list[Input]) -> list[int]:
    sizes = []
    for item in inputs:
        if isinstance(item, LoadedSource):
            sizes.append(len(item.source.text))
            continue
        try:
            sizes.append(os.stat(item).st_size)
        except OSError:
            sizes.append(0)
    return sizes


def worker_count(inputs: list[Input], jobs: int, sizes: list[int]) -> int:
    """How many processes this input is worth: at most one per MIN_PARALLEL_BYTES of it (each
    process also reads every other's view), and one for standard input (a forked process
    cannot read it) or where processes cannot fork."""
    if jobs <= 1 or len(inputs) < 2 or STDIN in inputs or not can_fork():
        return 1
    return max(1, min(jobs, len(inputs), sum(sizes) // MIN_PARALLEL_BYTES))


def lint_if_worthwhile(linter: "Linter", inputs: list[Input], jobs: int,
                       progress: "Progress | None" = None) -> LintResult | None:
    """Lint `inputs` (file paths, or sources loaded already such as kustomize renderings) in
    up to `jobs` processes when that pays; None when one process should do it."""
    if jobs <= 1:
        return None
    sizes = input_sizes(inputs)
    workers = worker_count(inputs, jobs, sizes)
    if workers <= 1:
        return None
    try:
        return lint_files(linter, inputs, workers, sizes, progress)
    except WorkerFailed as error:
        print(f"wslint: warning: a worker process failed ({error}); linting in one process",
              file=sys.stderr)
        if progress is not None:
            progress.done = 0  # counted again by the run in one process
        return None


def split(sizes: list[int], count: int) -> list[range]:
    """`count` contiguous, non-empty ranges of input indexes of about equal total size."""
    total = sum(sizes)
    shares, start, done = [], 0, 0
    for share in range(count - 1):
        target = total * (share + 1) / count
        end = start + 1
        done += sizes[start]
        # Take files while the share is below its target, leaving one file for each later share.
        while end < len(sizes) - (count - 1 - share) and done + sizes[end] / 2 <= target:
            done += sizes[end]
            end += 1
        shares.append(range(start, end))
        start = end
    shares.append(range(start, len(sizes)))
    return shares


# --- views: objects cut down for the other processes ------------------------------------------

class Locator(NamedTuple):
    """Where a cut-down mapping's full version is: object `index` of what loading `path` gives,
    at `steps` within it."""

    path: str
    index: int
    steps: tuple


class PartialMap(Map):
    """A mapping some keys of which were left out of a view (`key_pos` still lists them all).
    Asking for a key that was left out, or for the mapping as a whole, first fills it in from the
    full object."""

    __slots__ = ("locator",)

    def _fill(self) -> None:
        locator, self.locator = self.locator, None
        full = _full_object(locator.path, locator.index)
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

# Full objects loaded again in this process, by input path (for PartialMap._fill).
_reloaded: dict[str, LoadedSource] = {}
_loader: list[Any] = []
_stats = {"filled": 0}


def _full_object(path: str, index: int) -> Map:
    loaded = _reloaded.get(path)
    if loaded is None:
        if not _loader:
            raise RuntimeError(f"{path}: cannot load the full object outside a run")
        loaded = _reloaded[path] = _loader[0](path)
    return loaded.objects[index].data


def _copy_map(node: Map) -> Map:
    copied = Map(node)
    copied.line, copied.column, copied.key_pos = node.line, node.column, node.key_pos
    return copied


def _partial(node: Map, keep: tuple, locator: Locator) -> PartialMap:
    partial = PartialMap((key, node[key]) for key in keep if key in node)
    partial.line, partial.column, partial.key_pos = node.line, node.column, node.key_pos
    partial.locator = locator
    return partial


def view_data(obj: KObject, path: str, index: int, linter: "Linter") -> Map:
    """The object's data as other processes see it: workloads with their pod spec cut down."""
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
    pod_spec = _partial(chain[-1], POD_SPEC_KEEPS, Locator(path, index, spec_path))
    containers = pod_spec.get("containers")
    if isinstance(containers, Seq):
        cut = Seq(_partial(item, CONTAINER_KEEPS, Locator(path, index, spec_path + ("containers", i)))
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


def make_view(item: LoadedSource, path: str | None, linter: "Linter") -> LoadedSource:
    """What other processes see of a loaded input. Without a `path` to load it again from (a
    rendering), its objects go whole."""
    if path is None:
        return item
    view = copy.copy(item)
    view.objects = []
    for index, obj in enumerate(item.objects):
        seen = object.__new__(KObject)  # a shallow copy, without copy.copy's detour via pickling
        seen.__dict__.update(obj.__dict__)
        seen.data = view_data(obj, path, index, linter)
        view.objects.append(seen)
    return view


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


class _NamingPickler(pickle.Pickler):
    """Pickles objects and sources listed in `names` as their name (their place in the input).
    A method, not an attribute set on a plain Pickler: Python 3.13 made that attribute
    read-only."""

    def __init__(self, file: io.BytesIO, names: dict[int, tuple]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.names = names

    def persistent_id(self, obj: Any) -> tuple | None:
        return self.names.get(id(obj)) if isinstance(obj, (KObject, Source)) else None


class _NamingUnpickler(pickle.Unpickler):
    """Finds the objects and sources `_NamingPickler` named in `everything`."""

    def __init__(self, file: io.BytesIO, everything: list[LoadedSource]) -> None:
        super().__init__(file)
        self.everything = everything

    def persistent_load(self, name: tuple) -> Any:
        item = self.everything[name[1]]
        return item.source if name[0] == "source" else item.objects[name[2]]


def dump(value: Any, names: dict[int, tuple] | None = None) -> bytes:
    """Pickle `value`; objects and sources listed in `names` travel as their name (their place
    in the input), to be found again on the other side by `load`."""
    buffer = io.BytesIO()
    # Without names, the plain Pickler: one that has persistent_id asks it of every object.
    pickler = (pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL) if names is None
               else _NamingPickler(buffer, names))
    pickler.dispatch_table = _TREE_REDUCERS
    pickler.dump(value)
    return buffer.getvalue()


def load(data: bytes, everything: list[LoadedSource] | None = None) -> Any:
    if everything is None:
        return pickle.loads(data)
    return _NamingUnpickler(io.BytesIO(data), everything).load()


def names_of(everything: list[LoadedSource]) -> dict[int, tuple]:
    names: dict[int, tuple] = {}
    for file_index, item in enumerate(everything):
        names[id(item.source)] = ("source", file_index)
        for index, obj in enumerate(item.objects):
            names[id(obj)] = ("object", file_index, index)
    return names


@dataclass
class ShareResult:
    """What checking one share of the input found, in the order one process finds it."""

    input_findings: list
    check_findings: list
    result: LintResult  # what checks collect besides findings (internal errors, ...)
    filled: int


class WorkerFailed(Exception):
    """A worker stopped without a result (a crash, or killed by the system)."""


# --- the run ----------------------------------------------------------------------------------

class _Share:
    """The share of the input this process loads and checks."""

    def __init__(self, linter: "Linter", inputs: list[Input], indexes: range) -> None:
        self.linter, self.inputs, self.indexes = linter, inputs, indexes
        self.own: list[LoadedSource] = []

    def load(self, report: Any) -> bytes:
        """Load the share, telling `report` how many files are done now and then; return its
        view for the other processes."""
        views, last = [], time.monotonic()
        for count, index in enumerate(self.indexes, 1):
            given = self.inputs[index]
            path = given if isinstance(given, str) else None
            item = self.linter.load(path) if path is not None else given
            self.own.append(item)
            views.append(make_view(item, path, self.linter))
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL:
                report(count)
                last = now
        report(len(self.indexes))
        return dump(views)

    def check(self, everything: list[LoadedSource]) -> ShareResult:
        linter = self.linter
        result = linter.new_result(self.own)
        inputs = linter.input_findings(self.own)
        checks = linter.check_findings(everything, result, checked=self.own)
        return ShareResult(inputs, checks, result, _stats["filled"])


def lint_files(linter: "Linter", inputs: list[Input], workers: int, sizes: list[int],
               progress: "Progress | None" = None) -> LintResult:
    """Lint `inputs` in `workers` processes (this one and forked ones) with the same result as
    `linter.lint_loaded` of them all in one process."""
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    shares = split(sizes, workers)
    _loader[:] = [linter.load]
    _reloaded.clear()
    _stats["filled"] = 0
    children, connections = [], []
    done = [0] * len(shares)

    def report(share: int, count: int) -> None:
        done[share] = count
        if progress is not None:
            progress.update(sum(done))

    def receive(child: int) -> tuple[str, Any]:
        try:
            kind, payload = connections[child].recv()
        except EOFError:
            children[child].join()
            raise WorkerFailed(f"a worker exited with status {children[child].exitcode}") from None
        if kind == "error":
            raise WorkerFailed(payload)
        return kind, payload

    def poll() -> None:
        for child, connection in enumerate(connections):
            while connection.poll():
                kind, payload = receive(child)
                if kind != "progress":
                    views[child + 1] = payload
                    return
                report(child + 1, payload)

    views: list[bytes | None] = [None] * len(shares)
    try:
        for index in range(1, len(shares)):
            parent_end, child_end = context.Pipe()
            child = context.Process(target=_work, args=(linter, inputs, shares[index], child_end),
                                    daemon=True)
            child.start()
            child_end.close()
            children.append(child)
            connections.append(parent_end)
        share = _Share(linter, inputs, shares[0])

        def report_own(count: int) -> None:
            report(0, count)
            poll()

        views[0] = share.load(report_own)
        while any(view is None for view in views):
            waiting = [connections[i - 1] for i, view in enumerate(views) if view is None]
            wait(waiting)
            poll()
        for child, connection in enumerate(connections):
            connection.send_bytes(dump([view if index != child + 1 else b""
                                        for index, view in enumerate(views)]))
        everything = list(share.own)
        for view in views[1:]:
            everything += load(view)
        del views
        parts = [share.check(everything)]
        for child in range(len(children)):
            parts.append(load(receive(child)[1], everything))
        for child in children:
            child.join()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
        for connection in connections:
            connection.close()
    if os.environ.get("WSLINT_PARALLEL_STATS"):
        print(f"wslint: {len(shares)} processes ({', '.join(str(len(s)) for s in shares)} files); "
              f"{sum(p.filled for p in parts)} cut-down mappings loaded in full", file=sys.stderr)
    result = linter.new_result(everything)
    for part in parts:
        for item in fields(LintResult):
            value = getattr(part.result, item.name)
            if isinstance(value, list) and item.name != "findings":
                getattr(result, item.name).extend(value)
    findings = [f for part in parts for f in part.input_findings]
    findings += [f for part in parts for f in part.check_findings]
    return linter.finish(everything, findings, result)


def _work(linter: "Linter", inputs: list[Input], indexes: range, connection: Any) -> None:
    """A forked worker: load a share, trade views, check the share, send the findings."""
    gc.disable()
    try:
        share = _Share(linter, inputs, indexes)
        view = share.load(lambda count: connection.send(("progress", count)))
        connection.send(("view", view))
        del view
        everything: list[LoadedSource] = []
        for other in load(connection.recv_bytes()):
            everything += share.own if not other else load(other)
        connection.send(("result", dump(share.check(everything), names_of(everything))))
    except KeyboardInterrupt:
        pass
    except BaseException:  # the parent reports it
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()
    # Done: end without freeing what this worker parsed one object at a time (the parent
    # waits for its exit).
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)
