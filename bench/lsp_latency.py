#!/usr/bin/env python3
"""Change-to-diagnostics latency of `wslint server`, with the standard workload as its context.

Generates N apps with the standard generator (`gen_corpus.py`, one file per app) into a workspace
directory, and makes the edited document from the next apps of the same generator (a few hundred
lines, in the same directory, so that the N files are its context, as `--context` reads them).
Then, through a real client over stdio (pygls's own), it:

1. opens the document and waits for its diagnostics (the first lint reads the whole context);
2. makes `--changes` edits one after the other, each a one-character change of a `replicas:`
   value as a user types it (an incremental `didChange`), and times each from the moment the
   change is sent to the moment the diagnostics of that version arrive.

It does the same with the document alone in a directory of its own (no context), for reference,
and prints the medians (and the 90th percentiles, minimum and maximum). Last, in this process,
it times `Workspace.lint` on the document with the whole context and with the quick one (what
the server does half a second after typing stops, and at each change). A benchmark, never a
test: run it on a quiet machine, with the interpreter wslint and pygls are installed in:

    .venv/bin/python bench/lsp_latency.py --generator ../shared/bench/gen_corpus.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
DOCUMENT = "edited.yaml"


def generate(generator: Path, directory: Path, apps: int, document_apps: int) -> Path:
    """The workspace: `apps` app files, and the document made of the next `document_apps`."""
    marker = directory / ".generated"
    wanted = f"{apps}+{document_apps}"
    if not (marker.exists() and marker.read_text() == wanted):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        subprocess.run([sys.executable, str(generator), str(directory), str(apps + document_apps)],
                       check=True, stdout=subprocess.DEVNULL)
        extra = sorted(directory.glob("app-*.yaml"))[apps:]
        text = "---\n".join(path.read_text() for path in extra)
        for path in extra:
            path.unlink()
        (directory / DOCUMENT).write_text(text)
        marker.write_text(wanted)
    return directory / DOCUMENT


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("lsp-latency", "1")
        self.arrived: dict[tuple[str, int | None], float] = {}
        self.published = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(client: Client, params: types.PublishDiagnosticsParams) -> None:
            client.arrived.setdefault((params.uri, params.version), time.perf_counter())
            client.published.set()

    async def diagnostics(self, uri: str, version: int, timeout: float = 600) -> float:
        """When the diagnostics of `version` arrived (waiting for them)."""
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.arrived:
            self.published.clear()
            await asyncio.wait_for(self.published.wait(), max(deadline - time.perf_counter(), 0))
        return self.arrived[(uri, version)]


async def measure(document: Path, changes: int) -> dict:
    text = document.read_text()
    digits = [m.start(1) for m in re.finditer(r"^\s*replicas: (\d)", text, re.M)]
    if not digits:
        raise SystemExit(f"{document}: no `replicas:` value to change")
    offset = digits[0]
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    client = Client()
    await client.start_io(sys.executable, "-m", "wslint", "server")
    root = from_fs_path(str(document.parent))
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root,
        workspace_folders=[types.WorkspaceFolder(root, "bench")]))
    client.initialized(types.InitializedParams())
    uri = from_fs_path(str(document))
    sent = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "yaml", 1, text)))
    opened = await client.diagnostics(uri, 1) - sent
    times = []
    for version in range(2, changes + 2):
        digit = str(version % 9 + 1)
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangePartial(
                types.Range(types.Position(line, column), types.Position(line, column + 1)),
                digit)]))
        times.append(await client.diagnostics(uri, version) - sent)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    times.sort()
    return {"lines": text.count("\n"), "open_s": opened, "changes": len(times),
            "median_ms": statistics.median(times) * 1000,
            "p90_ms": times[int(len(times) * 0.9) - 1] * 1000,
            "min_ms": times[0] * 1000, "max_ms": times[-1] * 1000}


def in_process(document: Path, runs: int = 20) -> dict:
    """Medians of `Workspace.lint` on the document: whole context, and quick (with the cyclic
    garbage collector as the server has it: context frozen, off while linting)."""
    import gc

    from wslint.workspace import Workspace

    workspace = Workspace(document.parent)
    text = document.read_text()
    workspace.lint(str(document), text)  # reads the context
    gc.freeze()
    gc.disable()
    medians = {}
    for name, quick in (("full_ms", False), ("quick_ms", True)):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            workspace.lint(str(document), text, quick=quick)
            times.append(time.perf_counter() - start)
        medians[name] = statistics.median(times) * 1000
    gc.enable()
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR,
                        help="the workload generator, gen_corpus.py")
    parser.add_argument("--apps", type=int, default=1000, help="apps in the workspace (context)")
    parser.add_argument("--document-apps", type=int, default=2,
                        help="apps in the edited document (2: about 400 lines)")
    parser.add_argument("--changes", type=int, default=50, help="edits to time")
    parser.add_argument("--work", type=Path, default=Path("/tmp/wslint-lsp-bench"))
    parser.add_argument("--json", type=Path, help="write the results to this file")
    args = parser.parse_args()
    if not args.generator.is_file():
        raise SystemExit(f"{args.generator}: no such generator (see --generator)")
    document = generate(args.generator, args.work / "workspace", args.apps, args.document_apps)
    alone = args.work / "alone"
    alone.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(document, alone / DOCUMENT)
    results = {"with_context": asyncio.run(measure(document, args.changes)),
               "alone": asyncio.run(measure(alone / DOCUMENT, args.changes)),
               "context_apps": args.apps, "lint": in_process(document)}
    for name, result in (("with context", results["with_context"]), ("alone", results["alone"])):
        print(f"{name:>12}: {result['lines']} lines; open {result['open_s']:.2f} s; change -> "
              f"diagnostics median {result['median_ms']:.1f} ms (p90 {result['p90_ms']:.1f}, "
              f"min {result['min_ms']:.1f}, max {result['max_ms']:.1f}; {result['changes']} changes)")
    lint = results["lint"]
    print(f"Workspace.lint in process, median: whole context {lint['full_ms']:.1f} ms, quick "
          f"{lint['quick_ms']:.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
