"""`wslint --fix`, `--diff` and `--unsafe-fixes`: what the fixes change, and everything they must
leave as it was (comments, styles, other documents, line endings, the file itself when it cannot
be fixed safely). The per-rule cases are data (`fixed:` in tests/fixtures/rules/)."""

from __future__ import annotations

import re
import stat

import pytest

from cli_helpers import invoke
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.fix import FileFix, FixError, fix, fix_text, scan
from wslint.model import Applicability, Source
from wslint.engine.plugins import Plugins

# Written by hand the way people do: four-space indentation with flush sequences, flow-style
# annotations, a comment on every other line, several documents; made CRLF below.
HAND_WRITTEN = """\
# Chat: the realtime service
apiVersion: apps/v1
# the workload
kind: Deployment
metadata:
    # name and namespace
    name: chat
    namespace: realtime
spec:
    # three pods behind the Service
    replicas: 3
    selector:
        matchLabels: {app: chat}
    template:
        metadata:
            labels: {app: chat}
        spec:
            # the serving container
            containers:
            - name: chat   # main
              image: ghcr.io/acme/chat:1.4.2
              # its port
              ports:
              - name: ws
                containerPort: 8080
              readinessProbe:
                  httpGet: {path: /healthz, port: ws}
            # end of containers
---
# the Service: needs nothing
apiVersion: v1
kind: Service
metadata:
    name: chat
    # same namespace
    namespace: realtime
spec:
    selector: {app: chat}
    # one port
    ports:
    - name: ws
      port: 80
      targetPort: ws
    sessionAffinity: ClientIP
---
# ingress-nginx route
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
    name: chat
    namespace: realtime
    # flow-style annotations
    annotations: {nginx.ingress.kubernetes.io/proxy-http-version: "1.0", nginx.ingress.kubernetes.io/proxy-read-timeout: "3600s"}
spec:
    ingressClassName: nginx
    # one rule
    rules:
    - host: chat.example.com
      http:
          # the WebSocket path
          paths:
          - path: /ws
            pathType: Prefix
            backend:
                service: {name: chat, port: {number: 80}}
---
# an NGINX Inc route: its Service is not in websocket-services
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
    name: events
    namespace: realtime
    annotations: {nginx.org/proxy-read-timeout: "3600s", nginx.org/proxy-send-timeout: "3600s"}
spec:
    # NGINX Inc
    ingressClassName: nginx-inc
    defaultBackend:
        service: {name: chat, port: {number: 80}}
"""
FIXED_RULES = {"WS101", "WS102", "WS103", "WS202", "WS203"}


def documents(text: str) -> list[str]:
    return re.split(r"(?m)^---\r?$", text)


def comments(text: str) -> list[str]:
    return sorted(line[line.index("#"):].rstrip() for line in text.splitlines() if "#" in line)


def codes(output: bytes) -> set[str]:
    return set(re.findall(r" (WS\d{3}) \[", output.decode()))


def test_hand_written_manifests_keep_everything_but_the_fixes(tmp_path):
    path = tmp_path / "chat.yaml"
    original = HAND_WRITTEN.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    # WS203 comes with the preStop sleep that fixing WS202 adds; the read timeouts are long
    # enough (once WS103's unit is fixed), and only read timeouts cut idle WebSockets: no WS102.
    assert FIXED_RULES & codes(invoke(path).stdout) == FIXED_RULES - {"WS102", "WS203"}

    diff = invoke("--diff", path)
    assert diff.returncode == 1
    assert path.read_bytes() == original, "--diff must write nothing"
    assert diff.stdout.startswith(f"--- {path.as_posix()}\n+++ {path.as_posix()}\n@@ ".encode())
    assert b"+    annotations: {nginx.ingress.kubernetes.io/proxy-http-version: \"1.1\"" in diff.stdout

    fixed = invoke("--fix", path)
    assert not FIXED_RULES & codes(fixed.stdout), fixed.stdout.decode()
    assert b"Fixed 5 problems in 1 file." in fixed.stderr
    text = path.read_bytes().decode()
    assert comments(text) == comments(HAND_WRITTEN)
    assert text.count("\r\n") == text.count("\n"), "every line keeps its CRLF"
    before, after = documents(original.decode()), documents(text)
    assert len(before) == len(after)
    assert after[1] == before[1], "the Service needed nothing: byte for byte"
    assert "              lifecycle:\r\n                  preStop:\r\n" in after[0]
    assert "            terminationGracePeriodSeconds: 40\r\n            # end of containers" in after[0]
    assert ('annotations: {nginx.ingress.kubernetes.io/proxy-http-version: "1.1", '
            'nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"}\r\n') in after[2]
    assert 'nginx.org/websocket-services: "chat"}\r\n' in after[3]

    again = invoke("--fix", path)
    assert path.read_bytes().decode() == text, "a second --fix changes nothing"
    assert b"Fixed 0 problems in 0 files." in again.stderr
    nothing = invoke("--diff", path)
    assert (nothing.returncode, nothing.stdout) == (0, b"")


