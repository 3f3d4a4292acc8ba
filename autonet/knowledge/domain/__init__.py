"""Domain knowledge: KPI definitions, fault playbooks and a glossary, searchable."""

from autonet.knowledge.domain.catalog import (
    DomainDataError,
    GlossaryTerm,
    KpiDefinition,
    Playbook,
    PlaybookAction,
    load_glossary,
    load_kpis,
    load_playbooks,
)
from autonet.knowledge.domain.search import (
    Answer,
    Document,
    Hit,
    KnowledgeBase,
    default_knowledge_base,
)

__all__ = [
    "Answer",
    "Document",
    "DomainDataError",
    "GlossaryTerm",
    "Hit",
    "KnowledgeBase",
    "KpiDefinition",
    "Playbook",
    "PlaybookAction",
    "default_knowledge_base",
    "load_glossary",
    "load_kpis",
    "load_playbooks",
]
