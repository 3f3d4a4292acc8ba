"""Safeguards (paper Eq. 15-18): sensitive content, sequential composition, recovery, validation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from autonet.platform.gate.cards import AgentCard, AgentRegistry, validate_arguments
from autonet.platform.gate.retrieval import tokens
from autonet.platform.gate.typos import correct_cues

__all__ = [
    "MAX_QUERY_CHARS",
    "SensitiveHit",
    "authorised",
    "frozen_value",
    "has_sequential_marker",
    "recover_candidate",
    "sanitize_query",
    "sensitive_hits",
    "split_sequence",
    "validate_step",
]

MAX_QUERY_CHARS = 10_000
_I = re.IGNORECASE
_GAP = r"(?:[\w'/-]+[\s,]+){0,6}?"  # up to six words in between


@dataclass(frozen=True, slots=True)
class SensitiveHit:
    """A sensitive cue: its family (``subscriber_data``, ...) and the matched text."""

    family: str
    text: str


_SENSITIVE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "prompt_injection",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
            r"(?:previous|prior|above|earlier|system|safety|existing)?\s*"
            r"(?:instructions?|rules|prompts?|guard\s*rails?|policies|policy|restrictions|"
            r"safeguards?|approvals?)\b"
            r"|\b(?:you\s+are\s+now|act\s+as|pretend\s+(?:to\s+be|you\s+are))\s+(?:an?\s+)?"
            r"(?:admin|root|superuser|unrestricted|developer|dan)\b"
            r"|\bsystem\s+prompt\b|\bjail\s*break|\bdeveloper\s+mode\b"
            r"|\b(?:without|skip(?:ping)?|no)\s+(?:any\s+|the\s+)?(?:approval|authori[sz]ation|"
            r"sign[\s-]?off)\b",
            _I,
        ),
    ),
    (
        "subscriber_data",
        re.compile(
            r"\b(?:export|dump|download|extract|send|copy|leak|share|scrape|exfiltrate|give\s+me|"
            r"hand\s+over|list\s+all|email|upload|sell|pull)\b\s+"
            + _GAP
            + r"(?:subscriber|customer|user|client)s?'?\s*(?:personal\s+)?(?:data|records?|"
            r"details|database|db|list|identit(?:y|ies)|phone\s+numbers|locations?|"
            r"contact|profiles?|cdrs?|imsis?|msisdns?|pii)\b"
            r"|\b(?:imsi|msisdn|imei|supi|suci)s?\b\s+(?:list|dump|export|of\s+all)"
            r"|\b(?:export|dump|download|extract|send|copy|leak|share|list)\b\s+"
            + _GAP
            + r"(?:imsis?|msisdns?|imeis?|pii|personal\s+data|cdrs|call\s+detail\s+records|"
            r"location\s+history)\b"
            r"|\b(?:names|phone\s+numbers|home\s+addresses|addresses|emails?|e-mail\s+"
            r"addresses|locations|personal\s+(?:data|details))\s+(?:and\s+[\w\s]{1,20}?)?"
            r"of\s+(?:all\s+|the\s+)?(?:our\s+)?(?:subscribers|customers|users|clients)\b",
            _I,
        ),
    ),
    (
        "security_disable",
        re.compile(
            r"\b(?:disable|deactivate|turn(?:ing)?\s+off|switch(?:ing)?\s+off|bypass|remove|"
            r"kill|stop|drop|open\s+up|shut\s+off|shut\s+down|get\s+rid\s+of)\b\s+"
            + _GAP
            + r"(?:security|encryption|ciphering|firewalls?|authentication|integrity\s+"
            r"protection|access\s+control|acls?|ids|ips|tls|ipsec|audit(?:\s+log(?:ging)?)?|"
            r"intrusion\s+detection|2fa|mfa)\b"
            r"|\b(?:encryption|ciphering|firewall|security|authentication)\s+(?:off|disabled)\b"
            r"|\bnull\s+(?:ciphering|encryption|integrity)\b",
            _I,
        ),
    ),
    (
        "mass_shutdown",
        re.compile(
            r"\b(?:shut\s*down|shut\s+off|switch\s+off|power\s+(?:off|down)|turn\s+off|"
            r"take\s+down|take\s+off[\s-]air|lock|kill|disable|wipe|reboot|restart|"
            r"decommission|black\s*out|erase|delete|reset|release)\b\s+"
            + _GAP
            + r"(?:all|every|each|the\s+(?:whole|entire)|whole|entire|all\s+the)\b\s+"
            + _GAP
            + r"(?:sites?|cells?|network|base\s+stations?|gnbs?|enbs?|nodes?|regions?|"
            r"routers?|core|radios?|towers?|country|ran)\b"
            r"|\bmass[\s-]+(?:shut\s*down|power[\s-]+off|lock|outage|reboot|switch[\s-]+off)"
            r"|\b(?:shut\s*down|take\s+down|switch\s+off|power\s+off)\s+(?:the\s+)?"
            r"(?:whole|entire)?\s*(?:network|core\s+network|ran)\b",
            _I,
        ),
    ),
    (
        "credentials",
        re.compile(
            r"\b(?:give|show|send|tell|reveal|print|export|share|dump|list|get|read|fetch|"
            r"retrieve|display|paste|leak|need|want|change|reset|disable|store|email|post|"
            r"look\s+up|what(?:'s|\s+is|\s+are))\b\s+(?:me\s+|us\s+)?"
            r"(?:the\s+|my\s+|our\s+|your\s+|its\s+|all\s+|their\s+)?"
            r"(?:[\w-]+\s+){0,2}?(?:root\s+|admin\s+|login\s+|ssh\s+|router\s+|"
            r"site\s+|device\s+|oam\s+|nms\s+|db\s+|database\s+)?"
            r"(?:passwords?|passwd|passphrases?|credentials?|api[\s_-]?keys?|private\s+keys?|"
            r"ssh\s+keys?|secret\s+keys?|access\s+tokens?|auth\s+tokens?|bearer\s+tokens?|"
            r"login\s+details|logins?)\b"
            r"|\b(?:root|admin|superuser|sudo)\s+(?:access|login|shell|account|password)\b"
            r"|\b(?:passwords?|credentials?|api[\s_-]?keys?|ssh\s+keys?)\s+(?:for|of|on|to)\s+"
            r"(?:the\s+)?(?:s\d|l\d|site|router|node|server|oss|nms|element|gnb|enb|upf|"
            r"amf|smf|core|all)",
            _I,
        ),
    ),
)


def sensitive_hits(text: str) -> list[SensitiveHit]:
    """Sensitive or unauthorised content in ``text`` (empty when none)."""
    return list(_sensitive(text))


@lru_cache(maxsize=4096)
def _sensitive(text: str) -> tuple[SensitiveHit, ...]:
    hits: list[SensitiveHit] = []
    text = correct_cues(text)
    for family, pattern in _SENSITIVE:
        m = pattern.search(text)
        if m:
            hits.append(SensitiveHit(family, m.group(0)))
    return tuple(hits)


# Sequential composition markers. "then" counts only as a clause connective (after a comma,
# "and", a full stop, or a leading "first ..."), never in compounds like "then-current".
_NOT_TIME = r"(?!\s+(?:\d|hours?|days?|weeks?|months?|minutes?|few|couple|shift|time))"
_SEQ = re.compile(
    r"(?:^|[,;.:]\s*|\s(?:and|&)\s+)then\b(?![-'])"
    r"|\b(?:after\s+that|afterwards|after\s+which|followed\s+by|and\s+finally|"
    r"once\s+(?:that|this|it|done)(?:'s|\s+is|\s+has)?\s*(?:done|finished|complete[d]?)?|"
    r"subsequently|as\s+a\s+next\s+step|next\s*,|finally\s*,|and\s+next)\b(?![-'])"
    r"|[,;]\s*(?:and\s+)?next\b(?![-'])" + _NOT_TIME + r"|\b(?:step\s*1|1\))\b.*\b(?:step\s*2|2\))",
    _I,
)
_FIRST_THEN = re.compile(r"\bfirst(?:ly)?\b(?![-'])(?!\s+(?:line|time|responders?|aid))"
                         r".+?\bthen\b(?![-'])", _I)  # fmt: skip


# Literal words one of which a (cue-corrected, lower-cased, ASCII) text must hold for _SEQ or
# _FIRST_THEN ("then") to match, and for _SPLIT to split: without any, the scans are skipped.
_SEQ_WORDS = re.compile(r"then|after|followed|finally|once|subsequently|next|step|1\)")
_SPLIT_WORDS = re.compile(r"then|after|followed|finally|subsequently|also|plus|next|once")


def _may_hold(text: str, words: re.Pattern[str]) -> bool:
    # Non-ASCII text is always scanned (case folding can map other letters to ASCII ones).
    return not text.isascii() or words.search(text.lower()) is not None


@lru_cache(maxsize=4096)
def has_sequential_marker(text: str) -> bool:
    """Whether ``text`` composes steps in sequence ("first X, then Y", "X; after that Y")."""
    text = correct_cues(text)
    if not _may_hold(text, _SEQ_WORDS):
        return False
    return bool(_SEQ.search(text) or _FIRST_THEN.search(text))


_SPLIT = re.compile(
    r"\s*(?:[,;.]\s*|\s+and\s+|\s+&\s+|\s+)?"
    r"(?:then\b(?![-'])|after\s+that|afterwards|after\s+which|followed\s+by|and\s+finally|"
    r"finally\b|subsequently|and\s+also|also\s*,|plus\b|as\s+a\s+next\s+step|and\s+next\b|"
    r"once\s+(?:that|this|it|done)(?:'s|\s+is|\s+has)?\s*(?:done|finished|complete[d]?)?)"
    r"\s*,?\s*"
    r"|\s*[,;]\s*next\b" + _NOT_TIME + r"\s*,?\s*",
    _I,
)
_LEAD = re.compile(
    r"^(?P<pre>[^,;]{0,16}?)\b(?:first(?:ly)?|to\s+start|start\s+by|step\s*1)\b(?![-'])\s*,?\s*",
    _I,
)


def split_sequence(text: str, *, force: bool = False) -> list[str]:
    """Split a sequential request into its ordered step texts (one item if not sequential).

    With ``force``, also split requests that join steps without an ordering word ("X and
    also Y", "X, plus Y"), as a plan decided by Stage I does.
    """
    return list(_split(text, force))


@lru_cache(maxsize=4096)
def _split(text: str, force: bool) -> tuple[str, ...]:
    if not force and not has_sequential_marker(text):
        return (text.strip(),)
    corrected = correct_cues(text)
    pieces = _SPLIT.split(corrected) if _may_hold(corrected, _SPLIT_WORDS) else [corrected]
    parts = [_LEAD.sub(r"\g<pre>", p, count=1).strip(" ,;.") for p in pieces]
    return tuple(p for p in parts if tokens(p))


def recover_candidate(
    text: str, registry: AgentRegistry, candidates: Sequence[str]
) -> tuple[str | None, float]:
    """Eq. 16-17: the candidate whose metadata (name, keywords, domain) best matches ``text``.

    Returns the name and a match score in [0, 1] (share of the card's metadata terms found),
    or (None, 0.0) when no candidate's metadata occurs in the text.
    """
    low = " " + " ".join(tokens(text)) + " "
    best: tuple[float, str | None] = (0.0, None)
    for name in candidates:
        if name not in registry:
            continue
        card = registry.get(name)
        terms = [" ".join(tokens(k)) for k in card.keywords]
        terms += [" ".join(tokens(card.name)), *tokens(card.name)]
        terms = [t for t in dict.fromkeys(terms) if len(t) > 2]
        found = sum(1 for t in terms if f" {t} " in low)
        score = found / (found + 2.0) if found else 0.0
        if score > best[0]:
            best = (score, name)
    return best[1], best[0]


def authorised(card: AgentCard, role: str) -> bool:
    """Whether ``role`` may invoke ``card``."""
    return role in card.roles


def validate_step(card: AgentCard, arguments: dict[str, object]) -> list[str]:
    """Schema errors of ``arguments`` for ``card`` ([] when valid).

    Memoised per (card, exact arguments): argument values recur across requests and a
    jsonschema pass costs ~0.1 ms, while the key costs microseconds.
    """
    try:
        key = (id(card), frozen_value(arguments))
    except TypeError:  # a value with no exact hashable form: validate every time
        return validate_arguments(card, arguments)
    hit = _STEP_ERRORS.get(key)
    if hit is None or hit[0] is not card:
        if len(_STEP_ERRORS) > 8192:
            _STEP_ERRORS.clear()
        hit = _STEP_ERRORS[key] = (card, tuple(validate_arguments(card, arguments)))
    return list(hit[1])


_STEP_ERRORS: dict[tuple[int, object], tuple[AgentCard, tuple[str, ...]]] = {}
_ATOMS = (str, int, float, bool, type(None))


def frozen_value(value: object) -> object:
    """An exact, hashable stand-in of a JSON-like value: types and insertion order kept.

    Raises:
        TypeError: If the value holds anything but str/int/float/bool/None, dicts and lists.
    """
    kind = type(value)
    if kind in _ATOMS:
        return (kind, value)
    if kind is dict:
        return (dict, tuple((k, frozen_value(v)) for k, v in value.items()))  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        return (kind, tuple(frozen_value(v) for v in value))  # type: ignore[attr-defined]
    raise TypeError(f"no exact hashable form for {kind.__name__}")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters but \t \n \r


def sanitize_query(query: object) -> tuple[str, str | None]:
    """Decode and check a raw query; returns (text, reason it cannot be routed or None).

    Bytes must be UTF-8 text; control characters other than whitespace mark binary data.
    """
    if isinstance(query, bytes | bytearray | memoryview):
        try:
            query = bytes(query).decode("utf-8")
        except UnicodeDecodeError as exc:
            return "", f"the query is not UTF-8 text (undecodable byte at offset {exc.start})"
    if not isinstance(query, str):
        return "", f"the query must be text, got {type(query).__name__}"
    if len(query) > MAX_QUERY_CHARS:
        return "", f"the query has {len(query):,} characters; at most {MAX_QUERY_CHARS:,} allowed"
    if _CONTROL.search(query) or "\ufffd" in query:
        return "", "the query contains binary or control characters, not plain text"
    if not query.strip():
        return "", "the query is empty or whitespace only"
    return query.strip(), None
