"""The language server itself: pygls handlers over `wslint.workspace.Workspace`.

Work is done off the protocol's event loop, in one worker thread, so that the server keeps
answering while it lints and a `Workspace` is only ever used from one thread. Linting is
coalesced rather than queued: a change marks its document as due, and the worker lints the
latest text of each due document once; a result for a text that changed meanwhile is dropped
(the newer text is next). A burst of keystrokes thus costs one lint after the one running, not
one per keystroke, and a lone change is linted at once, with no timer to wait for.

The heavy work is debounced: a change is linted at once with the context objects that may share
a namespace with the document (`Workspace.lint(quick=True)`: a fraction of a large workspace),
and once the document has been left alone for `SETTLE` seconds, with the whole context. When the
two differ (objects relating across namespaces), the full result is published, and that document
is linted in full from then on.
"""

from __future__ import annotations

import asyncio
import gc
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from wslint import __version__
from wslint.model import applicable
from wslint.load.sources import YAML_SUFFIXES
from wslint.model import Finding, LintResult, Source
from wslint.server.protocol import Lines, contains, diagnostic, text_edit
from wslint.workspace import Workspace, WorkspaceConfigError, disable_comment, finding_key

LANGUAGES = ("yaml", "json", "jsonc")
UNSAFE_QUICKFIX = "quickfix.unsafe"
FIX_ALL = "source.fixAll.wslint"
SETTLE = 0.5  # seconds without a change before a document is linted with its whole context
# The files whose change can change a document's findings: manifests (context), kustomization
# files, configuration (YAML, pyproject.toml), baselines (JSON).
WATCHED = ("**/*.{yaml,yml,json}", "**/Kustomization", "**/pyproject.toml")


@dataclass
class Linted:
    """A document's last lint: the text it was of, and each finding with its diagnostic."""

    version: int | None
    text: str
    result: LintResult
    quick: bool
    diagnostics: list[tuple[Finding, types.Diagnostic]] = field(default_factory=list)


