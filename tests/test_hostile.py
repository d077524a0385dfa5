"""Hostile and broken input: every file below ends by itself, with exit status 0 or 1, without a
traceback, with the expected WS9xx finding where the input is at fault; text output holds no raw
control character, GitHub output no injected workflow command, JSON and SARIF are valid ASCII.

The files are generated here (none of them is kept in the repository): `HOSTILE` names each one,
its content and the findings it must give, as (rule, line) pairs or bare rule codes.
"""

from __future__ import annotations

import json
import os
import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from wslint.engine import Linter
from wslint.settings import Settings
from wslint.model import Source
from wslint.load.sources import load_source, read_input
from wslint.load import yamltree

POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: chat\nspec:\n  containers:\n"
       "  - name: chat\n    image: chat:1\n")
POD_FINDINGS = {("WS201", 7), ("WS202", 7), ("WS401", 7)}
MARKER = "wslint-code-ran"
# Hostile input, not WebSocket detection, is under test: every workload is in scope.
LINTER = Linter(Settings(jobs=1, websocket_scope="all"))


def laughs(levels: int = 10, indent: str = "") -> str:
    """A billion laughs: each level a list of nine aliases of the one before."""
    lines = [f'{indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"{indent}l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def injected(text: str) -> str:
    """A YAML double-quoted scalar holding `text`'s control characters as escapes."""
    return json.dumps(text)


# Terminal escape sequences, CI workflow commands and invisible characters a name may carry.
INJECTIONS = ["\x1b[2J\x1b[H", "\x1b]0;owned\x07", "\x1b]8;;https://evil.example\x1b\\link",
              "\r\x1b[Kall clear", "\x9b31m", "\u202eevil", "\u2066x\u2069", "\x00\x07\x08\x7f",
              "\n::error file=owned.yaml,line=1::injected", "%0A::warning::injected",
              "\r\n::add-mask::x", "\u2028::notice::injected", "##[set-output name=owned;]x",
              "\n##[add-mask]x"]


def _injection_manifest() -> str:
    names = [injected(f"chat{text}") for text in INJECTIONS]
    docs = [f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n"
            f"    {injected('a' + INJECTIONS[0])}: {injected('v' + INJECTIONS[1])}\n"
            f"spec:\n  containers:\n  - name: {name}\n    image: {injected('i' + INJECTIONS[2])}\n"
            for name in names]
    return "---\n".join(docs)


def _type_soup() -> str:
    return """\
apiVersion: apps/v1
kind: Deployment
metadata: null
spec: "text"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat}
spec:
  replicas: "three"
  template:
    spec:
      containers: {}
---
apiVersion: v1
kind: Pod
metadata: {name: items}
spec:
  containers: [null, 5, {name: 7, ports: 80, lifecycle: [], resources: "big"}]
---
apiVersion: v1
kind: [Deployment]
metadata: {name: kind-list}
---
apiVersion: v1
kind: List
items: [null, 42, "text", [1], {kind: Pod}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, annotations: [a, b]}
spec: {rules: {host: x}, defaultBackend: "svc"}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: "app=web"}
spec: {selector: [app], ports: [{port: [80], targetPort: {}}, null]}
"""


def _shared_anchors() -> str:
    """Within the alias limit, but every part the checks and the graph read is shared: one
    container two hundred times, the labels and annotations of the Deployment, its template, the
    Service and the Ingress."""
    env = ", ".join(f"{{name: E{i}, value: v}}" for i in range(50))
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\n"
        "  labels: &labels {app: chat}\n  annotations: &notes {a: '1', b: '2'}\nspec:\n"
        "  replicas: 3\n  template:\n    metadata: {labels: *labels, annotations: *notes}\n"
        "    spec:\n      containers:\n"
        f"      - &c {{name: chat, image: 'chat:1', ports: [{{name: ws, containerPort: 8080}}], "
        f"env: [{env}]}}\n" + "      - *c\n" * 200
        + "---\napiVersion: v1\nkind: Service\nmetadata: {name: chat, labels: &l {app: chat}}\n"
        "spec: {selector: *l, ports: &p [{name: ws, port: 80, targetPort: ws}]}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: chat}\nspec:\n"
        "  rules:\n  - &rule {http: {paths: [{path: /ws, pathType: Prefix, backend: {service: "
        "{name: chat, port: {number: 80}}}}]}}\n" + "  - *rule\n" * 100)