def _fixed(text: str, *rules: str, unsafe: bool = False, **options) -> str:
    linter = Linter(Settings(select=list(rules), rule_options=options))
    outcome = fix_text(linter, text, "app.yaml", unsafe=unsafe)
    assert not outcome.notices, outcome.notices
    return outcome.files[0].fixed if outcome.files else text


DEPLOYMENT = """\
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


def test_fixes_that_call_for_another_settle_in_one_run():
    # The preStop sleep makes the default grace period (30 s) too short for 10 s + 30 s.
    fixed = _fixed(DEPLOYMENT, "WS202", "WS203")
    assert fixed.endswith("        lifecycle:\n          preStop:\n            sleep:\n"
                          "              seconds: 10\n      terminationGracePeriodSeconds: 40\n")
    assert not Linter(Settings(select=["WS202", "WS203"])).lint_text(fixed).findings


@pytest.mark.parametrize(("indent", "flush"), [(2, True), (2, False), (4, True), (4, False)])
def test_inserted_yaml_follows_the_file_style(indent, flush):
    pad, dash = " " * indent, "" if flush else " " * indent
    text = (f"apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n{pad}name: chat\n"
            f"spec:\n{pad}prefix: /ws/\n{pad}service: chat\n{pad}headers:\n{pad}{dash}- a\n"
            f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n{pad}name: chat\nspec:\n"
            f"{pad}template:\n{pad * 2}spec:\n{pad * 3}containers:\n{pad * 3}{dash}- name: chat\n"
            f"{pad * 3}{dash}  image: chat:1\n")
    fixed = _fixed(text, "WS101", "WS202")
    item = f"{pad * 3}{dash}  "
    assert f"{pad}allow_upgrade:\n{pad}{dash}- websocket\n---\n" in fixed
    assert fixed.endswith(f"{item}lifecycle:\n{item}{pad}preStop:\n{item}{pad * 2}sleep:\n"
                          f"{item}{pad * 3}seconds: 10\n")


def test_lines_the_round_trip_would_reformat_stay_as_written():
    text = DEPLOYMENT.replace("metadata: {name: chat}", "metadata: { name:   chat }  #  odd  ") \
        .replace("image: chat:1", "image:    'chat:1'\n        args: [ '--a',   \"--b\" ]") + \
        "---\nkind:    ConfigMap\napiVersion: v1\ndata: {a: 1,   b: 2}\n"
    fixed = _fixed(text, "WS202")
    assert fixed == text.replace('"--b" ]\n', '"--b" ]\n        lifecycle:\n          preStop:\n'
                                 "            sleep:\n              seconds: 10\n")


def test_removed_key_keeps_its_comments_and_the_rest_stays():
    text = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: chat\n"
            "  annotations:\n    # keep the upgrade working\n"
            "    nginx.ingress.kubernetes.io/connection-proxy-header: close  # was: keep-alive\n"
            "spec:\n  ingressClassName: nginx\n")
    assert _fixed(text, "WS101") == text.replace(
        "  annotations:\n    # keep the upgrade working\n"
        "    nginx.ingress.kubernetes.io/connection-proxy-header: close  # was: keep-alive\n",
        "  annotations: {}\n    # keep the upgrade working\n    # was: keep-alive\n")


def test_byte_order_mark_and_missing_final_newline_stay(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + DEPLOYMENT.rstrip("\n").encode())
    assert invoke("--fix", "--select", "WS202", path).returncode == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfapiVersion") and data.endswith(b"seconds: 10")


def test_kubernetes_version_decides_the_safety_of_the_prestop_fix():
    linter = Linter(Settings(select=["WS202"], rule_options={"WS202": {"kubernetes-version": "1.29"}}))
    [finding] = linter.lint_text(DEPLOYMENT).findings
    assert finding.fix.applicability is Applicability.UNSAFE
    assert _fixed(DEPLOYMENT, "WS202", WS202={"kubernetes-version": "1.29"}) == DEPLOYMENT
    [finding] = Linter(Settings(select=["WS202"])).lint_text(DEPLOYMENT).findings
    assert finding.fix.applicability is Applicability.SAFE


def test_unsafe_fixes_need_the_flag(tmp_path):
    path = tmp_path / "app.yaml"
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: chat}\nspec:\n  replicas: 3\n"
            "  template:\n    metadata: {labels: {app: chat}}\n    spec:\n      containers:\n"
            "      - {name: chat, image: 'chat:1'}\n---\napiVersion: v1\nkind: Service\n"
            "metadata: {name: chat}\nspec:\n  selector: {app: chat}\n  ports: [{port: 80}]\n")
    path.write_text(text)
    # A plain WebSocket app is asked for no stickiness by default: every workload in scope here.
    safe_only = invoke("--fix", "--websocket-scope", "all", "--select", "WS301", path)
    assert path.read_text() == text and "WS301" in codes(safe_only.stdout)
    assert b"1 problem fixable with `wslint --fix --unsafe-fixes`." in safe_only.stdout
    unsafe = invoke("--fix", "--unsafe-fixes", "--websocket-scope", "all", "--select", "WS301",
                    path)
    assert unsafe.returncode == 0, unsafe.stdout
    assert path.read_text().endswith("  ports: [{port: 80}]\n  sessionAffinity: ClientIP\n"
                                      "  sessionAffinityConfig:\n    clientIP:\n"
                                      "      timeoutSeconds: 10800\n")
    assert invoke("--unsafe-fixes", path).returncode == 2


def test_stdin_prints_the_fixed_stream_and_reports_on_stderr():
    result = invoke("--fix", "--select", "WS202", "--stdin-filename", "app.yaml", "-",
                    stdin=DEPLOYMENT)
    assert result.stdout.decode() == _fixed(DEPLOYMENT, "WS202")
    assert b"No problems found" in result.stderr
    unchanged = invoke("--fix", "--select", "WS201", "-", stdin=DEPLOYMENT)
    assert unchanged.stdout.decode() == DEPLOYMENT and unchanged.returncode == 1


def test_a_file_with_a_yaml_error_is_never_written(tmp_path):
    path = tmp_path / "app.yaml"
    text = DEPLOYMENT + "---\nkind: [unclosed\n"
    path.write_text(text)
    result = invoke("--fix", path)
    assert path.read_text() == text
    assert b"app.yaml: not fixed: it has a YAML error (line 12" in result.stderr
    assert {"WS901", "WS202"} <= codes(result.stdout)


@pytest.mark.parametrize("via_stdin", [False, True])
def test_a_file_with_bytes_that_do_not_decode_is_never_cut(tmp_path, via_stdin):
    """The text of such a file stops before the bad byte: fixing it would drop the rest."""
    data = DEPLOYMENT.encode() + b"---\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: caf\xe9}\n"
    path = tmp_path / "app.yaml"
    path.write_bytes(data)
    result = invoke("--fix", "--select", "WS202,WS901", "-", stdin=data) if via_stdin \
        else invoke("--fix", "--select", "WS202,WS901", path)
    assert path.read_bytes() == data
    if via_stdin:
        assert result.stdout == data
    assert b"not fixed: part of it is not valid text in its encoding" in result.stderr
    assert "WS901" in codes(result.stderr if via_stdin else result.stdout)


def test_standard_input_keeps_its_byte_order_mark_and_utf16_is_left_alone():
    fixed = invoke("--fix", "--select", "WS202", "-", stdin=b"\xef\xbb\xbf" + DEPLOYMENT.encode())
    assert fixed.stdout == b"\xef\xbb\xbf" + _fixed(DEPLOYMENT, "WS202").encode()
    for data, encoding in [("\ufeff".encode("utf-16-le") + DEPLOYMENT.encode("utf-16-le"), b"UTF-16"),
                           (DEPLOYMENT.encode("utf-16-be"), b"UTF-16"),
                           (DEPLOYMENT.encode("utf-32-le"), b"UTF-32")]:
        unchanged = invoke("--fix", "--select", "WS202", "-", stdin=data)
        assert unchanged.stdout == data and b"not fixed: it is " + encoding in unchanged.stderr


FLOW_OVER_LINES = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  annotations: {
    # the class
    kubernetes.io/ingress.class: nginx,
    nginx.ingress.kubernetes.io/proxy-read-timeout: "60"  # too short
  }
spec:
  rules:
  - http:
      paths:
      - path: /ws
        pathType: Prefix
        backend: {service: {name: chat, port: {number: 80}}}
"""
# ruamel.yaml would write `ports: [{containerPort: 80}]` as `ports: [containerPort: 80]`.
FLOW_ONE_LINE = """\
apiVersion: v1
kind: Pod
metadata: {name: flow}
spec:
  containers: [{name: a, image: "a:1", ports: [{containerPort: 80}], readinessProbe: {tcpSocket: {port: 80}}}]
"""


