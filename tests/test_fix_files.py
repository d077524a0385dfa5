"""`--fix` and the file system: what it writes and how, and everything it must leave as it was
(owners, groups, modes, hard links, symlinks, read-only files, line endings), what it says when
it cannot write, and input that once stopped it (a `:` in a flow sequence, a FIFO swapped in).

Permission tests run as a user without root's override (through `setpriv` when the suite runs
as root), so they mean the same whoever runs the suite."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.error import YAMLError

from cli_helpers import invoke
from wslint.engine import Linter
from wslint.fix import fix, fix_text
from wslint.fix.scan import _read, _start_lines, document_starts, scan
from wslint.settings import Settings

# One WS202 finding (no preStop hook), at line 8, fixed by adding one.
NO_PRESTOP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat}
spec:
  template:
    spec:
      containers:
      - name: chat
        image: chat:1
"""
PRESTOP = """\
        lifecycle:
          preStop:
            sleep:
              seconds: 10
"""
FIXED = NO_PRESTOP + PRESTOP
NOBODY = 65534
ONLY_WS202 = ("--no-config", "--select", "WS202")


def fix_cli(*args, cwd: Path):
    return invoke("--fix", *ONLY_WS202, *args, cwd=cwd)


def root_only():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root, to give files to another user")


def run_unprivileged(*args, cwd: Path) -> subprocess.CompletedProcess:
    """`wslint ARGS...` as a user without root's override of permissions."""
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is missing: it runs the command as a user without root's "
                        "override of permissions")
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        probe = subprocess.run([*prefix, sys.executable, "-c", "import wslint"], cwd=cwd,
                               capture_output=True, timeout=60)
        if probe.returncode != 0:  # an interpreter under a private home directory
            pytest.skip("this interpreter cannot run as an unprivileged user: "
                        + probe.stderr.decode(errors="replace").strip()[-200:])
    return subprocess.run([*prefix, sys.executable, "-m", "wslint", *map(str, args)], cwd=cwd,
                          capture_output=True, timeout=120)


@pytest.fixture
def shared_dir():
    """A directory the unprivileged user owns (the suite's own temporary directories are
    private to the user running it)."""
    path = Path(tempfile.mkdtemp(prefix="wslint-fix-"))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    path.chmod(0o755)
    yield path
    for root, dirs, _ in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    shutil.rmtree(path)