def _deep_block(levels: int) -> str:
    return "".join(" " * level + "- \n" for level in range(levels))


HOSTILE: dict[str, tuple[bytes, set]] = {
    "empty.yaml": (b"", set()),
    "blank.yaml": (b"  \n\t\n \r\n\t  \n", set()),
    "only-dashes.yaml": (b"---\n", set()),
    "dashes-and-ends.yaml": (b"---\n---\n...\n---\n", set()),
    "binary.yaml": (bytes(random.Random(7).randrange(256) for _ in range(4096)), {("WS901", 1)}),
    "png.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), {("WS901", 1)}),
    "latin1.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: café}\n".encode("latin-1"),
                    {("WS901", 3)}),
    "nul.yaml": ((POD + "---\napiVersion: v1\nkind: Pod\x00\n").encode(),
                 POD_FINDINGS | {("WS901", 11)}),
    "bom.yaml": (b"\xef\xbb\xbf" + POD.encode(), POD_FINDINGS),
    "utf16.yaml": (POD.encode("utf-16"), POD_FINDINGS),
    # Without a byte-order mark, told by the zero bytes around the first character (YAML 1.2).
    "utf16be-no-bom.yaml": (POD.encode("utf-16-be"), POD_FINDINGS),
    "utf32le-no-bom.yaml": (POD.encode("utf-32-le"), POD_FINDINGS),
    "crlf.yaml": (POD.replace("\n", "\r\n").encode(), POD_FINDINGS),
    "tabs.yaml": (b"apiVersion: v1\nkind: Pod\nmetadata:\n\tname: chat\n", {("WS901", 4)}),
    "duplicate-keys.yaml": ((POD + "  - name: chat\n    image: chat:2\nspec: {}\n").encode(),
                            {("WS905", 11)}),
    "deep-flow.yaml": (("a: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(), {("WS904", 1)}),
    "deep-mapping.yaml": (("a: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n").encode(),
                          {("WS904", 1)}),
    "deep-block.yaml": (_deep_block(3000).encode(), {("WS904", 1001)}),
    "long-line.yaml": (("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {text: \""
                        + "x" * 5_000_000 + "\"}\n").encode(), set()),
    "long-name.yaml": (POD.replace("name: chat\nspec", "name: " + "n" * 1_000_000 + "\nspec").encode(),
                       {"WS201", "WS202", "WS401"}),
    "laughs.yaml": (laughs().encode(), {("WS904", 6)}),
    "laughs-in-object.yaml": (("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bomb\n"
                               "  annotations:\n" + laughs(indent="    ") + "spec:\n  template:\n"
                               "    spec:\n      containers: *l9\n").encode(), {"WS904"}),
    "merge-chain.yaml": (("a0: &a0 {k0: 0}\n" + "".join(
        f"a{i}: &a{i} {{<<: *a{i - 1}, k{i}: {i}}}\n" for i in range(1, 5000))).encode(),
        {"WS904"}),
    "alias-in-itself.yaml": (b"apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: *m}\n",
                             {("WS901", 3)}),
    "one-object-many-times.yaml": ((
        "apiVersion: v1\nkind: List\nitems:\n- &pod\n" + "".join(
            "  " + line + "\n" for line in POD.splitlines()) + "- *pod\n" * 2000).encode(),
        {("WS201", 11), ("WS202", 11), ("WS401", 11)}),
    "python-tags.yaml": ((
        f"apiVersion: v1\nkind: Pod\nmetadata: !!python/object/apply:os.system "
        f"['touch {MARKER}']\nspec: !!python/object/new:subprocess.Popen [[touch, {MARKER}]]\n"
        f"---\n!!python/object/apply:os.system ['touch {MARKER}']\n---\n"
        f"a: !!python/name:os.system\nb: !!python/module:os\n"
        f"c: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch {MARKER}']\n").encode(),
        {("WS907", 3), ("WS907", 4)}),
    "wrong-types.yaml": (_type_soup().encode(), {
        ("WS907", line) for line in (3, 4, 10, 13, 19, 22, 27, 31, 32, 36, 37)}),
    "scalars-and-lists.yaml": (b"just text\n---\n42\n---\n- a\n- b\n---\nnull\n---\n[1, 2]\n",
                               set()),
    "injection.yaml": (_injection_manifest().encode(), {"WS201", "WS202", "WS401"}),
    "template-braces.yaml": (("a: " + "{{" * 200_000 + "\n").encode(), {"WS902"}),
    "helm-objects.yaml": (("apiVersion: v1\nkind: ConfigMap\ndata: {a: " + ".Values " * 200_000
                           + "\n{{ .Values.x }}}\n").encode(), {("WS902", 4)}),
    "foreign-kinds.yaml": (b"apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: chat}\n"
                           b"spec: {template: {spec: {containers: [{name: chat}]}}}\n---\n"
                           b"apiVersion: example.com/v1\nkind: Ingress\nmetadata: {name: chat}\n"
                           b"---\napiVersion: v2\nkind: Service\nmetadata: {name: chat}\n", set()),
    "shared-anchors.yaml": (_shared_anchors().encode(),
                            {("WS201", 13), ("WS202", 13), ("WS401", 13)}),
    "long-service.yaml": (("apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m}\n"
                           "spec: {prefix: /ws, service: \"" + "a" * 200_000 + ":x\"}\n").encode(),
                          set()),
}


def _codes_and_lines(findings) -> set:
    return {(f.code, f.line) for f in findings}


def _matches(expected: set, findings) -> bool:
    """Pairs must be found exactly; bare codes must be among the findings' codes."""
    got_pairs = _codes_and_lines(findings)
    got_codes = {f.code for f in findings}
    pairs = {e for e in expected if isinstance(e, tuple)}
    codes = {e for e in expected if isinstance(e, str)}
    if pairs and {p for p in got_pairs if p[0] in {c for c, _ in pairs}} != pairs:
        return False
    return codes <= got_codes and (expected or not got_pairs)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    for name, (data, _) in HOSTILE.items():
        (directory / name).write_bytes(data)
    # File and directory names that carry escape sequences and workflow commands of their own.
    (directory / "owned\x1b[31m\n::error::injected.yaml").write_text(POD)
    (directory / "::error::x").mkdir()
    (directory / "::error::x" / "pod.yaml").write_text(POD)
    (directory / "##[set-output name=owned;]x.yaml").write_text(POD)
    (directory / "loops").mkdir()
    (directory / "loops" / "pod.yaml").write_text(POD)
    (directory / "loops" / "self").symlink_to(".")
    (directory / "loops" / "parent").symlink_to("..")
    (directory / "loops" / "dangling.yaml").symlink_to("nowhere.yaml")
    if hasattr(os, "mkfifo"):
        os.mkfifo(directory / "fifo.yaml")
    return directory


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_file_gives_its_findings(name, hostile_dir):
    expected = HOSTILE[name][1]
    result = LINTER.lint_loaded([LINTER.load(str(hostile_dir / name))])
    assert not result.internal_errors
    assert _matches(expected, result.findings), sorted(_codes_and_lines(result.findings))
    for finding in result.findings:
        assert finding.line >= 1 and finding.column >= 1
        assert len(finding.message) < 5000
    assert not (hostile_dir / MARKER).exists() and not Path(MARKER).exists()


def test_blank_and_dash_only_files_hold_no_documents():
    for text in ("", "  \n\t\n", "---\n", "---\n---\n...\n"):
        loaded = load_source(Source("x.yaml", text))
        assert (loaded.objects, loaded.problems, loaded.skipped_documents) == ([], [], 0)


def test_crlf_and_bom_give_the_same_findings_as_plain_text():
    plain = Linter(Settings()).lint_text(POD).findings
    for variant in (POD.replace("\n", "\r\n"), "\ufeff" + POD):
        again = Linter(Settings()).lint_text(variant).findings
        assert [(f.code, f.line, f.column, f.message) for f in again] == \
            [(f.code, f.line, f.column, f.message) for f in plain]


def test_invalid_utf8_is_reported_at_its_line_and_column(hostile_dir):
    _, problem = read_input(str(hostile_dir / "latin1.yaml"))
    assert (problem.code, problem.line, problem.column) == ("WS901", 3, 21)
    assert "0xe9" in problem.message


def test_aliases_are_followed_once(hostile_dir):
    """Two thousand aliases of one Pod in a List: one object to lint, not two thousand."""
    loaded = Linter(Settings()).load(str(hostile_dir / "one-object-many-times.yaml"))
    assert len(loaded.objects) == 1


def test_a_fifo_or_device_named_on_the_command_line_is_never_opened(hostile_dir):
    targets = [os.devnull]
    if hasattr(os, "mkfifo"):
        targets.append(str(hostile_dir / "fifo.yaml"))  # opened for reading, it would wait forever
    for target in targets:
        source, problem = read_input(target)
        assert problem is not None and problem.code == "WS901" and "not read" in problem.message


def test_an_unreadable_file_is_a_finding(tmp_path, monkeypatch):
    path = tmp_path / "secret.yaml"
    path.write_text(POD)
    real_open = os.open

    def refuse(name, *args, **kwargs):
        if os.fspath(name) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    (tmp_path / "good.yaml").write_text(POD)
    result = Linter(Settings(jobs=1)).lint_paths([str(tmp_path)])
    by_file = {Path(f.file).name: f for f in result.findings}
    assert by_file["secret.yaml"].code == "WS901"
    assert "Permission denied" in by_file["secret.yaml"].message
    assert "good.yaml" in by_file


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permissions do not apply to root")
def test_unreadable_files_and_directories_on_disk(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.yaml").write_text(POD)
    (tmp_path / "secret.yaml").write_text(POD)
    (tmp_path / "secret.yaml").chmod(0)
    (tmp_path / "locked").chmod(0)
    try:
        result = Linter(Settings(jobs=1)).lint_paths([str(tmp_path)])
    finally:
        (tmp_path / "locked").chmod(stat.S_IRWXU)
    messages = {Path(f.file).name: f.message for f in result.findings if f.code == "WS901"}
    assert "Permission denied" in messages["secret.yaml"]
    assert "Permission denied" in messages["locked"]


def test_max_depth_has_a_ceiling(tmp_path):
    """Deeper than 10000 levels, libyaml's recursive composer could overflow the C stack."""
    result = subprocess.run([sys.executable, "-m", "wslint", "--no-config", "--max-depth", "20000",
                             str(tmp_path)], capture_output=True, timeout=60)
    assert result.returncode == 2 and b"20000 is not in the range 1<=x<=10000" in result.stderr
    deep = "a: " + "[" * 9990 + "]" * 9990 + "\n"
    limit = sys.getrecursionlimit()
    try:
        loaded = load_source(Source("deep.yaml", deep), max_depth=10_000)
        assert not loaded.problems and LINTER.lint_loaded([loaded]).findings == []
    finally:
        sys.setrecursionlimit(limit)  # parsing raised it for the deep document


def test_file_size_limit(tmp_path):
    (tmp_path / "big.yaml").write_text(POD + "#" * 2000 + "\n")
    (tmp_path / "small.yaml").write_text(POD)
    result = Linter(Settings(max_file_size=1024)).lint_paths([str(tmp_path)])
    refused = [f for f in result.findings if f.code == "WS904"]
    assert [Path(f.file).name for f in refused] == ["big.yaml"]
    assert "limit: max-file-size" in refused[0].message
    assert {Path(f.file).name for f in result.findings if f.code == "WS201"} == {"small.yaml"}


def test_ten_megabytes_of_25000_documents_are_linted(tmp_path):
    document = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{i}\n"
                "  labels: {{app: chat-{i}}}\ndata:\n  text: \"" + "x" * 300 + "\"\n---\n")
    path = tmp_path / "big.yaml"
    path.write_text("".join(document.format(i=i) for i in range(25000)))
    assert path.stat().st_size > 10_000_000
    result = Linter(Settings(jobs=1)).lint_paths([str(path)])
    assert result.objects == 25000 and not result.findings


# --- the command line, every format, over the whole set -----------------------------------------

def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "wslint", "--no-config", "--jobs", "1", *args],
                          capture_output=True, timeout=120, cwd=cwd)


