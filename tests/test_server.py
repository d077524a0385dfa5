"""`wslint server`, the language server, driven end to end by a real LSP client over stdio
(pytest-lsp); and the pieces it stands on: `wslint.workspace` and the protocol conversions.

The command line is the oracle: the diagnostics of a document are `wslint --context`'s findings
for its file, a fix's edit gives `wslint --fix`'s bytes, hover gives `wslint explain`'s text."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pygls.workspace.position_codec import PositionCodec  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features  # noqa: E402
from pytest_lsp.protocol import LanguageClientProtocol  # noqa: E402
from lsprotocol.converters import get_converter  # noqa: E402

from cli_helpers import GOOD_DEPLOYMENT, NO_PROBE, run  # noqa: E402
from conftest import ROOT  # noqa: E402
from wslint.server.protocol import Lines, rule_page, text_edit  # noqa: E402
from wslint.workspace import Workspace, WorkspaceConfigError, disable_comment  # noqa: E402

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
EXAMPLE = ROOT / "docs" / "examples" / "chat"
UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: chat}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: chat}}
"""
TWO_REPLICAS = GOOD_DEPLOYMENT.replace("spec:\n  template:", "spec:\n  replicas: 2\n  template:")


# --- the protocol's positions and edits -------------------------------------------------------

def apply(text: str, edit: types.TextEdit, codec: PositionCodec = UTF16) -> str:
    """What a client does with a TextEdit."""
    lines = Lines(text, codec)

    def offset(position: types.Position) -> int:
        line = lines.line_text(position.line)
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return lines.starts[position.line] + index
            units += codec.client_num_units(char)
        return lines.starts[position.line] + len(line)

    return text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]


@pytest.mark.parametrize("encoding, character", [(types.PositionEncodingKind.Utf16, 11),
                                                 (types.PositionEncodingKind.Utf8, 13),
                                                 (types.PositionEncodingKind.Utf32, 10)])
def test_columns_are_counted_in_the_clients_units(encoding, character):
    lines = Lines("a: {b: 😀, key: 1}\n", PositionCodec(encoding))
    # `key` is the 11th character; `😀` is 2 UTF-16 units, 4 UTF-8 ones
    assert lines.position(1, 11) == types.Position(0, character)


def test_a_range_spans_the_key_or_value_at_the_position():
    lines = Lines('x:\r\n  nginx.org/a: "1.0"  # c\r\n  "quoted key": 1\n- 3\n', UTF16)
    assert lines.token_range(2, 3) == types.Range(types.Position(1, 2), types.Position(1, 13))
    assert lines.token_range(2, 16) == types.Range(types.Position(1, 15), types.Position(1, 20))
    assert lines.token_range(3, 3) == types.Range(types.Position(2, 2), types.Position(2, 14))
    # past the end of a line (a syntax error there): its last character
    assert lines.token_range(4, 9) == types.Range(types.Position(3, 2), types.Position(3, 3))


@pytest.mark.parametrize("old, new", [
    ("a: 1\n", "a: 2\n"),
    ("a: 1\r\nb: 2\r\n", "a: 1\r\nc: 0\r\nb: 2\r\n"),  # never splits a \r\n
    ("a: 1\r\n", "a: 1\r\nb: 2\r\n"),
    ("k: 😀\nx: 1\n", "k: 😀\nx: 22\n"),
    ("a\rb\r", "a\rc\rb\r"),
    ("", "a: 1\n"),
])
def test_a_text_edit_turns_the_old_text_into_the_new(old, new):
    edit = text_edit(old, new, Lines(old, UTF16))
    assert apply(old, edit) == new
    assert text_edit(old, old, Lines(old, UTF16)) is None


def test_without_pygls_the_server_says_what_to_install():
    blocked = "import sys; sys.modules['pygls'] = None; from wslint.cli import main; main(['server'])"
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, timeout=60)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"pip install 'wslint[lsp]'" in result.stderr