def give_to_nobody(*paths: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        for path in paths:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


# --- what once stopped --fix ---------------------------------------------------------------------

FLOW_COLON = NO_PRESTOP + "        args: [--listen=0.0.0.0:8080, --verbose]\n"


def test_a_colon_inside_a_flow_sequence_is_fixed(tmp_path):
    """libyaml refuses `[--listen=0.0.0.0:8080]`, which YAML and kubectl accept."""
    (tmp_path / "flow.yaml").write_text(FLOW_COLON)
    (tmp_path / "other.yaml").write_text(NO_PRESTOP)
    diff = invoke("--diff", *ONLY_WS202, "flow.yaml", "other.yaml", cwd=tmp_path)
    assert diff.returncode == 1 and b"Would fix 2 problems in 2 files." in diff.stderr
    assert b"--- flow.yaml\n" in diff.stdout and b"--- other.yaml\n" in diff.stdout

    piped = invoke("--fix", *ONLY_WS202, "-", stdin=FLOW_COLON, cwd=tmp_path)
    assert piped.stdout == (FLOW_COLON + PRESTOP).encode()

    fixed = fix_cli("flow.yaml", "other.yaml", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert (tmp_path / "flow.yaml").read_text() == FLOW_COLON + PRESTOP
    assert (tmp_path / "other.yaml").read_text() == FIXED


def test_libyaml_refusals_are_read_document_by_document():
    text = "# head\n" + FLOW_COLON + "---\n" + NO_PRESTOP + "--- # c\nargs: [a:b]  # d\n"
    assert document_starts(text) == [1, 11, 21]
    assert {line: comment for line, (_, comment) in scan(text).comments.items()} == {
        0: "# head", 21: "# c", 22: "# d"}


def test_one_file_that_fails_never_stops_the_others(tmp_path, monkeypatch):
    import wslint.fix.rounds as rounds

    class Breaks(rounds.FileFix):
        def __init__(self, source, *limits):
            if source.path.endswith("broken.yaml"):
                raise RuntimeError("something unforeseen")
            super().__init__(source, *limits)

    monkeypatch.setattr(rounds, "FileFix", Breaks)
    for name in ("broken.yaml", "fine.yaml"):
        (tmp_path / name).write_text(NO_PRESTOP)
    result = fix_cli("broken.yaml", "fine.yaml", cwd=tmp_path)
    assert (tmp_path / "fine.yaml").read_text() == FIXED
    assert (tmp_path / "broken.yaml").read_text() == NO_PRESTOP
    assert b"broken.yaml: not fixed: an internal error (RuntimeError: something unforeseen)" \
        in result.stderr
    assert b"broken.yaml:8:9: WS202" in result.stdout, "its finding is still reported"
    assert b"Fixed 1 problem in 1 file." in result.stderr
    assert result.returncode == 1


class _Timeout(Exception):
    pass


@pytest.fixture
def no_hang():
    def expire(*_):
        raise _Timeout("--fix waited on a FIFO")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_swapped_in_never_hangs_it(tmp_path, no_hang):
    linter = Linter(Settings(select=["WS202"]))
    path = tmp_path / "app.yaml"
    path.write_text(NO_PRESTOP)
    loaded, _ = linter.load_inputs([str(path)])
    path.unlink()
    os.mkfifo(path)  # after the lint read it, before --fix reads it again
    outcome = fix(linter, loaded)
    assert not outcome.files
    assert outcome.notices == [f"{path}: not fixed: it is no longer a regular file"]
    assert [f.code for f in outcome.result.findings] == ["WS202"]

    path.unlink()
    path.write_text(NO_PRESTOP)
    loaded, _ = linter.load_inputs([str(path)])
    outcome = fix(linter, loaded)
    path.unlink()
    os.mkfifo(path)  # after --fix read it, before it writes
    outcome.write()
    assert outcome.errors == [f"{path}: not written: it is no longer a regular file"]
    assert (outcome.fixed, outcome.files) == (0, [])
    assert [f.code for f in outcome.result.findings] == ["WS202"]


# --- line endings and indentation ------------------------------------------------------------

def test_cr_only_line_endings_stay(tmp_path):
    text = NO_PRESTOP.replace("metadata: {name: chat}", "metadata:\n  name: chat  # its name")
    path = tmp_path / "app.yaml"
    path.write_bytes(text.replace("\n", "\r").encode())
    diff = invoke("--diff", *ONLY_WS202, "app.yaml", cwd=tmp_path)
    assert b"+        lifecycle:\n+          preStop:\n" in diff.stdout
    fix_cli("app.yaml", cwd=tmp_path)
    assert path.read_bytes() == (text + PRESTOP).replace("\n", "\r").encode()


@pytest.mark.parametrize("flow", [
    "        args: [--listen=0.0.0.0:8080,\n               --verbose]\n",
    "        env: [{name: A, value: \"1\"},\n              {name: B, value: \"2\"}]\n",
    "        command: [\n          \"/bin/app\",\n          \"--flag\"\n        ]\n",
    "        args: [\"a\",\n     \"b\"]  # under-indented, and a comment\n",
])
def test_a_multi_line_flow_collection_keeps_its_indentation(flow):
    linter = Linter(Settings(select=["WS202"]))
    [file] = fix_text(linter, NO_PRESTOP + flow, "app.yaml").files
    assert file.fixed == NO_PRESTOP + flow + PRESTOP


# --- links, owners, modes --------------------------------------------------------------------

def test_hard_links_stay_one_file(tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(NO_PRESTOP)
    os.link(first, second)
    result = fix_cli("first.yaml", cwd=tmp_path)
    assert b"Fixed 1 problem in 1 file." in result.stderr
    assert second.read_text() == FIXED, "every name sees the fix"
    assert first.stat().st_ino == second.stat().st_ino and first.stat().st_nlink == 2


def test_symlinks_stay_and_never_lead_the_fix_out_of_the_tree(tmp_path):
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (tree / "app.yaml").write_text(NO_PRESTOP)
    (tree / "alias.yaml").symlink_to("app.yaml")
    (tree / "escape.yaml").symlink_to("../outside/target.yaml")
    (outside / "target.yaml").write_text(NO_PRESTOP)

    result = fix_cli("tree", cwd=tmp_path)
    assert (tree / "app.yaml").read_text() == FIXED
    assert (tree / "alias.yaml").is_symlink() and os.readlink(tree / "alias.yaml") == "app.yaml"
    assert (outside / "target.yaml").read_text() == NO_PRESTOP, "outside the tree: never written"
    assert (b"tree/escape.yaml: not fixed: it is reached through a symlink that leads outside "
            b"the paths being linted") in result.stderr
    # Reached twice (app.yaml and alias.yaml): fixed once, reported once, no error.
    assert b"Fixed 1 problem in 1 file." in result.stderr and b"error" not in result.stderr
    assert result.stdout.count(b"WS202") == 1 and b"tree/escape.yaml:8:9: WS202" in result.stdout
    assert result.returncode == 1

    # Named on the command line, a symlink is the user's choice: its target is fixed.
    named = fix_cli("tree/escape.yaml", cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    assert (outside / "target.yaml").read_text() == FIXED
    assert (tree / "escape.yaml").is_symlink()


def test_a_file_named_twice_is_fixed_once_and_reported_once(tmp_path):
    (tmp_path / "app.yaml").write_text(NO_PRESTOP)
    result = fix_cli("app.yaml", tmp_path / "app.yaml", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout.count(b"WS202")) == (0, 0), result.stderr
    assert b"Fixed 1 problem in 1 file." in result.stderr
    assert (tmp_path / "app.yaml").read_text() == FIXED


def test_root_keeps_the_owner_group_and_mode(tmp_path):
    root_only()
    path = tmp_path / "app.yaml"
    path.write_text(NO_PRESTOP)
    os.chown(path, NOBODY, NOBODY)
    path.chmod(0o640)
    fix_cli("app.yaml", cwd=tmp_path)
    info = path.stat()
    assert path.read_text() == FIXED
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o640)


def test_a_user_fixing_a_file_of_another_owner_keeps_its_owner(shared_dir):
    root_only()
    path = shared_dir / "app.yaml"
    path.write_text(NO_PRESTOP)
    os.chown(path, 0, NOBODY)  # root's, writable by nobody's group
    path.chmod(0o664)
    inode = path.stat().st_ino
    result = run_unprivileged("--fix", *ONLY_WS202, "app.yaml", cwd=shared_dir)
    assert result.returncode == 0, result.stderr
    info = path.stat()
    assert path.read_text() == FIXED
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode), info.st_ino) == \
        (0, NOBODY, 0o664, inode)


def test_read_only_files_stay_untouched_and_keep_their_findings(shared_dir):
    for name in ("locked.yaml", "open.yaml"):
        (shared_dir / name).write_text(NO_PRESTOP)
    give_to_nobody(shared_dir / "locked.yaml", shared_dir / "open.yaml")
    (shared_dir / "locked.yaml").chmod(0o444)
    for command in (run_unprivileged, None):  # as nobody, and as whoever runs the suite
        result = (command("--fix", *ONLY_WS202, ".", cwd=shared_dir) if command
                  else fix_cli(".", cwd=shared_dir))
        assert (shared_dir / "locked.yaml").read_text() == NO_PRESTOP
        assert stat.S_IMODE((shared_dir / "locked.yaml").stat().st_mode) == 0o444
        assert b"locked.yaml: not fixed: it is read-only" in result.stderr
        assert b"locked.yaml:8:9: WS202" in result.stdout
        assert result.returncode == 1
    assert (shared_dir / "open.yaml").read_text() == FIXED


def test_files_that_cannot_be_written_keep_their_findings_and_the_counts_say_so(shared_dir):
    long_name = "n" * 250 + ".yaml"  # 255 bytes: no room for a longer temporary name
    locked = shared_dir / "locked"
    locked.mkdir()
    for path in (shared_dir / long_name, locked / "app.yaml"):
        path.write_text(NO_PRESTOP)
    give_to_nobody(locked, shared_dir / long_name, locked / "app.yaml")
    locked.chmod(0o555)  # no new file, no rename in it
    result = run_unprivileged("--fix", *ONLY_WS202, ".", cwd=shared_dir)
    assert (shared_dir / long_name).read_text() == FIXED
    assert (locked / "app.yaml").read_text() == NO_PRESTOP
    assert b"locked/app.yaml: not written: cannot create a file beside it: Permission denied" \
        in result.stderr
    assert b"locked/app.yaml:8:9: WS202" in result.stdout, "its finding is still reported"
    assert b"Fixed 1 problem in 1 file. Some files were not written" in result.stderr
    assert result.returncode == 2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["---", "--- # c", "---\t", "--- a: b", ""]),
                          st.lists(st.sampled_from(["a: 1", "# note", "", "  ", "b: ---", "c: [x]",
                                                    "---x: 1", "d: |", "  --- in a block"]),
                                   max_size=4)),
                min_size=1, max_size=5), st.booleans())
def test_the_document_marker_lines_say_where_documents_start_as_libyaml_does(documents, ended):
    text = "".join("".join(line + "\n" for line in ([marker] if marker else []) + body)
                   for marker, body in documents)
    text = text if ended else text[:-1]  # the last line without its line break too
    try:
        read = [offset + line for offset, line in _read(text, _start_lines)]
    except YAMLError:
        return  # not a stream: the lines are only asked of valid ones
    assert document_starts(text) == read  # from the `---` lines alone
