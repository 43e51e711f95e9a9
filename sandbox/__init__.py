"""Local emulators of the commerce platforms, for tests, the demo and offline development.

The sandbox is an independent second implementation of each platform protocol: it imports
nothing from ``app``, ``connectors`` or ``scoring`` so that a bug shared with the connector
cannot hide.
"""

from sandbox.config import SandboxConfig
from sandbox.server import create_sandbox_app

__all__ = ["SandboxConfig", "create_sandbox_app"]
