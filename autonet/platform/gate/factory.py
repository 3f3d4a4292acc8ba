"""The platform's AgentGate, built from settings: embedded edge backend, optional LLM backends."""

from __future__ import annotations

from typing import Any

from autonet.platform.gate.backend import RouterBackend
from autonet.platform.gate.cards import AgentRegistry
from autonet.platform.gate.router import AgentGate

__all__ = ["build_gate"]


def build_gate(settings: Any = None, *, registry: AgentRegistry | None = None) -> AgentGate:
    """The platform's gate: embedded edge backend by default, LLM per ``settings``.

    ``settings.gate_backend == "llm"`` makes the LLM endpoint (``llm_base_url``) the edge
    backend; ``llm_fallback_base_url`` adds an LLM fallback for low-confidence routes.

    Raises:
        ValueError: If the LLM backend is selected without an endpoint URL.
    """
    from autonet.platform.config import get_settings
    from autonet.platform.gate.catalog import default_registry
    from autonet.platform.gate.embedded import EmbeddedBackend

    settings = settings or get_settings()
    registry = registry or default_registry()
    backend: RouterBackend
    if settings.gate_backend == "llm":
        if not settings.llm_base_url:
            raise ValueError(
                "gate_backend is 'llm' but llm_base_url is not set; set AUTONET_LLM_BASE_URL "
                "to an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1"
            )
        from autonet.platform.gate.llm import LLMBackend

        backend = LLMBackend(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )
    else:
        backend = EmbeddedBackend(unfamiliar_suitability=settings.gate_unfamiliar_suitability)
    fallback: RouterBackend | None = None
    if settings.llm_fallback_base_url:
        from autonet.platform.gate.llm import LLMBackend

        fallback = LLMBackend(
            base_url=settings.llm_fallback_base_url,
            model=settings.llm_fallback_model or settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
            name="llm-fallback",
        )
    return AgentGate(
        registry,
        backend=backend,
        fallback=fallback,
        threshold=settings.gate_confidence_threshold,
    )
