"""Helm: chart directories rendered with `helm template`, and Helm's output reported at the
templates it came from.

Helm's output. `helm template` prints each document after a `---` line and a comment naming
its template: `# Source: CHART/templates/deployment.yaml` (a subchart's under
`CHART/charts/SUB/templates/`). Every document so marked is reported at that template: the
documents of one template are joined in the order Helm printed them (a `---` line between
them), and a finding's line is a line of that rendered text, not of the template file. The two
agree where the template writes its YAML as it is rendered; they differ below a line that
renders to more or fewer lines (`{{- include ... }}`, `toYaml`, an `{{ if }}` on its own line,
comments Helm drops), and for a template's second document when Helm sorts another kind between
them. Rendered objects are never fixed in place: the fix belongs in the template. Documents
without the comment stay where they are in the stream.

Chart directories. A directory holding `Chart.yaml` is rendered with `helm template DIR` (the
release is Helm's default `release-name`, the values the chart's own) when `helm` is on PATH, and
its objects are reported at their templates under the directory, as above. A chart inside
another chart's directory (a subchart in `charts/`) renders only as part of it. None of a
chart's files is linted as a plain file. When the chart cannot be rendered (no `helm`, or
`helm template` fails), one WS906 finding at its `Chart.yaml` says why and how to render it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable

from wslint.model import Source
from wslint.load.files import FileRefused, read_regular_file
from wslint.load.sources import InputProblem, LoadedSource, display_path

CHART_FILE = "Chart.yaml"
RENDER_CODE = "WS906"
# What a chart given to helm is called in its output when no release name is given.
DEFAULT_RELEASE = "release-name"
_DOCUMENT_START = re.compile(r"---(?:[ \t]|\r?\n|$)")
_DOCUMENT_END = re.compile(r"\.\.\.(?:[ \t]|\r?\n|$)")
_SOURCE_COMMENT = re.compile(r"# Source: ([^\r\n]{1,1024}?)[ \t]*\r?\n?$")


# --- Helm's output, by template ---------------------------------------------------------------

@dataclass
class Templates:
    """A stream split by its `# Source:` comments."""

    texts: dict[str, str]  # template -> its documents, joined
    rest: str  # the stream with the templates' lines blanked (every other line where it was)


def split_by_template(text: str) -> Templates | None:
    """The documents of `text` by the template each `# Source:` comment names (the comment on
    the line after the `---` that starts the document, as Helm writes it); None when there is
    none."""
    lines = text.splitlines(keepends=True)
    bounds = [i for i, line in enumerate(lines)
              if _DOCUMENT_START.match(line) or _DOCUMENT_END.match(line)] + [len(lines)]
    parts: dict[str, list[str]] = {}
    blanked: set[int] = set()
    for start, end in zip(bounds, bounds[1:]):
        if start + 1 >= end or not _DOCUMENT_START.match(lines[start]):
            continue
        marker = _SOURCE_COMMENT.match(lines[start + 1])
        if marker is None:
            continue
        body = "".join(lines[start + 2:end]).rstrip("\r\n \t")
        parts.setdefault(marker.group(1), []).append(body + "\n" if body else "")
        blanked.update(range(start + 1, end))
    if not parts:
        return None
    rest = "".join("\n" if i in blanked else line for i, line in enumerate(lines))
    return Templates({name: "---\n".join(bodies) for name, bodies in parts.items()}, rest)


def load_templates(templates: Templates, place: Callable[[str], str], real_path: str,
                   parse: Callable[[Source], LoadedSource]) -> list[LoadedSource]:
    """One loaded source per template, named `place(template)`; `real_path` is where the
    objects sit in the input (and marks them rendered: no fix is written to a template)."""
    return [parse(Source(place(name), text, real_path=real_path))
            for name, text in templates.texts.items()]


def by_template(loaded: LoadedSource, parse: Callable[[Source], LoadedSource]) -> list[LoadedSource]:
    """Standard input that is Helm's output, reported at its templates: the templates' sources,
    after what is left of the stream (its other documents, at their own lines). Anything else
    as it is."""
    source = loaded.source
    templates = split_by_template(source.text) if not source.truncated else None
    if templates is None:
        return [loaded]
    # The stream's own text loses the templates' lines, so that their comments are read once,
    # in the templates; being rendered, it is not fixed either (`--fix -` prints it as read).
    rest = parse(Source(source.path, templates.rest, is_stdin=True, real_path=source.path,
                        raw=source.raw))
    return [rest, *load_templates(templates, lambda name: name, source.path, parse)]


# --- chart directories ------------------------------------------------------------------------

@dataclass
class Chart:
    directory: str  # absolute, normalised
    file: str  # its Chart.yaml, absolute
    display: str  # its Chart.yaml as reported
    text: str = ""


@dataclass
class ChartPlan:
    roots: list[Chart]
    inputs: list[str]  # the input's files, absolute
    skipped_files: set[str] = field(default_factory=set)

    def files(self, root: Chart, resources_only: bool = False) -> set[str]:
        """The input's files that belong to the chart: all of them (none is a plain manifest,
        so `resources_only`, the files to lint raw when the chart is not rendered, is none)."""
        if resources_only:
            return set()
        prefix = root.directory.rstrip(os.sep) + os.sep
        return {path for path in self.inputs if path.startswith(prefix)}


def plan(paths: list[str], files: list[str]) -> ChartPlan:
    """The charts among the input's directories; a chart inside another one's directory is part
    of it."""
    directories: dict[str, str] = {}  # absolute -> as given
    for path in paths:
        if os.path.isdir(path):
            directories.setdefault(os.path.normpath(os.path.abspath(path)), path)
    for path in files:
        if os.path.basename(path) == CHART_FILE:
            parent = os.path.dirname(path) or "."
            directories.setdefault(os.path.normpath(os.path.abspath(parent)), parent)
    charts = {}
    for absolute, given in directories.items():
        file = os.path.join(absolute, CHART_FILE)
        if os.path.isfile(file):
            charts[absolute] = Chart(absolute, file,
                                     display_path(os.path.join(given, CHART_FILE)))
    roots = [chart for directory, chart in sorted(charts.items())
             if not any(_inside(directory, other) for other in charts if other != directory)]
    for chart in roots:
        try:
            chart.text = read_regular_file(chart.file).decode("utf-8-sig", errors="replace")
        except (FileRefused, OSError):
            pass
    return ChartPlan(roots, [os.path.normpath(os.path.abspath(p)) for p in files])


def _inside(path: str, directory: str) -> bool:
    return path.startswith(directory.rstrip(os.sep) + os.sep)


def helm_path() -> str | None:
    import shutil  # here: a run that renders nothing needs none of it

    return shutil.which("helm")


@dataclass
class Rendering:
    root: Chart
    text: str | None = None
    error: str | None = None
    outside: bool = False  # the error's cause lies outside the files (helm is not installed)


def _error_reason(stderr: str) -> str:
    """helm's reason: its last line, without `Error: `."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = lines[-1] if lines else "no output"
    text = text[len("Error: "):] if text.startswith("Error: ") else text
    return text if len(text) <= 400 else text[:397] + "..."