def test_rule_pages_are_on_the_repository_named_in_pyproject():
    homepage = re.search(r'^Homepage = "(.*)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert rule_page("WS101") == f"{homepage.group(1)}/blob/main/docs/rules/WS101.md"
    assert (ROOT / "docs" / "rules" / "WS101.md").is_file()


# --- suppression comments ---------------------------------------------------------------------

DISABLE_CASES = [
    # (text, line, code, expected)
    ("a:\n  b: 1\n", 2, "WS201", "a:\n  b: 1  # wslint: disable=WS201\n"),
    ("a:\n  b: 1  # note\n", 2, "WS201", "a:\n  b: 1  # note  # wslint: disable=WS201\n"),
    ("a:\n  b: 1  # wslint: disable=WS202 -- why\n", 2, "WS201",
     "a:\n  b: 1  # wslint: disable=WS202,WS201 -- why\n"),
    ("a: 1\r\nb: 2", 2, "WS301", "a: 1\r\nb: 2  # wslint: disable=WS301"),
    # the line goes on in a quoted scalar: the comment goes on a line of its own above it
    ('x:\n  - y: "one\n    two"\n', 2, "WS202", 'x:\n  # wslint: disable=WS202\n  - y: "one\n    two"\n'),
    ("a: |\n  text\n", 2, "WS201", None),  # inside a block scalar no comment can be written
]


@pytest.mark.parametrize("text, line, code, expected", DISABLE_CASES)
def test_disable_comments(text, line, code, expected):
    assert disable_comment(text, line, code) == expected


# --- the workspace: context, configuration, fixes ---------------------------------------------

def test_unsaved_text_is_judged_with_its_sibling_files(tmp_path):
    (tmp_path / "pdb.yaml").write_text(PDB)
    (tmp_path / "app.yaml").write_text(GOOD_DEPLOYMENT)
    workspace = Workspace(tmp_path)
    # two replicas in the editor (one on disk): the budget beside it counts
    assert workspace.lint(str(tmp_path / "app.yaml"), TWO_REPLICAS).findings == []
    (tmp_path / "pdb.yaml").unlink()
    assert workspace.lint(str(tmp_path / "app.yaml"), TWO_REPLICAS).findings == []  # kept, untold
    workspace.file_changed(str(tmp_path / "pdb.yaml"))  # a deletion, told
    codes = [f.code for f in workspace.lint(str(tmp_path / "app.yaml"), TWO_REPLICAS).findings]
    assert codes == ["WS402"]


def test_a_kustomizations_resources_are_context_and_its_patches_are_not(tmp_path):
    base, overlay = tmp_path / "base", tmp_path / "overlays" / "prod"
    base.mkdir()
    overlay.mkdir(parents=True)
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "pdb.yaml").write_text(PDB)
    (base / "app.yaml").write_text(TWO_REPLICAS)
    (base / "kustomization.yaml").write_text("resources: [app.yaml, ../common/pdb.yaml]\n")
    (overlay / "kustomization.yaml").write_text("resources: [../../base]\npatches: [{path: patch.yaml}]\n")
    (overlay / "patch.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: chat}\n"
                                        "spec: {replicas: 3}\n")
    workspace = Workspace(tmp_path)
    base_codes = [f.code for f in workspace.lint(str(base / "app.yaml"), TWO_REPLICAS).findings]
    assert "WS402" not in base_codes  # the budget in ../common, through the kustomization
    patch = workspace.lint(str(overlay / "patch.yaml"), (overlay / "patch.yaml").read_text())
    assert patch.findings == []  # a fragment: not judged as a Deployment
    broken = workspace.lint(str(overlay / "patch.yaml"), "kind: [\n")
    assert [f.code for f in broken.findings] == ["WS901"]


def test_configuration_is_found_from_the_document_and_read_again_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the process's directory has nothing to do with it
    (tmp_path / "deploy").mkdir()
    document = tmp_path / "deploy" / "app.yaml"
    document.write_text(NO_PROBE)
    config = tmp_path / ".wslint.yaml"
    config.write_text("ignore: [WS201]\n")
    workspace = Workspace(tmp_path)
    assert "WS201" not in [f.code for f in workspace.lint(str(document), NO_PROBE).findings]
    config.write_text("select: [WS201]\n# longer, so the size changes even within one mtime tick\n")
    assert [f.code for f in workspace.lint(str(document), NO_PROBE).findings] == ["WS201"]
    config.write_text("rules: {WS999: {}}\n")
    with pytest.raises(WorkspaceConfigError, match=r"\.wslint\.yaml:1: .*unknown rule 'WS999'"):
        workspace.lint(str(document), NO_PROBE)
    config.write_text("exclude: [deploy]\n")
    assert workspace.lint(str(document), NO_PROBE).findings == []