class WslintServer(LanguageServer):
    def __init__(self, plugins: bool = True) -> None:
        super().__init__("wslint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.plugins = plugins
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wslint")
        self.workspaces: dict[str | None, Workspace] = {}
        self.linted: dict[str, Linted] = {}
        self.due: dict[str, bool] = {}  # documents to lint (in full?), in the order they came
        self.draining: asyncio.Task | None = None
        self.settling: dict[str, asyncio.TimerHandle] = {}
        self.quick_differs: set[str] = set()  # documents whose quick lint missed something
        self.reported: set[str] = set()  # messages already shown to the user
        self.told: dict[str, set[str]] = {}  # by document: the problems its last lint logged
        self.files_read = 0
        self.working = 0  # calls of `run` under way

    # --- documents and workspaces -------------------------------------------------------------

    def path_of(self, uri: str) -> str | None:
        return to_fs_path(uri) if uri.startswith("file:") else None

    def workspace_for(self, path: str | None) -> Workspace:
        """The Workspace of the folder holding `path` (the innermost), or a rootless one."""
        roots = [to_fs_path(uri) for uri in self.workspace.folders] or (
            [self.workspace.root_path] if self.workspace.root_path else [])
        absolute = os.path.abspath(path) if path else None
        holding = [r for r in roots if r and absolute and
                   (absolute + os.sep).startswith(os.path.abspath(r).rstrip(os.sep) + os.sep)]
        root = max(holding, key=len) if holding else None
        if root not in self.workspaces:
            self.workspaces[root] = Workspace(root, plugins=self.plugins)
        return self.workspaces[root]

    def lintable(self, uri: str) -> bool:
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return False
        return document.language_id in LANGUAGES or uri.lower().endswith(YAML_SUFFIXES)

    # --- linting, off the event loop ----------------------------------------------------------

    def schedule(self, uris, full: bool = False) -> None:
        for uri in uris:
            if self.lintable(uri):
                self.due[uri] = full or self.due.get(uri, False)
        if self.due and (self.draining is None or self.draining.done()):
            self.draining = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self.due:
            uri = next(iter(self.due))
            full = self.due.pop(uri)
            before = self.linted.get(uri)
            linted = await self.lint_now(uri, quick=not full and uri not in self.quick_differs)
            if linted is None or uri in self.due:
                continue  # closed, or changed while it was linted: the newer text is next
            if linted.quick:
                self._settle_later(uri, linted.version)
            elif before is not None and before.quick and before.version == linted.version:
                if _shown(before) == _shown(linted):
                    continue  # what the quick lint published stands
                self.quick_differs.add(uri)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri, [d for _, d in linted.diagnostics], version=linted.version))

    def _settle_later(self, uri: str, version: int | None) -> None:
        """Lint the document with its whole context once it has been left alone a while."""
        if uri in self.settling:
            self.settling.pop(uri).cancel()

        def settled() -> None:
            self.settling.pop(uri, None)
            document = self.workspace.text_documents.get(uri)
            if document is not None and document.version == version and uri not in self.due:
                self.schedule([uri], full=True)

        self.settling[uri] = asyncio.get_running_loop().call_later(SETTLE, settled)

    async def lint_now(self, uri: str, quick: bool = False) -> Linted | None:
        """Lint the document's current text (in the worker) and keep the result."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        text, version = document.source, document.version
        path = self.path_of(uri)

        def work() -> tuple[LintResult, set[str]]:
            workspace = self.workspace_for(path)
            result = workspace.lint(path, text, quick=quick)
            rules = workspace.linter(path).by_code
            return result, {code for code, rule in rules.items() if rule.plugin == "builtin"}

        built_in: set[str] = set()
        problems = []  # (message, shown as well as logged)
        try:
            result, built_in = await self.run(work)
        except WorkspaceConfigError as error:
            problems.append((f"wslint: configuration error: {error}", True))
            result = LintResult()
        except Exception:  # wslint's own bug: say so, and go on serving
            problems.append((f"wslint: internal error linting {uri}:\n{traceback.format_exc()}", True))
            result = LintResult()
        problems += [(f"wslint: internal error in rule {error.rule} (plugin {error.plugin}) on "
                      f"{error.obj}: {error.error}", False) for error in result.internal_errors]
        # What this machine could not lint (kubectl or helm not installed, no network): logged.
        warnings = [f"wslint: warning: {notice}" for notice in result.notices]
        linted = self.linted[uri] = Linted(version, text, result, quick)
        try:
            self.describe(uri, linted, built_in)
        except Exception:
            problems.append((f"wslint: internal error reporting {uri}:\n{traceback.format_exc()}", True))
        # Told once while they last, not at every keystroke.
        told = self.told.get(uri, set())
        for message, show in problems:
            if message not in told:
                self.tell(message, types.MessageType.Error, show)
        for message in warnings:
            if message not in told:
                self.tell(message, types.MessageType.Warning)
        self.told[uri] = {message for message, _ in problems} | set(warnings)
        return linted

    async def run(self, work):
        """`work()` in the worker thread. As in a command-line run, the cyclic garbage collector
        is off meanwhile (parsing creates no cycles, and it would walk every parsed tree again
        and again); context files, once read, are frozen out of its reach for good (they live
        until they change), so that its collections between lints stay short."""
        self.working += 1
        gc.disable()
        try:
            value = await asyncio.get_running_loop().run_in_executor(self.worker, work)
        finally:
            self.working -= 1
            read = sum(w.files_read for w in list(self.workspaces.values()))
            if read != self.files_read:
                self.files_read = read
                gc.freeze()
            if not self.working:
                gc.enable()
        return value

    def describe(self, uri: str, linted: Linted, built_in: set[str]) -> None:
        codec = self.workspace.position_codec
        lines = Lines(linted.text, codec)
        others: dict[str, Lines] = {}

        def lines_of(source: Source) -> Lines:
            if source.text == linted.text:
                return lines
            if source.path not in others:
                others[source.path] = Lines(source.text, codec)
            return others[source.path]

        for finding in linted.result.findings:
            linted.diagnostics.append((finding, diagnostic(finding, uri, lines, lines_of,
                                                           finding.code in built_in)))

    def tell(self, message: str, kind: types.MessageType, show: bool = False) -> None:
        """Log a message to the client; with `show`, also show it once per server."""
        self.window_log_message(types.LogMessageParams(kind, message))
        if show and message not in self.reported:
            self.reported.add(message)
            self.window_show_message(types.ShowMessageParams(kind, message.splitlines()[0]))

    async def current(self, uri: str) -> Linted | None:
        """The lint of the document's current text (linting it now if it is not done yet)."""
        document = self.workspace.text_documents.get(uri)
        linted = self.linted.get(uri)
        if document is None or not self.lintable(uri):
            return None
        if linted is not None and linted.version == document.version and linted.text == document.source:
            return linted
        return await self.lint_now(uri)

    # --- code actions -------------------------------------------------------------------------

    def actions(self, uri: str, linted: Linted, wanted: types.Range,
                only: list[str] | None) -> list[types.CodeAction]:
        def allowed(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(k + ".") for k in only)

        found = []
        for finding, diag in linted.diagnostics:
            if diag.range.end.line < wanted.start.line or diag.range.start.line > wanted.end.line:
                continue
            data = {"uri": uri, "version": linted.version, "key": list(finding_key(finding)),
                    "line": finding.line}
            if applicable(finding, False) and allowed(types.CodeActionKind.QuickFix):
                found.append(types.CodeAction(
                    f"Fix {finding.code}: {finding.fix.description}", types.CodeActionKind.QuickFix,
                    diagnostics=[diag], is_preferred=True, data={**data, "action": "fix"}))
            elif applicable(finding, True) and allowed(UNSAFE_QUICKFIX):
                found.append(types.CodeAction(
                    f"Fix {finding.code} (unsafe fix): {finding.fix.description}", UNSAFE_QUICKFIX,
                    diagnostics=[diag], data={**data, "action": "unsafe-fix"}))
            if allowed(types.CodeActionKind.QuickFix):
                found.append(types.CodeAction(
                    f"Disable {finding.code} on this line", types.CodeActionKind.QuickFix,
                    diagnostics=[diag], data={**data, "action": "disable"}))
        if allowed(FIX_ALL) and any(applicable(f, False) for f, _ in linted.diagnostics):
            found.append(types.CodeAction(
                "Fix all safely fixable wslint problems", FIX_ALL,
                data={"uri": uri, "version": linted.version, "action": "fix-all"}))
        return found

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """Give the action its edit (fixing lints the document again: in the worker)."""
        data = action.data or {}
        uri = data.get("uri")
        linted = self.linted.get(uri)
        document = self.workspace.text_documents.get(uri)
        if linted is None or document is None or document.version != data.get("version") \
                or linted.version != data.get("version"):
            return action  # the document changed since: no edit rather than a wrong one
        path, text, kind = self.path_of(uri), linted.text, data.get("action")
        only = None
        if kind in ("fix", "unsafe-fix"):
            only = next((f for f, _ in linted.diagnostics
                         if list(finding_key(f)) == data.get("key")), None)
            if only is None:
                return action

        def work() -> tuple[str | None, list[str]]:
            if kind == "disable":
                return disable_comment(text, data["line"], data["key"][0]), []
            fixed = self.workspace_for(path).fix(path, text, unsafe=kind == "unsafe-fix", only=only)
            return fixed.text, fixed.notices

        try:
            new, notices = await self.run(work)
        except Exception:
            self.tell(f"wslint: internal error fixing {uri}:\n{traceback.format_exc()}",
                      types.MessageType.Error, show=True)
            new, notices = None, []
        for notice in notices:
            self.tell(f"wslint: {notice}", types.MessageType.Warning)
        edit = text_edit(text, new, Lines(text, self.workspace.position_codec)) \
            if new is not None else None
        if edit is None:
            return action  # not applicable after all (the notices say why): nothing to do
        workspace = self.client_capabilities.workspace
        if workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes:
            # versioned: a client applies it only to the text it was made for
            action.edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri, linted.version), [edit])])
        else:
            action.edit = types.WorkspaceEdit(changes={uri: [edit]})
        return action


