"""wslint: lint Kubernetes manifests for what drops WebSocket connections."""

__version__ = "0.1.0"