# An Ingress judged with an ingress-nginx ConfigMap of another namespace: 3600 s timeouts there.
CROSS_NAMESPACE = {
    "ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: chat, "
                    "namespace: realtime}\nspec:\n  ingressClassName: nginx\n  rules:\n  - http:\n"
                    "      paths:\n      - {path: /ws, pathType: Prefix, backend: {service: "
                    "{name: chat, port: {number: 80}}}}\n",
    "controller.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, "
                       "namespace: ingress-nginx}\ndata: {proxy-read-timeout: '3600', "
                       "proxy-send-timeout: '3600'}\n",
}


def test_a_quick_lint_sees_the_namespaces_of_the_document_only(tmp_path):
    for name, text in CROSS_NAMESPACE.items():
        (tmp_path / name).write_text(text)
    (tmp_path / ".wslint.yaml").write_text("ignore: [WS108]\n")  # ingress-nginx is retired
    path = str(tmp_path / "ingress.yaml")
    assert _cli_findings(tmp_path / "ingress.yaml", tmp_path) == []
    workspace = Workspace(tmp_path)
    assert workspace.lint(path, CROSS_NAMESPACE["ingress.yaml"]).findings == []
    quick = workspace.lint(path, CROSS_NAMESPACE["ingress.yaml"], quick=True)
    assert [f.code for f in quick.findings] == ["WS102"]  # the ConfigMap is in ingress-nginx


def test_fixing_gives_the_bytes_of_the_command_line(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "chat")
    path = tmp_path / "chat" / "deployment.yaml"
    text = path.read_text()
    workspace = Workspace(tmp_path)
    fixed = workspace.fix(str(path), text)
    cli = run("--fix", "--context", path, cwd=tmp_path)
    assert cli.returncode == 1  # problems are left
    assert fixed.text.encode("utf-8") == path.read_bytes() != text.encode("utf-8")
    assert f"Fixed {fixed.fixed} problem".encode() in cli.stderr


# --- end to end, over stdio -------------------------------------------------------------------

def _client() -> LanguageClient:
    """pytest-lsp's client, keeping every publishDiagnostics (with its version) and answering
    the server's registrations as an editor does."""
    client = LanguageClient(converter_factory=get_converter)
    client.published = []
    client.registrations = []

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)
        client.diagnostics[params.uri] = params.diagnostics

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations += params.registrations

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, PUBLISH: publish,
                                   types.CLIENT_REGISTER_CAPABILITY: register})
    return client


SERVER = [sys.executable, "-m", "wslint", "server"]


# WS108 (ingress-nginx is retired) fires on every route of the example: not what these tests are
# about; WS305, off by default, gives the unsafe fix they try.
WORKSPACE_CONFIG = "ignore: [WS401, WS108]\nextend-select: [WS305]\n"


def _workspace(root: Path) -> Path:
    shutil.copytree(EXAMPLE, root / "chat")
    (root / "single").mkdir()
    (root / "single" / "ingress.yaml").write_text((EXAMPLE / "ingress.yaml").read_text())
    (root / "unsafe").mkdir()
    (root / "unsafe" / "service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: chat}\nspec:\n  selector: {app: chat}\n"
        "  ports:\n  - {name: ws, port: 80, targetPort: 8080}\n")
    (root / "unsafe" / "app.yaml").write_text(TWO_REPLICAS.replace("image: chat:1", "image: chat:1\n        ports: [{name: ws, containerPort: 8080}]"))
    (root / "xns").mkdir()
    for name, text in CROSS_NAMESPACE.items():
        (root / "xns" / name).write_text(text)
    (root / ".wslint.yaml").write_text(WORKSPACE_CONFIG)
    return root


async def _start(root: Path, capabilities: types.ClientCapabilities, env=None) -> LanguageClient:
    client = await ClientServerConfig(SERVER, client_factory=_client, server_env=env).start()
    params = types.InitializeParams(capabilities=capabilities,
                                    root_uri=from_fs_path(str(root)),
                                    workspace_folders=[types.WorkspaceFolder(from_fs_path(str(root)), "ws")])
    await client.initialize_session(params)
    return client


async def _stop(client: LanguageClient) -> None:
    await client.shutdown_session()
    await client.stop()


