"""What a run is configured with: the command line and the configuration file, merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wslint.graph import DEFAULT_MAX_RELATIONS
from wslint.k8s.objects import BUILTIN_WORKLOAD_KINDS, WorkloadKind
from wslint.k8s.signals import WEBSOCKET_IMAGES
from wslint.load.sources import DEFAULT_MAX_FILE_SIZE
from wslint.load.yamltree import DEFAULT_MAX_ALIAS_EXPANSION, DEFAULT_MAX_DEPTH
from wslint.model import Exemption, Severity


@dataclass
class Settings:
    """Everything a run is configured with (command line and configuration file, merged)."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    websocket_scope: str = "detected"
    # Image repositories of WebSocket servers: the built-in list and the configured ones.
    websocket_images: tuple[str, ...] = WEBSOCKET_IMAGES
    default_controller: str | None = None
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    severities: dict[str, Severity] = field(default_factory=dict)
    workload_kinds: dict[str, WorkloadKind] = field(
        default_factory=lambda: dict(BUILTIN_WORKLOAD_KINDS))
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