@pytest.fixture(scope="module")
def outputs(hostile_dir) -> dict[str, subprocess.CompletedProcess]:
    """The whole set linted once in each format (the four runs side by side)."""
    started = {name: subprocess.Popen([sys.executable, "-m", "wslint", "--no-config", "--jobs", "1",
                                       "--websocket-scope", "all", "--format", name, "."],
                                      cwd=hostile_dir,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for name in ("text", "github", "json", "sarif")}
    runs = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        runs[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    for result in runs.values():
        assert result.returncode in (0, 1), result.stderr.decode(errors="replace")[-2000:]
        assert b"Traceback" not in result.stderr
    assert not (hostile_dir / MARKER).exists()
    return runs


def test_text_output_holds_no_raw_control_character(outputs):
    result = outputs["text"]
    for stream in (result.stdout, result.stderr):
        text = stream.decode("utf-8")
        assert all(ch == "\n" or ch.isprintable() for ch in text), \
            [line for line in text.splitlines() if not line.isprintable()][:3]
    assert b"fifo.yaml" not in result.stdout  # skipped in a directory, never opened
    assert b"\\x1b[2J" in result.stdout and b"\\u202e" in result.stdout  # shown, escaped
    assert b"owned\\x1b[31m\\n::error::injected.yaml:7:5: WS201" in result.stdout


# What GitHub's runner reads as a workflow command: `::name ...::` where a line starts with it
# after blanks, `##[name ...]` anywhere in a line.
LINE_COMMAND = re.compile(r"^\s*::[A-Za-z-]+[ :]")


def _no_workflow_command(text: str) -> None:
    for line in text.splitlines():
        assert not LINE_COMMAND.match(line) and "##[" not in line, line[:200]


def test_text_output_and_standard_error_inject_no_workflow_command(outputs):
    """A file or directory named `::error::x` starts no line with a command, and `##[` is
    broken wherever a manifest or a file name puts it; both stay readable."""
    result = outputs["text"]
    for stream in (result.stdout, result.stderr):
        _no_workflow_command(stream.decode("utf-8"))
    assert b"\\x3a:error::x/pod.yaml:7:5: WS201 [error]" in result.stdout
    assert b"##\\x5bset-output name=owned;]x.yaml:7:5: WS201" in result.stdout
    assert b"Pod/chat##\\x5bset-output name=owned;]x:" in result.stdout


def test_configuration_errors_fix_notices_and_diff_headers_are_escaped(tmp_path):
    """Standard error and `--diff` carry file names, the configuration's keys and the
    `--stdin-filename` given: none of them may act on the terminal or the CI log."""
    def lint(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "wslint", *args], input=stdin,
                              capture_output=True, timeout=60, cwd=tmp_path)

    (tmp_path / ".git").mkdir()
    (tmp_path / ".wslint.yaml").write_text('"##[add-mask]\\e[2Jx": 1\n')
    config = lint("pod.yaml")
    assert config.returncode == 2 and len(config.stderr.splitlines()) == 1
    assert b".wslint.yaml:1: ##\\x5badd-mask]\\x1b[2Jx: unknown key" in config.stderr
    (tmp_path / ".wslint.yaml").unlink()
    named = "##[add-mask]x\x1b[2J.yaml"
    (tmp_path / named).write_text(POD + "---\nkind: [unclosed\n")  # a YAML error: not fixed
    (tmp_path / "::error::x.yaml").write_text(POD)
    directory = lint("--diff", "::error::x.yaml")
    assert directory.stdout.startswith(b"--- \\x3a:error::x.yaml\n+++ \\x3a:error::x.yaml\n")
    fixed = lint("--fix", named, "::error::x.yaml")
    assert b"wslint: warning: ##\\x5badd-mask]x\\x1b[2J.yaml: not fixed: it has a YAML error" \
        in fixed.stderr
    diff = lint("--diff", "--stdin-filename", "a\x1b[2J\n::error::x\r##[set-output name=y;]z",
                "-", stdin=POD.encode())
    headers = [line for line in diff.stdout.splitlines() if line.startswith((b"---", b"+++"))]
    assert headers == [b"--- a\\x1b[2J\\n::error::x\\x0d##\\x5bset-output name=y;]z",
                       b"+++ a\\x1b[2J\\n::error::x\\x0d##\\x5bset-output name=y;]z"]
    for result in (fixed, diff, directory):
        _no_workflow_command(result.stderr.decode())
        assert all(ch.isprintable() for line in result.stderr.decode().splitlines() for ch in line)


def test_github_output_injects_no_workflow_command(outputs):
    expected = len(json.loads(outputs["json"].stdout)["findings"])
    command = re.compile(r"::(error|warning|notice) ((?:[A-Za-z]+=[^,:\r\n]*)(?:,[A-Za-z]+=[^,:\r\n]*)*)"
                         r"::[^\r\n]*")
    commands = 0
    text = outputs["github"].stdout.decode("utf-8")
    assert "\r" not in text
    for line in text.split("\n"):
        assert all(ch.isprintable() for ch in line), line[:200]
        if line.startswith("::") or line.startswith("##["):
            assert command.fullmatch(line), line[:200]
            commands += 1
        else:  # the summary: no manifest text
            assert line == "" or line.startswith("wslint: "), line[:200]
    assert commands == expected


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_json_and_sarif_are_valid_ascii(output_format, outputs):
    text = outputs[output_format].stdout.decode("ascii")

    def no_constant(name):
        raise ValueError(f"{name} is not JSON")

    document = json.loads(text, parse_constant=no_constant)
    findings = document["findings"] if output_format == "json" else document["runs"][0]["results"]
    assert len(findings) > 20


def test_fifo_named_on_the_command_line_does_not_hang(hostile_dir):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    result = _run("fifo.yaml", "bom.yaml", cwd=hostile_dir)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert b"fifo.yaml:1:1: WS901 [error] a FIFO" in result.stdout
    assert b"bom.yaml:7:5: WS201" in result.stdout


# --- faulty plugins -----------------------------------------------------------------------------

PLUGIN_RULE = ("code: ACME001\nname: acme-check\nseverity: warning\nsummary: A third party's check\n"
               "kinds: [Pod]\nwebsocket-scope: false\ndocs:\n  what: Checks.\n  why: Because.\n"
               "  example: 'a: 1'\n  use-instead: 'a: 2'\n  fix: Fix it.\n")
CHECKS = {
    "raises": "    if obj.name == 'chat':\n        raise ZeroDivisionError('the plugin is broken')\n"
              "    yield Problem(('metadata',), f'{obj.ref} seen')\n",
    "yields-garbage": "    yield 'not a Problem'\n",
    "exits": "    import sys\n    sys.exit(0)\n    yield\n",
    "bad-message": "    yield Problem(('metadata',), None)\n",
}


def _install_plugin(site: Path, check_body: str | None, import_error: bool = False) -> dict:
    """A rule plugin installed as a distribution with a `wslint` entry point, as a third party
    ships one; the environment that finds it."""
    package = site / "acme_rules"
    (package / "rules").mkdir(parents=True)
    (package / "rules" / "ACME001.yaml").write_text(PLUGIN_RULE)
    (package / "__init__.py").write_text(
        ("raise ImportError('acme is missing a dependency')\n" if import_error else "")
        + "from pathlib import Path\nfrom wslint.model import Problem\n"
        "from wslint.api import CheckSet, hookimpl, load_rules\nchecks = CheckSet()\n"
        "@checks('ACME001')\ndef acme_check(obj, ctx):\n" + (check_body or "    yield from ()\n")
        + "@hookimpl\ndef wslint_rules():\n    return load_rules(Path(__file__).parent / 'rules', checks)\n")
    dist = site / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[wslint]\nacme = acme_rules\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def _lint_with(env, tmp_path, *args):
    (tmp_path / "pods.yaml").write_text(POD + "---\n" + POD.replace("name: chat\nspec", "name: other\nspec"))
    return subprocess.run([sys.executable, "-m", "wslint", "--no-config", "--jobs", "1", *args,
                           "pods.yaml"], capture_output=True, timeout=60, cwd=tmp_path, env=env)


@pytest.mark.parametrize("behaviour", sorted(CHECKS))
def test_a_failing_plugin_check_is_contained(behaviour, tmp_path):
    env = _install_plugin(tmp_path / "site", CHECKS[behaviour])
    result = _lint_with(env, tmp_path)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err, err
    assert "pods.yaml:7:5: WS201 [error] Pod/chat" in out  # the other rules' findings stand
    assert "pods.yaml:16:5: WS201 [error] Pod/other" in out
    assert re.search(r"^internal error: rule ACME001 \(plugin acme\) failed on Pod/chat \(pods\.yaml\): ",
                     out, re.M), out
    assert "wslint: internal error in rule ACME001 (plugin acme) on Pod/chat (pods.yaml)" in err
    if behaviour == "raises":
        assert "ZeroDivisionError: the plugin is broken (at " in out
        assert "Pod/other seen" in out  # the same rule on another object still reports
        report = json.loads(_lint_with(env, tmp_path, "--format", "json").stdout)
        [error] = report["summary"]["internal_errors"]
        assert (error["rule"], error["plugin"]) == ("ACME001", "acme")
        assert {f["rule"] for f in report["findings"]} >= {"ACME001", "WS201", "WS202", "WS401"}


def test_a_plugin_that_fails_to_load_is_reported_and_the_rest_runs(tmp_path):
    env = _install_plugin(tmp_path / "site", None, import_error=True)
    result = _lint_with(env, tmp_path)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"wslint: error: plugin acme failed to load: ImportError: acme is missing a dependency" \
        in result.stderr
    assert b"pods.yaml:7:5: WS201 [error]" in result.stdout


def test_plugins_can_be_switched_off(tmp_path):
    env = _install_plugin(tmp_path / "site", CHECKS["raises"])
    for args, extra in ((("--no-plugins",), {}), ((), {"WSLINT_NO_PLUGINS": "1"})):
        result = _lint_with({**env, **extra}, tmp_path, *args)
        assert result.returncode == 1 and b"ACME001" not in result.stdout + result.stderr


def test_only_installed_entry_points_are_loaded(tmp_path):
    """A module on the path that looks like a plugin, with no distribution declaring it, is
    never imported."""
    env = _install_plugin(tmp_path / "site", "    raise SystemExit('imported')\n")
    for dist in (tmp_path / "site").glob("*.dist-info"):
        for item in dist.iterdir():
            item.unlink()
        dist.rmdir()
    result = _lint_with(env, tmp_path)
    assert result.returncode == 1 and b"ACME001" not in result.stdout + result.stderr


# --- what the fuzzers found ---------------------------------------------------------------------

REGRESSIONS = sorted((Path(__file__).parent / "fixtures" / "hostile").glob("*.yaml"))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_inputs_the_fuzzers_once_broke_on(path):
    from fuzz_corpus import check

    check(path.read_bytes(), LINTER, {rule.code for rule in LINTER.all_rules})


def test_symlink_loops_end_and_each_file_is_read_once(outputs):
    findings = json.loads(outputs["json"].stdout)["findings"]
    in_loops = [(f["file"], f["rule"]) for f in findings if f["file"].startswith("loops/")]
    assert sorted(in_loops) == [("loops/dangling.yaml", "WS901"), ("loops/pod.yaml", "WS201"),
                                ("loops/pod.yaml", "WS202"), ("loops/pod.yaml", "WS401")]


def test_standard_input_gets_the_same_care(tmp_path):
    def lint_stdin(data, *args):
        return subprocess.run([sys.executable, "-m", "wslint", "--no-config", *args, "-"],
                              input=data, capture_output=True, timeout=60)

    binary = lint_stdin(HOSTILE["binary.yaml"][0])
    assert binary.returncode == 1 and b"<stdin>:1:" in binary.stdout and b"WS901" in binary.stdout
    large = lint_stdin(POD.encode() * 100, "--max-file-size", "1K")
    assert large.returncode == 1
    assert b"<stdin>:1:1: WS904 [error] larger than 1024 bytes; not read (limit: max-file-size)" \
        in large.stdout


def test_services_that_all_select_the_same_workloads_stop_at_the_relations_budget(tmp_path):
    """1500 Services selecting the same 1500 workloads would be 2.25 million pairs to relate."""
    count = 1500
    services = "".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n"
        f"  selector:\n    app: shared\n  ports:\n  - port: 80\n" for i in range(count))
    workloads = "".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: chat-{i}\n  labels:\n    app: shared\n"
        f"spec:\n  containers:\n  - name: chat\n    image: chat:1\n" for i in range(count))
    (tmp_path / "services.yaml").write_text(services)
    (tmp_path / "pods.yaml").write_text(workloads)
    result = Linter(Settings(jobs=1, max_relations=100_000)).lint_paths([str(tmp_path)])
    refused = [f for f in result.findings if f.code == "WS904"]
    assert len(refused) == 1 and "limit: max-relations" in refused[0].message
    assert Path(refused[0].file).name == "services.yaml"
    # Every workload is still checked on its own.
    assert len([f for f in result.findings if f.code == "WS201"]) == count


