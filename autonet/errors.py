"""The root of autonet's exceptions: one ``AutonetError`` with typed subclasses.

Every layer raises these (or its own subclasses of them), and each entry point maps them to its
own answer in one place: the CLI to exit codes (``autonet.platform.cli._output``), the HTTP API
to statuses. A programming error (``AttributeError``, ``KeyError`` from a bug, ...) is never one
of these, so it shows its traceback instead of masquerading as bad input.

This module imports nothing: the twin, the knowledge layer, the agents and the platform may all
derive from it without breaking the import direction ``platform -> agents -> knowledge -> twin``.
"""

from __future__ import annotations

__all__ = [
    "AutonetError",
    "BadInputError",
    "ConflictError",
    "NotFoundError",
    "RefusedError",
    "UnavailableError",
]


class AutonetError(Exception):
    """The root of autonet's errors: a message that says what is wrong and what is expected."""

    #: The CLI exit code of this kind of error (see the README's table).
    exit_code: int = 1
    #: The HTTP status of this kind of error.
    http_status: int = 500


class BadInputError(AutonetError, ValueError):
    """A value, option, file or request that is malformed or out of range (exit 3, HTTP 422)."""

    exit_code = 3
    http_status = 422


class NotFoundError(AutonetError, LookupError):
    """A named thing (file, run, request, node, agent) that does not exist (exit 4, HTTP 404)."""

    exit_code = 4
    http_status = 404


class ConflictError(AutonetError):
    """The request clashes with the current state (exists already, wrong phase) (exit 1, 409)."""

    exit_code = 1
    http_status = 409


class RefusedError(AutonetError):
    """Refused by policy or role: a guard, a change window, a missing permission (exit 1, 403)."""

    exit_code = 1
    http_status = 403


class UnavailableError(AutonetError, ConnectionError):
    """A backend, database or service needed is unreachable (exit 5, HTTP 503)."""

    exit_code = 5
    http_status = 503