def _failure(root: Chart, reason: str, outside: bool = False) -> LoadedSource:
    display_dir = os.path.dirname(root.display) or "."
    loaded = LoadedSource(Source(root.display, root.text, real_path=root.display))
    loaded.problems.append(InputProblem(
        RENDER_CODE, f"chart not rendered: {reason}; its templates are not linted",
        hint=f"render it (`helm template RELEASE {display_dir} | wslint -`), or pass --no-helm "
             f"to lint its files as they are", notice=outside))
    return loaded


class Helm:
    """The renderer of chart directories (see `wslint.load.render`)."""

    name = "helm"
    label = "helm template"
    tool_name = "helm"
    markers = (CHART_FILE,)
    version_arguments = ["version", "--short"]

    @staticmethod
    def tool() -> str | None:
        return helm_path()

    @staticmethod
    def plan(paths: list[str], files: list[str]) -> ChartPlan:
        return plan(paths, files)

    @staticmethod
    def reads(root: Chart) -> list[str]:
        """`helm template DIR` reads the chart's directory (subcharts in `charts/` included)."""
        return [root.directory]

    @staticmethod
    def command(root: Chart, helm: str, workdir: str) -> tuple[list[str], str]:
        return [helm, "template", root.directory], ""

    @staticmethod
    def rendering(root: Chart, output: dict) -> Rendering:
        if output.get("error"):
            return Rendering(root, error=output["error"], outside=bool(output.get("outside")))
        if output["returncode"] != 0:
            display_dir = os.path.dirname(root.display) or "."
            return Rendering(root, error=_error_reason(output["stderr"]).replace(
                root.directory, display_dir))
        return Rendering(root, text=output["stdout"])

    @staticmethod
    def load(rendering: Rendering, reading) -> list[LoadedSource]:
        root, parse = rendering.root, reading.parse
        if rendering.error is not None:
            return [_failure(root, rendering.error, rendering.outside)]
        templates = split_by_template(rendering.text or "")
        if templates is None:
            if (rendering.text or "").strip():  # not Helm's output: reported at the chart
                return [parse(Source(root.display, rendering.text or "", real_path=root.display))]
            return []
        display_dir = os.path.dirname(root.display)

        def place(template: str) -> str:
            # `CHART/templates/x.yaml`: CHART is the chart's name, whatever its directory's.
            inside = template.split("/", 1)[1] if "/" in template else template
            return display_path(os.path.join(display_dir, inside))

        loaded = load_templates(templates, place, root.display, parse)
        if templates.rest.strip(" \t\r\n-."):  # documents without a template: at Chart.yaml
            loaded.insert(0, parse(Source(root.display, templates.rest, real_path=root.display)))
        return loaded

    @staticmethod
    def failure(root: Chart, reason: str) -> LoadedSource:
        return _failure(root, reason)


RENDERER = Helm()