@pytest.mark.parametrize(("document", "code"), [(FLOW_OVER_LINES, "WS102"), (FLOW_ONE_LINE, "WS202")])
def test_a_document_the_round_trip_would_restyle_is_left_as_written(document, code):
    text = document + "---\n" + DEPLOYMENT
    outcome = fix_text(Linter(Settings(select=[code, "WS202"], websocket_scope="all")), text,
                       "app.yaml")
    fixed = outcome.files[0].fixed
    assert fixed.startswith(document + "---\n") and fixed != text
    assert any("app.yaml:1: document not fixed: the fix falls in lines ruamel.yaml would write "
               "differently" in notice for notice in outcome.notices), outcome.notices
    assert outcome.fixed == 1  # the Deployment's preStop hook only


def test_shared_anchors_are_not_edited():
    # Container 0 is an anchor that container 1 merges: a preStop written into it would land
    # in both. Container 1 gets its own key; container 0 is reported, not fixed.
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: chat}\nspec:\n  template:\n"
            "    spec:\n      containers:\n      - &app\n        name: chat\n        image: chat:1\n"
            "      - <<: *app\n        name: other\n")
    outcome = fix_text(Linter(Settings(select=["WS202"])), text)
    assert outcome.notices == ["<string>:9:9: WS202 not fixed: the path goes through an anchor "
                               "(&app) that other places may share"]
    assert outcome.files[0].fixed == text + ("        lifecycle:\n          preStop:\n"
                                             "            sleep:\n              seconds: 10\n")
    assert [f.line for f in outcome.result.findings] == [9]


