#!/usr/bin/env python3
"""wslint beside the YAML parse floor and Checkov, on the standard benchmark workload.

Generates the workload with the standard generator (`gen_corpus.py`: 100, 1000 and 10000 apps, and
1000 apps as one file), then measures in one run, interleaved round by round so that all of them
see the same machine:

  floor    PyYAML `compose_all` with `CSafeLoader` over every file: libyaml composing each document
           with line/column marks, nothing else; the least any linter that reports positions does
  wslint   `wslint --format json -o FILE DIR` (default `--jobs`: every CPU), and `--jobs 1`
  --fix    `wslint --fix --format json -o FILE COPY` on a fresh copy of the workload, then again
           on the fixed copy (nothing left to fix); on the workloads of `--fix-sizes`
  checkov  `checkov -d DIR --framework kubernetes -o json` (its own virtual environment)

then, on the real-world corpus beside the repository (`--corpus`), its kustomizations rendered
with `kubectl kustomize`: cold (an empty render cache), warm (the cache of an earlier run),
with `--no-cache`, and with `--no-kustomize` (nothing rendered), counting kubectl's calls,

and reports medians of wall time and CPU time, peak memory (the resident set of the whole process
tree, sampled in a run of its own, since sampling takes CPU a timed run using every core would
miss), plus the start-up of `wslint --version` and of a one-file lint. PyYAML and Checkov are installed from PyPI into virtual environments under
the work directory on first use. Standard library only; run it with the interpreter wslint is
installed in:

    .venv/bin/python bench/run.py --generator ../shared/bench/gen_corpus.py

See bench/README.md for the options and for what the numbers mean.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "realworld"

# The floor: compose every document of every file; keep them all ("keep", as a linter relating
# objects across files must, and as bench/README.md's reference figure did) or none ("drop").
FLOOR_SCRIPT = """
import os, sys, yaml
assert yaml.__with_libyaml__, "PyYAML without libyaml"
keep = sys.argv[1] == "keep"
paths = []
for target in sys.argv[2:]:
    if os.path.isdir(target):
        for root, dirs, names in os.walk(target):
            dirs.sort()
            paths += [os.path.join(root, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    else:
        paths.append(target)
documents = []
for path in paths:
    with open(path, "rb") as handle:
        for node in yaml.compose_all(handle.read(), Loader=yaml.CSafeLoader):
            documents.append(node if keep else None)
print(len(documents))
"""


# How --fix placed its edits: from positions, or (where positions cannot place an edit) by
# ruamel.yaml's round trip, which costs some 8 ms a document.
PLACEMENT_SCRIPT = """
import json, sys
from wslint.engine import Linter
from wslint.fix import fix
linter = Linter()
loaded, context = linter.load_inputs(sys.argv[1:])
outcome = fix(linter, loaded, context)
print(json.dumps({"documents": outcome.documents_placed + outcome.documents_round_tripped,
                  "round_tripped": outcome.documents_round_tripped,
                  "fixed": outcome.fixed, "files": len(outcome.files)}))
"""


# --- processes and their resources ------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """The process and its descendants (Linux: /proc/PID/task/*/children)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue += [int(child) for child in handle.read().split()]
        except OSError:
            pass
    return found


def _memory(pid: int) -> tuple[int, int]:
    """A process's resident set now and its peak so far (VmRSS, VmHWM), in bytes."""
    now = peak = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return now, peak


class Sampler(threading.Thread):
    """The largest total resident set of a process tree, sampled every `interval` seconds, and
    never less than the largest peak of one of its processes (which the kernel keeps exactly;
    the exit status's maximum would count the benchmark's own memory, copied by the fork that
    started the command)."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            sizes = [_memory(pid) for pid in _tree(self.pid)]
            self.peak = max(self.peak, sum(now for now, _ in sizes),
                            max((peak for _, peak in sizes), default=0))
            self.stop.wait(self.interval)


# The environment of every measured command (see `tool_environment`).
ENVIRONMENT = dict(os.environ)


def tool_environment(work: Path) -> dict:
    """Bytecode caches as an installed package has them, kept under the work directory:
    without them every start compiles wslint again."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return environment


def measure(command: list[str], stdout: Path | None = None, timeout: float | None = None,
            sample: bool = False, env: dict | None = None) -> dict:
    """Run `command` once: wall and CPU seconds, exit status, and with `sample` its peak memory
    in bytes (see Sampler; sampling takes CPU that a command using every core would miss, so
    timed runs go without)."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE,
                               start_new_session=True, env={**ENVIRONMENT, **(env or {})})
    sampler = Sampler(process.pid)
    if sample:
        sampler.start()
    timer = None
    timed_out = threading.Event()
    if timeout:
        def kill() -> None:
            timed_out.set()
            os.killpg(process.pid, signal.SIGKILL)
        timer = threading.Timer(timeout, kill)
        timer.start()
    stderr = b""
    try:
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if timer:
            timer.cancel()
        if sample:
            sampler.stop.set()
            sampler.join()
        process.returncode = 0  # reaped by wait4 above
        if stdout:
            out.close()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak": sampler.peak if sample else None,
        "status": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out.is_set(),
        "stderr": stderr.decode(errors="replace")[-2000:],
    }


# --- environments -----------------------------------------------------------------------------

def ensure_venv(path: Path, packages: list[str]) -> Path:
    """A virtual environment with `packages` from PyPI; its bin directory."""
    bin_dir = path / "bin"
    marker = path / ".installed"
    if not marker.exists() or marker.read_text() != " ".join(packages):
        print(f"installing {' '.join(packages)} into {path} ...", file=sys.stderr)
        if path.exists():
            shutil.rmtree(path)
        venv.create(path, with_pip=True)
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *packages],
                       check=True)
        marker.write_text(" ".join(packages))
    return bin_dir


def output_of(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        return (done.stdout or done.stderr).strip().splitlines()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory_gib = round(int(memory) / 2**20, 1)
    except (OSError, StopIteration):
        memory_gib = None
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gib": memory_gib,
            "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


# --- the workload -----------------------------------------------------------------------------

def generate(generator: Path, work: Path, sizes: list[int], single: int | None) -> dict[str, dict]:
    corpora = {}
    layouts = [(f"{n} apps", work / f"apps-{n}", n, []) for n in sizes]
    if single:
        layouts.append((f"{single} apps, one file", work / f"single-{single}", single,
                        ["--single-file"]))
    for label, directory, count, extra in layouts:
        done = subprocess.run([sys.executable, str(generator), str(directory), str(count), *extra],
                              capture_output=True, text=True, check=True)
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        target = directory / "all-apps.yaml" if extra else directory
        corpora[label] = {"path": str(target), "apps": count, **summary}
    return corpora


# --- the run ----------------------------------------------------------------------------------

def fresh_copy(source: str, copy: Path) -> None:
    """A copy of the workload for --fix to change (not timed)."""
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(source, copy)


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(runs: list[dict]) -> dict:
    finished = [r for r in runs if not r["timed_out"]]
    return {
        "runs": len(runs),
        "finished": len(finished),
        "wall": median([r["wall"] for r in finished]),
        "cpu": median([r["cpu"] for r in finished]),
        "peak": median([r["peak"] for r in finished if r["peak"] is not None]),
        "walls": [round(r["wall"], 3) for r in runs],
        "statuses": [r["status"] for r in runs],
        "timed_out_after": runs[0]["wall"] if runs and not finished else None,
    }


# --- kustomize on the corpus: cold and warm render cache ---------------------------------------

# A kubectl that counts its calls, then runs the real one (counting runs only: not timed).
COUNTING_KUBECTL = """#!/bin/sh
echo "$1" >> "{log}"
exec "{kubectl}" "$@"
"""


def kustomize_bench(wslint: list[str], corpus: Path, work: Path, runs: int) -> dict | None:
    """`wslint --format json -o FILE CORPUS` with its kustomizations rendered: cold (a fresh
    cache directory each run), warm (one cache, filled before), `--no-cache`, and
    `--no-kustomize`; medians of `runs` rounds, outputs compared, kubectl's calls counted."""
    kubectl = shutil.which("kubectl")
    if kubectl is None or not corpus.is_dir():
        print(f"kustomize: skipped ({'kubectl is not on PATH' if kubectl is None else corpus}"
              f"{'' if kubectl is None else ': no such directory'})", file=sys.stderr)
        return None
    outputs = work / "out"
    caches = work / "render-caches"
    shutil.rmtree(caches, ignore_errors=True)

    def lint(name: str, *flags: str) -> list[str]:
        return [*wslint, *flags, "--format", "json", "-o", str(outputs / f"{name}.json"),
                str(corpus)]

    def cold_env(tag: str) -> dict:
        directory = caches / f"cold-{tag}"
        shutil.rmtree(directory, ignore_errors=True)
        return {"XDG_CACHE_HOME": str(directory)}

    warm = {"XDG_CACHE_HOME": str(caches / "warm")}
    measure(lint("kustomize-warm"), env=warm)  # fills the warm cache: not counted
    tools = {
        "no rendering (--no-kustomize)": (lambda r: (lint("no-kustomize", "--no-kustomize"), warm)),
        "kustomize, --no-cache": (lambda r: (lint("no-cache", "--no-cache"), warm)),
        "kustomize, cold cache": (lambda r: (lint("kustomize-cold"), cold_env(str(r)))),
        "kustomize, warm cache": (lambda r: (lint("kustomize-warm"), warm)),
    }
    results: dict[str, list[dict]] = {name: [] for name in tools}
    for round_number in range(runs):
        for name, command_of in tools.items():
            command, env = command_of(round_number)
            results[name].append(measure(command, env=env))
        print(f"corpus: round {round_number + 1}: " + ", ".join(
            f"{name} {r[-1]['wall']:.2f} s" for name, r in results.items()), file=sys.stderr)
    same = len({(outputs / f"{name}.json").read_bytes()
                for name in ("no-cache", "kustomize-cold", "kustomize-warm")}) == 1

    # kubectl's calls, in runs of their own through a counting kubectl.
    counting = work / "counting-bin"
    counting.mkdir(exist_ok=True)
    log = work / "kubectl-calls.log"
    (counting / "kubectl").write_text(COUNTING_KUBECTL.format(log=log, kubectl=kubectl))
    (counting / "kubectl").chmod(0o755)
    path = f"{counting}{os.pathsep}{ENVIRONMENT.get('PATH', '')}"
    calls = {}
    counted = cold_env("counted")  # a cache of its own: the renderer is another binary
    for name in ("cold", "warm"):
        log.write_text("")
        measure(lint(f"counted-{name}"), env={**counted, "PATH": path})
        calls[name] = log.read_text().split().count("kustomize")
    summary = json.loads((outputs / "kustomize-cold.json").read_text())["summary"]
    return {"tools": {name: summarise(r) for name, r in results.items()},
            "outputs_identical": same, "kustomize_calls": calls,
            "files": summary["files"], "objects": summary["objects"],
            "versions": {"kubectl": output_of([kubectl, "version", "--client"])}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR,
                        help="gen_corpus.py, the standard workload generator")
    parser.add_argument("--work", type=Path, default=Path("/tmp/wslint-bench"),
                        help="where corpora, outputs and tool environments go")
    parser.add_argument("--sizes", default="100,1000,10000", help="apps per corpus, one file each")
    parser.add_argument("--single-file", type=int, default=1000, metavar="N",
                        help="also N apps in one multi-document file (0: no)")
    parser.add_argument("--runs", type=int, default=5, help="runs of wslint and the floor")
    parser.add_argument("--checkov-runs", type=int, default=1, help="runs of Checkov (0: none)")
    parser.add_argument("--checkov-timeout", type=float, default=1200,
                        help="seconds before a Checkov run is stopped")
    parser.add_argument("--checkov-version", default="checkov", help="pip requirement for Checkov")
    parser.add_argument("--startup-runs", type=int, default=11,
                        help="runs of `wslint --version` and of a one-file lint")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="real manifests with kustomizations, for the render cache")
    parser.add_argument("--kustomize-runs", type=int, default=5,
                        help="rounds of the corpus runs with kustomize (0: none)")
    parser.add_argument("--fix-sizes", default="1000",
                        help="workloads (apps) on which --fix is measured against lint")
    parser.add_argument("--json", type=Path, help="write every measurement here")
    args = parser.parse_args()
    if not args.generator.is_file():
        sys.exit(f"bench: {args.generator}: no such file (the standard workload generator; "
                 f"pass --generator PATH)")

    args.work.mkdir(parents=True, exist_ok=True)
    ENVIRONMENT.clear()
    ENVIRONMENT.update(tool_environment(args.work))
    sizes = [int(n) for n in args.sizes.split(",") if n]
    fix_sizes = {int(n) for n in args.fix_sizes.split(",") if n}
    wslint_bin = Path(sys.executable).parent / "wslint"
    wslint = [str(wslint_bin)] if wslint_bin.exists() else [sys.executable, "-m", "wslint"]
    floor_python = str(ensure_venv(args.work / "venv-floor", ["pyyaml"]) / "python")
    checkov = None
    if args.checkov_runs:
        checkov = str(ensure_venv(args.work / "venv-checkov", [args.checkov_version]) / "checkov")

    report = {"machine": machine(), "versions": {
        "wslint": output_of([*wslint, "--version"]),
        "pyyaml": output_of([floor_python, "-c", "import yaml, _yaml; print(yaml.__version__, "
                             "'libyaml', _yaml.get_version_string())"]),
        "checkov": output_of([checkov, "--version"]) if checkov else None,
    }, "corpora": generate(args.generator, args.work, sizes, args.single_file), "results": {}}
    print(json.dumps(report["machine"]), json.dumps(report["versions"]), file=sys.stderr)

    outputs = args.work / "out"
    outputs.mkdir(exist_ok=True)
    for corpus in list(report["corpora"].values())[:1]:
        for warm_up in ([floor_python, "-c", FLOOR_SCRIPT, "drop", corpus["path"]],
                        [*wslint, "-q", corpus["path"]]):
            measure(warm_up)  # bytecode caches written, files in the page cache: not counted
    for label, corpus in report["corpora"].items():
        target = corpus["path"]
        tools = {
            "floor": [floor_python, "-c", FLOOR_SCRIPT, "keep", target],
            "floor, nothing kept": [floor_python, "-c", FLOOR_SCRIPT, "drop", target],
            "wslint": [*wslint, "--format", "json", "-o", str(outputs / "wslint.json"), target],
            "wslint --jobs 1": [*wslint, "--jobs", "1", "--format", "json", "-o",
                                str(outputs / "wslint-j1.json"), target],
        }
        fixing = corpus["apps"] in fix_sizes and os.path.isdir(target)
        copy = args.work / "fix-copy"
        fix_command = [*wslint, "--fix", "--format", "json", "-o", str(outputs / "fix.json"),
                       str(copy)]
        runs: dict[str, list[dict]] = {name: [] for name in tools}
        if fixing:
            runs.update({"wslint --fix": [], "wslint --fix, nothing left": []})
        fixed_trees = set()
        for round_number in range(args.runs):
            for name, command in tools.items():
                runs[name].append(measure(command))
            if fixing:
                fresh_copy(target, copy)
                runs["wslint --fix"].append(measure(fix_command))
                fixed = tree_digest(copy)
                fixed_trees.add(fixed)
                runs["wslint --fix, nothing left"].append(measure(fix_command))
                if tree_digest(copy) != fixed:
                    fixed_trees.add("a second --fix changed the files")
            print(f"{label}: round {round_number + 1}: " + ", ".join(
                f"{name} {r[-1]['wall']:.2f} s" for name, r in runs.items()), file=sys.stderr)
        same = (outputs / "wslint.json").read_bytes() == (outputs / "wslint-j1.json").read_bytes()
        summary = json.loads((outputs / "wslint.json").read_text())["summary"]
        results = {name: summarise(r) for name, r in runs.items()}
        for name, command in tools.items():  # memory, in a run of its own
            results[name]["peak"] = measure(command, sample=True)["peak"]
        if checkov:
            flag = "-f" if os.path.isfile(target) else "-d"
            command = [checkov, flag, target, "--framework", "kubernetes", "-o", "json"]
            checkov_runs = []
            for _ in range(args.checkov_runs):
                checkov_runs.append(measure(command, outputs / "checkov.json",
                                            timeout=args.checkov_timeout, sample=True))
                print(f"{label}: checkov {checkov_runs[-1]['wall']:.1f} s"
                      f"{' (stopped)' if checkov_runs[-1]['timed_out'] else ''}", file=sys.stderr)
                if checkov_runs[-1]["timed_out"]:
                    break
            results["checkov"] = summarise(checkov_runs)
        report["results"][label] = {"tools": results, "jobs_identical": same,
                                    "objects": summary["objects"], "findings": summary["findings"]}
        if fixing:
            fresh_copy(target, copy)
            placement = json.loads(output_of([sys.executable, "-c", PLACEMENT_SCRIPT, str(copy)]))
            report["results"][label]["fix"] = {
                **placement, "same_bytes_every_run": len(fixed_trees) == 1,
                "message": runs["wslint --fix"][-1]["stderr"].strip().splitlines()[-1:]}
            shutil.rmtree(copy)

    startup = {}
    for corpus in list(report["corpora"].values())[:1]:  # none with `--sizes ''`
        one_file = Path(corpus["path"])
        one_file = one_file if one_file.is_file() else sorted(one_file.glob("*.yaml"))[0]
        startup = {
            "wslint --version": [measure([*wslint, "--version"])
                                 for _ in range(args.startup_runs)],
            "wslint ONE-FILE": [measure([*wslint, str(one_file)])
                                for _ in range(args.startup_runs)],
        }
    report["startup"] = {name: summarise(r) for name, r in startup.items()}
    if args.kustomize_runs:
        report["kustomize"] = kustomize_bench(wslint, args.corpus, args.work, args.kustomize_runs)
    report["load_average"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))


def markdown(report: dict) -> str:
    """The results as Markdown tables: medians of wall time (peak memory)."""
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    def mib(value: float | None) -> str:
        return "-" if value is None else f"{value / 2**20:.0f}"

    def ratio(a: dict, b: dict) -> str:
        return "-" if a["wall"] is None or b["wall"] is None else f"{a['wall'] / b['wall']:.2f}"

    lines = ["| workload | floor s (MiB) | floor, nothing kept s | wslint s (MiB) "
             "| wslint --jobs 1 s (MiB) | Checkov s (MiB) |",
             "|---|---|---|---|---|---|"]
    ratios = ["| workload | wslint / floor | wslint / floor, nothing kept "
              "| wslint --jobs 1 / floor, nothing kept | Checkov / wslint |",
              "|---|---|---|---|---|"]
    for label, result in report["results"].items():
        tools = result["tools"]
        floor, strict = tools["floor"], tools["floor, nothing kept"]
        ours, one = tools["wslint"], tools["wslint --jobs 1"]
        checkov = tools.get("checkov")
        if checkov is None:
            checkov_text, checkov_ratio = "not run", "-"
        elif checkov["wall"] is None:
            checkov_text = f"stopped after {checkov['timed_out_after']:.0f} s"
            checkov_ratio = f"> {checkov['timed_out_after'] / ours['wall']:.0f}"
        else:
            checkov_text = f"{seconds(checkov['wall'])} ({mib(checkov['peak'])})"
            checkov_ratio = f"{checkov['wall'] / ours['wall']:.0f}"
        lines.append(f"| {label} | {seconds(floor['wall'])} ({mib(floor['peak'])}) "
                     f"| {seconds(strict['wall'])} | {seconds(ours['wall'])} ({mib(ours['peak'])}) "
                     f"| {seconds(one['wall'])} ({mib(one['peak'])}) | {checkov_text} |")
        ratios.append(f"| {label} | {ratio(ours, floor)} | {ratio(ours, strict)} "
                      f"| {ratio(one, strict)} | {checkov_ratio} |")
    lines += [""] + ratios + [""]
    if not report["results"]:  # no workload (`--sizes '' --single-file 0`)
        lines = []
    fixes = [(label, result) for label, result in report["results"].items() if "fix" in result]
    if fixes:
        lines += ["| workload | lint s | --fix s | --fix / lint | --fix, nothing left s "
                  "| documents edited | of them round-tripped |", "|---|---|---|---|---|---|---|"]
        for label, result in fixes:
            tools, fix = result["tools"], result["fix"]
            lines.append(f"| {label} | {seconds(tools['wslint']['wall'])} "
                         f"| {seconds(tools['wslint --fix']['wall'])} "
                         f"| {ratio(tools['wslint --fix'], tools['wslint'])} "
                         f"| {seconds(tools['wslint --fix, nothing left']['wall'])} "
                         f"| {fix['documents']} | {fix['round_tripped']} |")
        lines.append("")
    kustomize = report.get("kustomize")
    if kustomize:
        tools = kustomize["tools"]
        bare = tools["no rendering (--no-kustomize)"]["wall"]
        lines += ["", f"| corpus ({kustomize['files']} files, {kustomize['objects']} objects) "
                      f"| wall s | CPU s | over --no-kustomize s | kubectl kustomize calls |",
                  "|---|---|---|---|---|"]
        for name, result in tools.items():
            count = {"kustomize, cold cache": kustomize["kustomize_calls"]["cold"],
                     "kustomize, warm cache": kustomize["kustomize_calls"]["warm"]}.get(name, "")
            lines.append(f"| {name} | {seconds(result['wall'])} | {seconds(result['cpu'])} "
                         f"| {seconds(result['wall'] - bare)} | {count} |")
        lines += ["", f"- outputs of --no-cache, cold and warm identical: "
                      f"{kustomize['outputs_identical']}"]
    for name, result in report["startup"].items():
        lines.append(f"- `{name}`: median {result['wall']:.3f} s of {result['runs']} runs")
    for label, result in report["results"].items():
        lines.append(f"- {label}: {result['objects']} objects, {result['findings']} findings; "
                     f"output of --jobs 1 and the default identical: {result['jobs_identical']}")
        if "fix" in result:
            lines.append(f"- {label}, --fix: {' '.join(result['fix']['message'])} The same bytes "
                         f"every run, and a second --fix changed nothing: "
                         f"{result['fix']['same_bytes_every_run']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
