"""What a run is configured with: the command line and the configuration file, merged.

`OPTIONS` is the one table of the settings that both give: the command line's options
(`wslint.cli`), the configuration's keys and their validation (`wslint.config`) and the
`Settings` attributes they fill all come from it. Settings that only one of them gives (the
output format and `--fix` on the command line; `rules`, `exemptions`, `workload-kinds` in the
file) are declared where they are read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from wslint.clouds.registry import BY_ID as CLOUD_IDS
from wslint.graph import DEFAULT_MAX_RELATIONS
from wslint.controllers.registry import WORKLOAD_KINDS
from wslint.k8s.objects import WorkloadKind
from wslint.k8s.signals import WEBSOCKET_IMAGES
from wslint.load.sources import DEFAULT_MAX_FILE_SIZE
from wslint.load.yamltree import DEFAULT_MAX_ALIAS_EXPANSION, DEFAULT_MAX_DEPTH, MAX_DEPTH_CEILING
from wslint.model import Exemption, Severity


@dataclass
class Settings:
    """Everything a run is configured with (command line and configuration file, merged)."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)  # added to select, or to the default rules
    websocket_scope: str = "detected"
    # Image repositories of WebSocket servers: the built-in list and the configured ones.
    websocket_images: tuple[str, ...] = WEBSOCKET_IMAGES
    default_controller: str | None = None
    default_cloud: str | None = None  # whose load balancers LoadBalancer Services get, unsaid
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    severities: dict[str, Severity] = field(default_factory=dict)
    workload_kinds: dict[str, WorkloadKind] = field(
        default_factory=lambda: dict(WORKLOAD_KINDS))
    max_depth: int = DEFAULT_MAX_DEPTH
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes
    max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION  # nodes aliases add to a document
    max_relations: int = DEFAULT_MAX_RELATIONS  # candidate pairs relating objects may examine
    stdin_filename: str = "<stdin>"
    jobs: int | None = None  # processes for large inputs; None: one per CPU
    plugins: bool = True
    kustomize: bool = True  # render kustomization directories (wslint.load.kustomize)
    helm: bool = True  # render chart directories, map Helm's output to templates (wslint.load.helm)
    cache: bool = True  # keep renderings across runs (wslint.load.rendercache)
    gitignore: bool = True  # leave out of directory walks what git ignores (wslint.load.ignore)
    rule_dirs: list[str] = field(default_factory=list)  # directories of YAML rules (custom rules)
    exemptions: list[Exemption] = field(default_factory=list)  # configured suppressions


SCOPES = ("all", "detected")


@dataclass(frozen=True)
class Option:
    """A setting the command line and the configuration file both give."""

    attribute: str  # of Settings
    key: str  # in the configuration file
    # The command-line spellings; a `--no-X` flag turns off a setting that is on by default.
    flags: tuple[str, ...]
    # How a value is read: "choice", "integer" (from 1, to `maximum`), "size" (bytes, or with
    # a unit K, M, G), "boolean", "controller" (a controller id), "strings" (a list).
    kind: str
    help: str
    choices: tuple[str, ...] = ()
    maximum: int | None = None
    metavar: str | None = None
    # How a configured value becomes the setting (the value as read, when None).
    to_setting: Callable[[Any], Any] | None = None

    @property
    def parameter(self) -> str:
        """The command-line parameter's name (`--max-depth`: `max_depth`)."""
        return self.flags[-1].lstrip("-").replace("-", "_")

    @property
    def negated(self) -> bool:
        return self.flags[-1].startswith("--no-")


def _with_builtin_images(images: list[str]) -> tuple[str, ...]:
    return WEBSOCKET_IMAGES + tuple(image.lower() for image in images)


OPTIONS: tuple[Option, ...] = (
    Option("websocket_scope", "websocket-scope", ("--websocket-scope",), "choice",
           "Which workloads the rules apply to: those with a WebSocket signal (detected, the "
           "default) or every long-running one (all).", choices=SCOPES),
    Option("websocket_images", "websocket-images", (), "strings",
           "More image repositories of WebSocket servers, beside the built-in list.",
           to_setting=_with_builtin_images),
    Option("default_controller", "default-controller", ("--default-controller",), "controller",
           "The controller serving routes whose class the input does not tell.",
           metavar="CONTROLLER"),
    Option("default_cloud", "default-cloud", ("--default-cloud",), "choice",
           "Whose load balancer a type: LoadBalancer Service gets when the input does not tell "
           f"(one of: {', '.join(CLOUD_IDS)}).", choices=tuple(CLOUD_IDS), metavar="CLOUD"),
    Option("kustomize", "kustomize", ("--no-kustomize",), "boolean",
           "Lint the raw files of kustomization directories instead of rendering them with "
           "`kubectl kustomize`."),
    Option("helm", "helm", ("--no-helm",), "boolean",
           "Lint the files of chart directories as they are instead of rendering them with "
           "`helm template`, and Helm's output on `-` as one stream."),
    Option("cache", "cache", ("--no-cache",), "boolean",
           "Render every kustomization and chart again instead of reusing the renderings of "
           "earlier runs whose files have not changed."),
    Option("gitignore", "gitignore", ("--no-gitignore",), "boolean",
           "Also read the files that git ignores (.gitignore) in the directories given."),
    Option("max_depth", "max-depth", ("--max-depth",), "integer",
           f"Refuse documents nested deeper than this (default {DEFAULT_MAX_DEPTH}; at most "
           f"{MAX_DEPTH_CEILING}).", maximum=MAX_DEPTH_CEILING, metavar="N"),
    Option("max_file_size", "max-file-size", ("--max-file-size",), "size",
           "Refuse files larger than this: bytes, or with a unit K, M or G (default 64M).",
           metavar="SIZE"),
    Option("max_alias_expansion", "max-alias-expansion", ("--max-alias-expansion",), "integer",
           f"Refuse documents whose YAML aliases would add more than N nodes when expanded "
           f"(default {DEFAULT_MAX_ALIAS_EXPANSION}).", metavar="N"),
    Option("max_relations", "max-relations", ("--max-relations",), "integer",
           f"Stop relating objects after examining N candidate pairs (Services and workloads, "
           f"routes and Services, ...; default {DEFAULT_MAX_RELATIONS}).", metavar="N"),
    Option("jobs", "jobs", ("-j", "--jobs"), "integer",
           "Lint large inputs in N processes (default: one per CPU; 1: one process). The result "
           "is the same.", metavar="N"),
)