def test_inputs_within_the_relations_budget_are_related_whole(tmp_path):
    services = "".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n"
        f"  selector:\n    app: shared\n  ports:\n  - port: 80\n" for i in range(3))
    pod = POD.replace("  name: chat\n", "  name: chat\n  labels:\n    app: shared\n", 1)
    (tmp_path / "all.yaml").write_text(services + "---\n" + pod)
    result = Linter(Settings(jobs=1, max_relations=3)).lint_paths([str(tmp_path)])
    assert not [f for f in result.findings if f.code == "WS904"]
    result = Linter(Settings(jobs=1, max_relations=2)).lint_paths([str(tmp_path)])
    assert [f.code for f in result.findings if f.code == "WS904"] == ["WS904"]


def test_documents_read_again_for_a_flow_colon_have_a_budget(monkeypatch):
    """Documents libyaml refuses for a `:` in a flow collection are read again by a composer
    some 15 times slower: at most MAX_FLOW_COLON_DOCUMENTS a file (here 20, to run fast), then
    WS901 says why."""
    monkeypatch.setattr(yamltree, "MAX_FLOW_COLON_DOCUMENTS", 20)
    document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{x: [read:hub]}}\n---\n"
    text = "".join(document.format(i=i) for i in range(25))
    result = LINTER.lint_text(text, "many.yaml")
    assert result.objects == 20
    [refused] = [f for f in result.findings if f.code == "WS901"]
    assert refused.line == 5 * 20 + 4 and "up to 20 documents" in refused.message
    assert "quote the value" in refused.message
