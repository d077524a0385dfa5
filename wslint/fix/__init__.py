"""`wslint --fix` and `--diff`: apply the edits of fixes and change nothing else.

Only files with an applicable fix are touched, in four steps:

1. Each document with an edit is loaded with ruamel.yaml's round trip (comments, quoting, flow
   and block style), and the edits (`wslint.model.Edit`: set, remove, append at a path of an
   object) change that tree.
2. The tree is dumped twice, as loaded and as edited. The line diff between the two dumps is what
   the edits change, and only that diff is applied to the original text: the lines ruamel.yaml
   would re-format (spacing, indentation it does not keep) are never written from its output,
   and documents without edits are not even read by it. Inserted lines take the indentation of their neighbours in the original, the
   file's style for nested blocks (2 or 4 spaces, flush or indented sequences) and its line
   endings; comments of removed lines are kept.
3. The result must parse, must parse to the original objects with exactly the edits applied, and
   must hold every comment of the original; otherwise the file is left alone, with a message.
4. Apply, re-lint, repeat until no fix applies (at most `MAX_ROUNDS` rounds): one fix can call for
   another (a preStop sleep lengthens the shutdown, so the grace period may become too short).

The package holds one module per job, each importing only those listed before it: `errors`,
`scan` (what the original text looks like), `edit` (edits on a tree), `patch` (the round trip's
dumps back onto the original lines), `diff` (`--diff`), `write` (replacing a file), `file` (one
file being fixed), `rounds` (the rounds of fixing and re-linting) and `run` (the run, in this
process or shared out over several).

Writing (`write`) keeps the file what it was (owner, group, mode, hard links, symlinks), is
atomic where that keeps it, and is refused when the file changed on disk after wslint read it.
"""

from wslint.fix.errors import FixError
from wslint.fix.file import FileFix
from wslint.fix.rounds import MAX_ROUNDS, FixOutcome
from wslint.fix.run import fix, fix_text
from wslint.fix.scan import Scan, comment_texts, scan

__all__ = ["MAX_ROUNDS", "FileFix", "FixError", "FixOutcome", "Scan",
           "comment_texts", "fix", "fix_text", "scan"]