async def _published(client: LanguageClient, uri: str, version: int | None,
                     after: int = 0, where=lambda diagnostics: True) -> list[types.Diagnostic]:
    """The first diagnostics the server publishes for `uri` at `version` (that `where`
    accepts) after the `after`th publication, waiting for them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for params in client.published[after:]:
            if params.uri == uri and (version is None or params.version == version) \
                    and where(list(params.diagnostics)):
                return list(params.diagnostics)
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for {uri} version {version}")


async def _open(client: LanguageClient, path: Path, text: str | None = None,
                version: int = 1) -> tuple[str, list[types.Diagnostic]]:
    uri = from_fs_path(str(path))
    after = len(client.published)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri, "yaml", version, path.read_text() if text is None else text)))
    return uri, await _published(client, uri, version, after)


async def _change(client: LanguageClient, uri: str, version: int, text: str,
                  range_: types.Range | None = None) -> list[types.Diagnostic]:
    after = len(client.published)
    change = types.TextDocumentContentChangePartial(range_, text) if range_ is not None \
        else types.TextDocumentContentChangeWholeDocument(text)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version, uri), [change]))
    return await _published(client, uri, version, after)


def _cli_findings(path: Path, cwd: Path) -> list[dict]:
    result = run("--context", "--format", "json", path, cwd=cwd)
    return json.loads(result.stdout)["findings"]


async def _actions(client, uri, start_line=0, end_line=10_000, only=None):
    return await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(start_line, 0),
                                                       types.Position(end_line, 0)),
        types.CodeActionContext([], only=only)))


# One server for the tests that share the workspace; tests that need their own start one.
end_to_end = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return _workspace(tmp_path_factory.mktemp("ws"))


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(SERVER, client_factory=_client))
async def client(lsp_client: LanguageClient, root):
    params = types.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                    root_uri=from_fs_path(str(root)),
                                    workspace_folders=[types.WorkspaceFolder(from_fs_path(str(root)), "ws")])
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@end_to_end
async def test_diagnostics_on_open_are_the_findings_of_the_command_line(client, root):
    for name in ("deployment.yaml", "ingress.yaml"):
        path = root / "chat" / name
        uri, diagnostics = await _open(client, path)
        expected = _cli_findings(path, root)
        lines = path.read_text().splitlines()
        assert expected and len(diagnostics) == len(expected)
        for diagnostic, finding in zip(diagnostics, expected):
            assert diagnostic.code == finding["rule"] and diagnostic.message == finding["message"]
            assert diagnostic.severity == {"error": 1, "warning": 2, "info": 3}[finding["severity"]]
            assert diagnostic.source == "wslint"
            assert diagnostic.code_description.href == rule_page(finding["rule"])
            start, end = diagnostic.range.start, diagnostic.range.end
            assert (start.line + 1, start.character + 1) == (finding["line"], finding["column"])
            assert end.line == start.line and end.character > start.character
            written = lines[start.line][start.character:end.character]
            assert written and not written.endswith((":", " "))  # the key or value, whole
            if finding.get("fix"):
                assert diagnostic.related_information[0].message.startswith(
                    "fix: " + finding["fix"]["description"])
        assert "WS401" not in [d.code for d in diagnostics]  # the workspace's .wslint.yaml


@end_to_end
async def test_the_range_is_the_field(client, root):
    uri, [diagnostic] = await _open(client, root / "single" / "ingress.yaml")
    assert diagnostic.code == "WS101"
    key = "nginx.ingress.kubernetes.io/proxy-http-version"
    assert diagnostic.range == types.Range(types.Position(7, 4), types.Position(7, 4 + len(key)))


@end_to_end
async def test_a_change_that_fixes_the_problem_clears_it_and_unsaved_text_counts(client, root):
    path = root / "chat" / "ingress.yaml"
    uri, _ = await _open(client, path)  # (again, when an earlier test opened it: the same text)
    text = path.read_text()
    fixed = text.replace('proxy-http-version: "1.0"', 'proxy-http-version: "1.1"')
    assert await _change(client, uri, 2, fixed) == []
    line = text.splitlines().index('    nginx.ingress.kubernetes.io/proxy-http-version: "1.1"'
                                   .replace("1.1", "1.0"))
    broken_again = types.Range(types.Position(line, 53), types.Position(line, 56))
    assert [d.code for d in await _change(client, uri, 3, "1.0", broken_again)] == ["WS101"]
    assert path.read_text() == text  # nothing written


@end_to_end
async def test_a_quick_fix_and_fix_all_give_the_bytes_of_fix(client, root, tmp_path):
    path = root / "single" / "ingress.yaml"
    uri, _ = await _open(client, path)  # (again, when an earlier test opened it: the same text)
    text = path.read_text()
    actions = await _actions(client, uri)
    [quick] = [a for a in actions if a.kind == "quickfix" and a.title.startswith("Fix WS101")]
    [fix_all] = [a for a in actions if a.kind == "source.fixAll.wslint"]
    assert quick.is_preferred and quick.diagnostics[0].code == "WS101" and quick.edit is None
    copy = tmp_path / "ingress.yaml"
    copy.write_bytes(path.read_bytes())
    run("--fix", copy, cwd=tmp_path)
    for action in (quick, fix_all):
        resolved = await client.code_action_resolve_async(action)
        [change] = resolved.edit.document_changes
        assert change.text_document.uri == uri and change.text_document.version == 1
        [edit] = change.edits
        assert apply(text, edit).encode("utf-8") == copy.read_bytes() != text.encode("utf-8")
    only = await _actions(client, uri, only=["source.fixAll"])
    assert [a.kind for a in only] == ["source.fixAll.wslint"]


@end_to_end
async def test_unsafe_fixes_are_offered_apart_and_marked(client, root):
    uri, diagnostics = await _open(client, root / "unsafe" / "service.yaml")
    assert "WS305" in [d.code for d in diagnostics]
    actions = await _actions(client, uri)
    unsafe = [a for a in actions if a.kind == "quickfix.unsafe"]
    assert unsafe and all("(unsafe fix)" in a.title and not a.is_preferred for a in unsafe)
    assert not [a for a in actions if a.kind == "quickfix" and a.title.startswith("Fix ")]
    assert not [a for a in actions if a.kind == "source.fixAll.wslint"]  # nothing safe to fix
    resolved = await client.code_action_resolve_async(unsafe[0])
    fixed = apply((root / "unsafe" / "service.yaml").read_text(),
                  resolved.edit.document_changes[0].edits[0])
    assert "appProtocol: kubernetes.io/ws" in fixed


@end_to_end
async def test_disable_on_this_line_silences_the_finding(client, root):
    path = root / "chat" / "deployment.yaml"
    uri, _ = await _open(client, path)  # (again, when an earlier test opened it: the same text)
    text = path.read_text()
    diagnostics = await _change(client, uri, 2, text)
    target = next(d for d in diagnostics if d.code == "WS203")
    actions = await _actions(client, uri, target.range.start.line, target.range.start.line)
    [disable] = [a for a in actions if a.title == "Disable WS203 on this line"]
    edit = (await client.code_action_resolve_async(disable)).edit.document_changes[0].edits[0]
    edited = apply(text, edit)
    assert edited.splitlines()[target.range.start.line].endswith("  # wslint: disable=WS203")
    after = await _change(client, uri, 3, edited)
    assert [d.code for d in after] == [d.code for d in diagnostics if d.code != "WS203"]


@end_to_end
async def test_hover_shows_the_rules_documentation(client, root):
    path = root / "single" / "ingress.yaml"
    uri, _ = await _open(client, path)  # (again, when an earlier test opened it: the same text)
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(7, 10)))
    explained = run("explain", "WS101").stdout.decode()
    assert hover.contents.value == explained.rstrip("\n") + "\n"
    nothing = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(0, 0)))
    assert nothing is None


@end_to_end
async def test_a_broken_document_gets_ws901_and_the_server_goes_on(client, root):
    path = root / "chat" / "broken.yaml"
    uri, diagnostics = await _open(client, path, "apiVersion: v1\nkind: Service\nmetadata: {name: [\n")
    assert [d.code for d in diagnostics] == ["WS901"]
    assert diagnostics[0].range.start.line == 3  # the parser's position: the end of the input
    for index, hostile in enumerate(["\x00\x01", "a: &x [*x]\n", "{" * 5000, "- " * 3000 + "x\n"]):
        assert isinstance(await _change(client, uri, 2 + index, hostile), list)
    _, good = await _open(client, root / "single" / "ingress.yaml", version=7)
    assert [d.code for d in good] == ["WS101"]


@end_to_end
async def test_the_configuration_is_read_again_when_the_client_says_it_changed(client, root):
    for _ in range(200):  # the server registers its watcher after initialization, on its own time
        if client.registrations:
            break
        await asyncio.sleep(0.05)
    assert [r.method for r in client.registrations] == ["workspace/didChangeWatchedFiles"]
    path = root / "chat" / "deployment.yaml"
    uri = from_fs_path(str(path))
    # The document is open (the server lints open documents again when the configuration
    # changes), whichever test ran before.
    after = len(client.published)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri, "yaml", 1, path.read_text())))
    await _published(client, uri, None, after)
    config = root / ".wslint.yaml"
    config.write_text("ignore: [WS401, WS108, WS203]\n")
    after = len(client.published)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([
        types.FileEvent(from_fs_path(str(config)), types.FileChangeType.Changed)]))
    diagnostics = await _published(client, uri, None, after)
    assert diagnostics and "WS203" not in [d.code for d in diagnostics]
    config.write_text("ignore: [WS401, WS108]\nwebsocket-scope: sometimes\n")
    try:
        after = len(client.published)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([
            types.FileEvent(from_fs_path(str(config)), types.FileChangeType.Changed)]))
        # Nothing under a broken configuration: the diagnostics are cleared (a lint already
        # under way when the file changed may still publish before that).
        await _published(client, uri, None, after, where=lambda diagnostics: diagnostics == [])
        [shown] = [m.message for m in client.messages if "configuration error" in m.message]
        assert re.search(r"\.wslint\.yaml:2: websocket-scope: expected one of all, detected",
                         shown), shown
    finally:
        config.write_text(WORKSPACE_CONFIG)  # the other tests share the workspace


@end_to_end
async def test_diagnostics_settle_to_those_of_the_whole_context(client, root):
    """The first diagnostics after a change may come from the document's namespaces only; the
    whole context follows when typing stops, and the document is then linted in full."""
    path = root / "xns" / "ingress.yaml"
    assert _cli_findings(path, root) == []
    uri = from_fs_path(str(path))
    after = len(client.published)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri, "yaml", 1, path.read_text())))
    await _published(client, uri, 1, after, where=lambda diagnostics: diagnostics == [])
    assert await _change(client, uri, 2, path.read_text() + "# edited\n") == []


@end_to_end
async def test_a_raising_plugin_is_logged_to_the_client_and_the_rest_is_reported(tmp_path):
    site = tmp_path / "site"
    package = site / "acme_rules"
    (package / "rules").mkdir(parents=True)
    (package / "rules" / "ACME001.yaml").write_text(
        "code: ACME001\nname: acme-check\nseverity: warning\nsummary: A third party's check\n"
        "kinds: [Deployment]\nwebsocket-scope: false\ndocs:\n  what: Checks.\n  why: Because.\n"
        "  example: 'a: 1'\n  use-instead: 'a: 2'\n  fix: Fix it.\n")
    (package / "__init__.py").write_text(
        "from pathlib import Path\nfrom wslint.api import CheckSet, hookimpl, load_rules\n"
        "checks = CheckSet()\n@checks('ACME001')\ndef acme_check(obj, ctx):\n"
        "    raise ZeroDivisionError('the plugin is broken')\n"
        "@hookimpl\ndef wslint_rules():\n    return load_rules(Path(__file__).parent / 'rules', checks)\n")
    dist = site / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[wslint]\nacme = acme_rules\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    client = await _start(tmp_path, client_capabilities("neovim"), env)
    try:
        uri, diagnostics = await _open(client, tmp_path / "app.yaml")
        assert "WS201" in [d.code for d in diagnostics]
        logged = [m.message for m in client.log_messages]
        assert any("internal error in rule ACME001 (plugin acme)" in m and "ZeroDivisionError" in m
                   for m in logged), logged
        assert [d.code for d in await _change(client, uri, 2, GOOD_DEPLOYMENT)] == []
        told = [m for m in client.log_messages if "internal error in rule ACME001" in m.message]
        assert len(told) == 1  # once while it lasts, not at every change
    finally:
        await _stop(client)


@end_to_end
async def test_a_client_without_resolve_gets_the_edits_with_the_actions(tmp_path):
    _workspace(tmp_path)
    capabilities = client_capabilities("neovim")
    capabilities.text_document.code_action.resolve_support = None
    capabilities.workspace.workspace_edit.document_changes = False
    client = await _start(tmp_path, capabilities)
    try:
        path = tmp_path / "single" / "ingress.yaml"
        uri, _ = await _open(client, path)
        actions = await _actions(client, uri)
        assert {a.title.split(":")[0] for a in actions} >= {"Fix WS101", "Disable WS101 on this line"}
        assert all(list(a.edit.changes) == [uri] for a in actions)  # no versioned edits here
    finally:
        await _stop(client)