def _shown(linted: Linted) -> list[tuple]:
    return [(f.code, f.line, f.column, f.message) for f in linted.result.findings]


def create_server(plugins: bool = True) -> WslintServer:
    server = WslintServer(plugins)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: WslintServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watching = capabilities and capabilities.did_change_watched_files
        if not (watching and watching.dynamic_registration):
            return  # then open and save events are when the disk is looked at again
        try:
            await ls.client_register_capability_async(types.RegistrationParams([
                types.Registration("wslint-files", types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                   types.DidChangeWatchedFilesRegistrationOptions(
                                       [types.FileSystemWatcher(glob) for glob in WATCHED]))]))
        except Exception as error:  # a client that says it can but cannot
            ls.tell(f"wslint: file events not available: {error}", types.MessageType.Info)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: WslintServer, params: types.DidOpenTextDocumentParams) -> None:
        # An editor may send no file events: look at the disk again when a document opens.
        await ls.run(lambda: [w.refresh() for w in ls.workspaces.values()])
        ls.schedule([params.text_document.uri])

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: WslintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule([params.text_document.uri])

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: WslintServer, params: types.DidSaveTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None:
            await ls.run(lambda: [w.file_changed(path) for w in ls.workspaces.values()])
        # The saved file may be context (or configuration) of the other open documents.
        ls.schedule([params.text_document.uri, *ls.workspace.text_documents])

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: WslintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.linted.pop(uri, None)
        ls.due.pop(uri, None)
        ls.quick_differs.discard(uri)
        ls.told.pop(uri, None)
        if uri in ls.settling:
            ls.settling.pop(uri).cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def files_changed(ls: WslintServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [p for p in (ls.path_of(change.uri) for change in params.changes) if p]
        await ls.run(lambda: [w.file_changed(p) for w in ls.workspaces.values() for p in paths])
        ls.schedule(list(ls.workspace.text_documents))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: WslintServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        linted = await ls.current(uri)
        if linted is None:
            return None
        at = params.position
        here = [d for _, d in linted.diagnostics if contains(d.range, at)] or \
            [d for _, d in linted.diagnostics if d.range.start.line == at.line]
        codes = list(dict.fromkeys(str(d.code) for d in here))
        if not codes:
            return None
        path = ls.path_of(uri)
        texts = await ls.run(lambda: [ls.workspace_for(path).explain(path, code) for code in codes])
        hover_formats = (ls.client_capabilities.text_document and
                         ls.client_capabilities.text_document.hover and
                         ls.client_capabilities.text_document.hover.content_format) or []
        kind = types.MarkupKind.Markdown if types.MarkupKind.Markdown in hover_formats \
            else types.MarkupKind.PlainText
        return types.Hover(types.MarkupContent(kind, "\n---\n\n".join(t for t in texts if t)),
                           here[0].range)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, UNSAFE_QUICKFIX, FIX_ALL],
        resolve_provider=True))
    async def code_action(ls: WslintServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        linted = await ls.current(uri)
        if linted is None:
            return None
        actions = ls.actions(uri, linted, params.range, params.context.only)
        text_document = ls.client_capabilities.text_document
        support = text_document and text_document.code_action and \
            text_document.code_action.resolve_support
        if support and "edit" in support.properties:
            return actions  # the client asks for each edit when it is chosen
        resolved = [await ls.resolve(action) for action in actions]
        return [action for action in resolved if action.edit is not None]

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: WslintServer, action: types.CodeAction) -> types.CodeAction:
        return await ls.resolve(action)

    return server


def serve(plugins: bool = True) -> None:
    """Serve the protocol on standard input and output until the client says exit."""
    import sys

    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a plugin prints must not corrupt the protocol
    create_server(plugins).start_io(sys.stdin.buffer, out)