def test_write_keeps_permissions_and_refuses_a_file_changed_meanwhile(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(DEPLOYMENT)
    path.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(path.name)
    linter = Linter(Settings(select=["WS202"]))
    loaded = linter.load_paths([str(link)])
    [file] = fix(linter, loaded).files
    file.write()
    assert link.is_symlink() and "preStop" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".wslint-fix")] == []

    path.write_text(DEPLOYMENT)
    [file] = fix(linter, linter.load_paths([str(path)])).files
    path.write_text(DEPLOYMENT + "# edited meanwhile\n")
    with pytest.raises(FixError, match="changed on disk"):
        file.write()
    assert path.read_text().endswith("# edited meanwhile\n")
    path.write_text(DEPLOYMENT)
    loaded = linter.load_paths([str(path)])
    path.write_text(DEPLOYMENT.replace("chat:1", "chat:2"))
    outcome = fix(linter, loaded)
    assert not outcome.files and "changed on disk" in outcome.notices[0]


def test_json_output_carries_the_edits(tmp_path):
    import json

    (tmp_path / "app.yaml").write_text(DEPLOYMENT)
    report = json.loads(invoke("--format", "json", "--select", "WS202", tmp_path).stdout)
    [finding] = report["findings"]
    assert finding["fix"]["applicability"] == "safe"
    assert finding["fix"]["edits"] == [{
        "op": "set", "path": "spec.template.spec.containers[0].lifecycle.preStop",
        "value": {"sleep": {"seconds": 10}}, "object": finding["object"],
        "file": finding["file"]}]


