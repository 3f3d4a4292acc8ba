"""The ``autonet`` command line."""

from __future__ import annotations

from autonet.platform.cli.main import build_app, main

__all__ = ["build_app", "main"]