def test_rule_docs_state_the_fix_safety():
    out = invoke("explain", "WS202").stdout.decode()
    assert "## Fix safety\n\nSafe: `wslint --fix` applies the fix." in out
    assert "\n\nUnsafe:" in invoke("explain", "WS301").stdout.decode()
    assert "\n\nDisplay only:" in invoke("explain", "WS201").stdout.decode()
    import json

    listed = {r["code"]: r["fix-safety"] for r in json.loads(invoke("rules", "--format", "json").stdout)}
    assert (listed["WS202"], listed["WS301"], listed["WS401"]) == ("safe", "unsafe", "display-only")


def test_fixes_with_edits_come_from_rules_that_declare_them():
    """A rule's fixes that carry edits must be applicable: its YAML declares safe or unsafe."""
    from test_rule_fixtures import FIXTURE_FILES, _load

    rules = {rule.code: rule for rule in Plugins(third_party=False).rules()}
    linter = Linter(Settings())
    for path in FIXTURE_FILES:
        for case in _load(path)["cases"]:
            for finding in linter.lint_text(case.get("manifest") or "").findings:
                if finding.fix and finding.fix.edits:
                    assert rules[finding.code].fix_safety is not Applicability.DISPLAY_ONLY, \
                        (finding.code, case["name"])


def test_scan_finds_comments_only_outside_scalars():
    text = 'a: "x # no"  # yes\nb: |\n  # no\n  text\n# yes too\nc: [1, 2] #  and this\n'
    assert scan(text).comments == {0: (13, "# yes"), 4: (0, "# yes too"), 5: (10, "#  and this")}


def test_file_fix_refuses_what_it_cannot_keep():
    for text, reason in [("a: 1\na: 2\n", "repeated"), ("a: [1\n", "YAML error")]:
        with pytest.raises(FixError, match=reason):
            FileFix(Source("x.yaml", text, is_stdin=True))


def test_json_manifests_are_reported_not_rewritten():
    # ruamel.yaml would write the whole JSON document on one line, as YAML.
    text = ('{\n  "apiVersion": "apps/v1",\n  "kind": "Deployment",\n  "metadata": {"name": "chat"},\n'
            '  "spec": {"template": {"spec": {"containers": [{"name": "chat", "image": "chat:1"}]}}}\n}\n')
    outcome = fix_text(Linter(Settings(select=["WS202"])), text, "app.json")
    assert not outcome.files
    assert outcome.notices == ["app.json:5:49: WS202 not fixed: its document is written in flow "
                               "style (JSON)"]


def test_fixing_guide_lists_each_rules_fix_safety():
    """docs/fixing.md's table is what the rules declare; rules it leaves out never write."""
    from conftest import ROOT

    table = dict(re.findall(r"^\| (WS\d{3}) \| (safe|unsafe|display-only) \|",
                            (ROOT / "docs" / "fixing.md").read_text(encoding="utf-8"), re.M))
    for rule in Plugins(third_party=False).rules():
        assert table.get(rule.code, "display-only") == str(rule.fix_safety), rule.code


def test_a_fix_run_of_rules_whose_fixes_never_apply_reports_what_a_lint_does(tmp_path):
    # Its rounds run only the rules whose fixes may apply: none here (WS201 and WS401 are
    # display-only), so every rule runs once, at the end.
    (tmp_path / "app.yaml").write_text(DEPLOYMENT)
    options = ("--no-config", "--websocket-scope", "all", "--select", "WS201,WS401",
               "--format", "json", tmp_path)
    fixed, linted = invoke("--fix", *options), invoke(*options)
    assert fixed.returncode == linted.returncode == 1
    assert fixed.stdout == linted.stdout and b'"WS401"' in fixed.stdout
    assert (tmp_path / "app.yaml").read_text() == DEPLOYMENT


def test_diff_still_reports_a_check_that_raised(tmp_path, monkeypatch):
    from wslint.checks.pods import checks

    def broken(obj, ctx):
        raise RuntimeError("boom")

    Plugins(third_party=False).rules()  # the built-in checks are registered before the swap
    monkeypatch.setitem(checks.functions, "WS401", broken)
    (tmp_path / "app.yaml").write_text(DEPLOYMENT)
    result = invoke("--diff", "--select", "WS202,WS401", tmp_path)
    assert result.returncode == 2
    assert b"internal error in rule WS401" in result.stderr and b"RuntimeError: boom" in result.stderr
    assert result.stdout.startswith(b"--- ") and b"+        lifecycle:" in result.stdout
