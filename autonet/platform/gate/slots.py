"""Rule-based slot extraction: ids, KPIs, units, windows, durations in vocabulary.py's forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from autonet.platform.gate import vocabulary as vocab
from autonet.platform.gate.typos import TypoCorrector

__all__ = ["Slot", "extract_slots", "slot_values"]

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Slot:
    """One extracted value: its kind (``cell``, ``latency_ms``, ...), normalised value and span.

    ``hint`` qualifies a value by its wording: ``past`` / ``future`` / ``span`` for durations,
    ``saving`` / ``loss`` for percentages.
    """

    kind: str
    value: Any
    start: int
    end: int
    hint: str = ""


def _key(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.lower()).strip()


def _alternation(words: Any) -> str:
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s_-]+") for w in ordered)


_NUM = r"(\d+(?:[.,]\d+)*)"
_NOT_AFTER = r"(?![\w.])"
_RE_CELL = re.compile(
    r"(?<![\w-])s(?:ite)?[\s_#-]?0*(\d{1,4})\s*[-_/,]?\s*c(?:ell)?[\s_#-]?([1-3])(?!\w)", _I
)
_RE_SITE = re.compile(r"(?<![\w-])(?:site[\s_#-]*|s-?)0*(\d{1,4})(?![\w.])", _I)
_RE_LINK = re.compile(r"(?<![\w-])(?:link[\s_#-]*|l-?)0*(\d{1,4})(?![\w.])", _I)
_RE_SLICE = re.compile(
    r"(?<![\w-])(?:sl[\s_#-]?0*(\d{1,3})|slice[\s#]+(?:sl[\s_-]?)?0*(\d{1,3}))"
    r"(?![\w.%])(?!\s*(?:ms|s|sec|mbps|gbps|kbps|mbit|gbit|%))",
    _I,
)
_RE_CHANGE = re.compile(r"(?<![\w-])chg[\s_#-]?0*(\d{1,4})(?!\w)", _I)
_RE_INTENT = re.compile(r"(?<![\w-])int[\s_#-]?0*(\d{1,4})(?!\w)", _I)
_RE_TICKET = re.compile(r"(?<![\w-])tt[\s_#-]?0*(\d{1,5})(?!\w)", _I)

_RE_KPI = re.compile(
    r"(?<![\w.])("
    + _alternation(a for al in vocab.KPI_ALIASES.values() for a in al)
    + r")(?![\w])",
    _I,
)
_RE_REGION = re.compile(r"\b(" + _alternation(vocab.REGION_ALIASES) + r")\b", _I)
_RE_PLACE = re.compile(r"\b(" + _alternation(vocab.PLACES) + r")\b", _I)
_RE_SLICE_TYPE = re.compile(r"\b(" + _alternation(vocab.SLICE_TYPE_ALIASES) + r")\b", _I)
_RE_SEVERITY = re.compile(r"\b(" + _alternation(vocab.SEVERITIES) + r")\b", _I)
_RE_PRIORITY = re.compile(r"\b(p[1-4])\b|\bpriority\s*([1-4])\b", _I)
_MODEL_WORDS = {**vocab.MODEL_ALIASES, **{m: m for m in vocab.MODELS}}
_MODEL_OF = {_key(k): v for k, v in _MODEL_WORDS.items()}
_KPI_OF = {_key(a): k for k, al in vocab.KPI_ALIASES.items() for a in al}
_PLACE_OF = {_key(k): v for k, v in vocab.PLACES.items()}
_REGION_OF = {_key(k): v for k, v in vocab.REGION_ALIASES.items()}
_SLICE_TYPE_OF = {_key(k): v for k, v in vocab.SLICE_TYPE_ALIASES.items()}
_DAY_SET_OF = {_key(k): v for k, v in vocab.DAY_SETS.items()}
_WINDOW_OF = {_key(k): v for k, v in vocab.NAMED_WINDOWS.items()}
_RE_MODEL = re.compile(r"\b(" + _alternation(_MODEL_WORDS) + r")\b", _I)

_RE_THR_BYTES = re.compile(_NUM + r"\s*(" + _alternation(vocab.BYTE_UNITS) + r")" + _NOT_AFTER)
_RE_THR = re.compile(_NUM + r"\s*(" + _alternation(vocab.THROUGHPUT_UNITS_MBPS) + r")(?!\w)", _I)
_LAT_UNITS = {k: v for k, v in vocab.LATENCY_UNITS_MS.items()}
_RE_LAT = re.compile(_NUM + r"\s*(" + _alternation(_LAT_UNITS) + r")(?![\w/])", _I)
_RE_PCT = re.compile(_NUM + r"\s*(?:%|percent\b|pct\b)", _I)
_RE_NINES = re.compile(r"\b(" + _alternation(vocab.RELIABILITY_WORDS) + r")\b", _I)
_DUR_UNITS = vocab.DURATION_UNITS_MIN
_RE_DUR = re.compile(
    r"(?:\b(last|past|previous|next|coming|for|over|within|in)\s+(?:the\s+)?)?"
    + r"(?:(?<![\w.])(\d+(?:\.\d+)?)\s*|\b(an?|one|two|three|four|five|six|twelve)\s+)("
    + _alternation(_DUR_UNITS)
    + r")(?!\w)",
    _I,
)
_RE_DUR_BARE = re.compile(r"\b(last|past|previous|next|coming)[\s-]+(hour|day|week|minute)\b", _I)
_WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_WORD_NUM |= {"twelve": 12}
_HOUR = r"([01]?\d|2[0-4])(?::([0-5]\d))?\s*(am|pm)?"
_RE_WINDOW = re.compile(
    r"(?<![\w:.-])(?:(?:from|between)\s+)?"
    + _HOUR
    + r"\s*(?:-|–|to|until|till|and)\s*"
    + _HOUR
    + r"(?:\s*h(?:rs|ours)?\b)?(?![\w:.-])(?!\s*(?:%|ms|mbps|gbps|min|days?|weeks?|users|cells))",
    _I,
)
_RE_NAMED_WINDOW = re.compile(r"\b(" + _alternation(vocab.NAMED_WINDOWS) + r")\b", _I)
_DAY_NAMES = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun",
}  # fmt: skip
_RE_DAYSET = re.compile(r"\b(" + _alternation(vocab.DAY_SETS) + r")\b", _I)
_RE_DAYRANGE = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*(?:-|to|–)\s*"
                          r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", _I)  # fmt: skip
_RE_DAY = re.compile(r"\b(" + _alternation(_DAY_NAMES) + r"|mon|tue|wed|thu|fri|sat|sun)\b", _I)
_DAY_ABBREVIATIONS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _needles(words: Any) -> re.Pattern[str] | None:
    """A search for literal pieces one of which an ASCII text must hold for a word pattern.

    Each word's first space-separated piece is matched literally (case-insensitively) by
    ``_alternation(words)``, so a lower-cased ASCII text without any of them has no match and
    the pattern's scan can be skipped. None when a piece is not plain ASCII (case folding could
    then reach ASCII letters): the pattern is always scanned.
    """
    firsts = {str(w).lower().split(" ")[0] for w in words}
    if any(not f or not f.isascii() for f in firsts):
        return None
    kept = sorted(f for f in firsts if not any(o != f and o in f for o in firsts))
    return re.compile("|".join(map(re.escape, kept)))


_N_KPI = _needles(a for al in vocab.KPI_ALIASES.values() for a in al)
_N_REGION = _needles(vocab.REGION_ALIASES)
_N_PLACE = _needles(vocab.PLACES)
_N_SLICE_TYPE = _needles(vocab.SLICE_TYPE_ALIASES)
_N_SEVERITY = _needles(vocab.SEVERITIES)
_N_MODEL = _needles(_MODEL_WORDS)
_N_NINES = _needles(vocab.RELIABILITY_WORDS)
_N_NAMED_WINDOW = _needles(vocab.NAMED_WINDOWS)
_N_DAYSET = _needles(vocab.DAY_SETS)
_N_DAY = _needles(_DAY_ABBREVIATIONS)  # every full day name starts with its abbreviation
_N_DUR_BARE = _needles(("last", "past", "previous", "next", "coming"))
_N_THR = _needles(vocab.THROUGHPUT_UNITS_MBPS)
_N_THR_BYTES = _needles(vocab.BYTE_UNITS)  # case-sensitive pattern: still a necessary piece
_N_ATTEND = _needles(("fans", "people", "visitors", "attendees", "spectators", "guests", "persons"))
_N_PCT = _needles(("%", "pct", "percent"))
_N_CHANGE, _N_INTENT = _needles(("chg",)), _needles(("int",))
_N_TICKET, _N_SLICE = _needles(("tt",)), _needles(("sl",))
_N_DATE_ISO, _N_DATE_EU = _needles(("-",)), _needles(("/", "."))


def _may_match(low: str | None, needles: re.Pattern[str] | None) -> bool:
    # ``low``: the lower-cased text when it is ASCII, else None (always scan then).
    return low is None or needles is None or needles.search(low) is not None


_RE_DATE_ISO = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_RE_DATE_EU = re.compile(r"(?<![\w/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?![\w/.])")
_RE_ATTEND = re.compile(
    r"(\d+(?:[.,]\d+)*)\s*(k)?\s*(?:fans|people|visitors|attendees|spectators|guests|persons)",
    _I,
)
# "by 2" (relative) or "to 4" (absolute) with the units a tilt or TX power change is written in.
_RE_CHANGE_VALUE = re.compile(
    r"\b(by|to)\s+(-?\d+(?:\.\d+)?)(?:\s*(degrees?|deg|dbm|db|watts?|w)\b|\s*(°))?(?![\w.%/°])",
    _I,
)
_N_CHANGE_VALUE = _needles(("by", "to"))
_RE_CLAUSE_END = re.compile(r"[.;!?]|\bthen\b", _I)
_TILT_UNITS, _POWER_UNITS = frozenset({"deg", "degree", "degrees", "°"}), frozenset({"db", "dbm"})
# Direction words the typo corrector must know, or "lower" becomes "power" (one edit away).
_DIRECTION_SPELLINGS = (
    "increase", "increased", "raise", "raised", "boost", "boosted", "higher", "decrease",
    "decreased", "reduce", "reduced", "lower", "lowered", "uptilt", "downtilt",
)  # fmt: skip
_POWER_WORDS = frozenset({"power", "pwr", "tx", "txpower", "transmit"})
_INFLECTIONS = ("", "e", "es", "ed", "ing", "s", "d", "ting", "ping")
_RE_NUMBER = re.compile(
    r"(?<![\w.])(-?\d+(?:\.\d+)?)(?:\s*(?:degrees?|deg|°|dbm|db|w|watts?)\b)?(?![\w.])", _I
)


def _num(text: str) -> float:
    cleaned = text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text
    return float(cleaned.replace(",", "."))


def _clean(value: float) -> float:
    return float(round(value, 9))


def _hour(h: str, m: str | None, ampm: str | None) -> str | None:
    hour = int(h)
    if ampm:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    if hour == 24:
        hour = 0
    return f"{hour:02d}:{m or '00'}"


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def extract_slots(text: str, *, fuzzy: bool = True) -> list[Slot]:
    """All slots in ``text`` in reading order, values normalised as vocabulary.py describes.

    With ``fuzzy``, misspelt vocabulary words ("uplnk throughput") are corrected first.
    """
    return list(_extract(text, fuzzy))


@lru_cache(maxsize=4096)
def _extract(text: str, fuzzy: bool) -> tuple[Slot, ...]:
    return tuple(_extract_uncached(text, fuzzy=fuzzy))


def _extract_uncached(text: str, *, fuzzy: bool = True) -> list[Slot]:
    """All slots in ``text`` in reading order, values normalised as vocabulary.py describes.

    With ``fuzzy``, misspelt vocabulary words ("uplnk throughput") are corrected first.
    """
    if fuzzy:
        text = _slot_corrector().correct(text)
    out: list[Slot] = []
    taken: list[tuple[int, int]] = []
    digits = any(map(str.isdigit, text))  # most patterns need a digit: skip them if none
    low = text.lower() if text.isascii() else None  # word patterns need one of their words
    days = _may_match(low, _N_DAY)

    def add(kind: str, value: Any, m: re.Match[str], hint: str = "", group: int = 0) -> None:
        span = m.span(group)
        if _overlaps(span, taken):
            return
        taken.append(span)
        out.append(Slot(kind, value, span[0], span[1], hint))

    for m in _RE_CELL.finditer(text) if digits else ():
        add("cell", f"S{int(m[1]):04d}-C{m[2]}", m)
    for m in _RE_CHANGE.finditer(text) if digits and _may_match(low, _N_CHANGE) else ():
        add("change", f"CHG-{int(m[1]):04d}", m)
    for m in _RE_INTENT.finditer(text) if digits and _may_match(low, _N_INTENT) else ():
        add("intent", f"INT-{int(m[1]):04d}", m)
    for m in _RE_TICKET.finditer(text) if digits and _may_match(low, _N_TICKET) else ():
        add("ticket", f"TT-{int(m[1]):05d}", m)
    for m in _RE_SLICE.finditer(text) if digits and _may_match(low, _N_SLICE) else ():
        add("slice", f"SL-{int(m[1] or m[2]):03d}", m)
    for m in _RE_SITE.finditer(text) if digits else ():
        add("site", f"S{int(m[1]):04d}", m)
    for m in _RE_LINK.finditer(text) if digits else ():
        add("link", f"L{int(m[1]):04d}", m)
    for m in _RE_DATE_ISO.finditer(text) if digits and _may_match(low, _N_DATE_ISO) else ():
        add("date", f"{m[1]}-{m[2]}-{m[3]}", m)
    for m in _RE_DATE_EU.finditer(text) if digits and _may_match(low, _N_DATE_EU) else ():
        add("date", f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}", m)
    for m in _RE_THR_BYTES.finditer(text) if digits and _may_match(low, _N_THR_BYTES) else ():
        add("throughput_mbps", _clean(_num(m[1]) * vocab.BYTE_UNITS[m[2]]), m)
    for m in _RE_THR.finditer(text) if digits and _may_match(low, _N_THR) else ():
        add("throughput_mbps", _clean(_num(m[1]) * vocab.THROUGHPUT_UNITS_MBPS[m[2].lower()]), m)
    for m in _RE_NINES.finditer(text) if _may_match(low, _N_NINES) else ():
        add("reliability_pct", vocab.RELIABILITY_WORDS[m[1].lower()], m)
    for m in _RE_PCT.finditer(text) if digits and _may_match(low, _N_PCT) else ():
        value = _num(m[1])
        before = text[max(0, m.start() - 40) : m.start()].lower()
        if value >= 99.0 or re.search(r"reliab|availab|uptime", before):
            add("reliability_pct", _clean(value), m)
        else:
            after = text[m.end() : m.end() + 25].lower()
            add("percent", _clean(value), m, _percent_hint(before[-25:], after))
    for m in _RE_WINDOW.finditer(text) if digits else ():
        start, end = _hour(m[1], m[2], m[3]), _hour(m[4], m[5], m[6])
        if start is not None and end is not None and start != end:
            add("window", {"start": start, "end": end}, m)
    for m in _RE_NAMED_WINDOW.finditer(text) if _may_match(low, _N_NAMED_WINDOW) else ():
        add("window", dict(_WINDOW_OF[_key(m[1])]), m)
    for m in _RE_LAT.finditer(text) if digits else ():
        add("latency_ms", _clean(_num(m[1]) * _LAT_UNITS[m[2].lower()]), m)
    for m in _RE_DUR.finditer(text):
        if not m[1] and m[4].lower() in {"w", "m", "d"} and re.search(r"\s", m[0]):
            continue  # "10 W" is power, "5 m" a distance: single letters need "last"/"next"
        amount = float(m[2]) if m[2] else _WORD_NUM[m[3].lower()]
        minutes = amount * _DUR_UNITS[m[4].lower()]
        add("duration_min", round(minutes), m, _time_hint(m[1]), group=0)
    for m in _RE_DUR_BARE.finditer(text) if _may_match(low, _N_DUR_BARE) else ():
        add("duration_min", _DUR_UNITS[m[2].lower()], m, _time_hint(m[1]))
    for m in _RE_ATTEND.finditer(text) if digits and _may_match(low, _N_ATTEND) else ():
        add("attendance", round(_num(m[1]) * (1000 if m[2] else 1)), m)
    for m in _RE_KPI.finditer(text) if _may_match(low, _N_KPI) else ():
        add("kpi", _KPI_OF[_key(m[1])], m)
    for m in _RE_SLICE_TYPE.finditer(text) if _may_match(low, _N_SLICE_TYPE) else ():
        add("slice_type", _SLICE_TYPE_OF[_key(m[1])], m)
    for m in _RE_PLACE.finditer(text) if _may_match(low, _N_PLACE) else ():
        add("place", _PLACE_OF[_key(m[1])], m)
    for m in _RE_REGION.finditer(text) if _may_match(low, _N_REGION) else ():
        add("region", _REGION_OF[_key(m[1])], m)
    for m in _RE_DAYSET.finditer(text) if _may_match(low, _N_DAYSET) else ():
        add("days", list(_DAY_SET_OF[_key(m[1])]), m)
    for m in _RE_DAYRANGE.finditer(text) if days else ():
        a, b = vocab.DAYS.index(m[1].lower()[:3]), vocab.DAYS.index(m[2].lower()[:3])
        if a <= b:
            add("days", list(vocab.DAYS[a : b + 1]), m)
    for m in _RE_DAY.finditer(text) if days else ():
        add("day", m[1].lower()[:3], m)
    for m in _RE_SEVERITY.finditer(text) if _may_match(low, _N_SEVERITY) else ():
        add("severity", m[1].lower(), m)
    for m in _RE_PRIORITY.finditer(text):
        add("priority", f"P{(m[1] or m[2])[-1]}", m)
    for m in _RE_MODEL.finditer(text) if _may_match(low, _N_MODEL) else ():
        add("model", _MODEL_OF[_key(m[1])], m)
    for m in _RE_CHANGE_VALUE.finditer(text) if digits and _may_match(low, _N_CHANGE_VALUE) else ():
        found = _change_value(text, m)
        if found is None or _overlaps((m.start(2), m.end()), taken):
            continue
        value, mode = found
        taken.append((m.start(2), m.end()))
        before = text[max(0, m.start(2) - 25) : m.start(2)].lower()
        hint = _percent_hint(before, text[m.end() : m.end() + 25].lower())
        out.append(Slot("number", value, m.start(2), m.end(), hint))
        add("change_mode", mode, m, group=1)
    for m in _RE_NUMBER.finditer(text) if digits else ():
        after = text[m.end() : m.end() + 25].lower()
        before = text[max(0, m.start() - 25) : m.start()].lower()
        add("number", _clean(float(m[1])), m, _percent_hint(before, after))
    out.sort(key=lambda s: s.start)
    return _merge_days(out)


def _change_value(text: str, m: re.Match[str]) -> tuple[float, str] | None:
    """``(value, mode)`` of a change's "by N" / "to N" (see vocabulary.py), None when the
    words around it are not a tilt or TX power change (a saving "by 20" stays a plain number).
    """
    number, unit = float(m[2]), (m[3] or m[4] or "").lower()
    start = max((c.end() for c in _RE_CLAUSE_END.finditer(text, 0, m.start())), default=0)
    words = re.findall(r"[a-z]+", text[start : m.start()].lower())
    relative = m[1].lower() == "by"
    topic = _topic(words, unit, relative=relative)
    if topic is None:
        return None
    if not relative:
        watts = 10.0 ** (number / 10.0) / 1000.0 if unit == "dbm" else number
        return _clean(watts if topic == "power" else number), "absolute"
    return _clean(_direction(words, topic) * number), "relative"


def _topic(words: list[str], unit: str, *, relative: bool) -> str | None:
    """``tilt`` or ``power``: the changed parameter, by its unit or the nearest word before.

    A relative power change must say dB: "cut RAN power by 20" is a saving, not a change.
    """
    if unit in _TILT_UNITS:
        return "tilt"
    if unit in _POWER_UNITS or unit.startswith("w"):
        return "power" if not relative or unit == "db" else None
    for w in reversed(words):
        if "tilt" in w:
            return "tilt"
        if w in _POWER_WORDS and not relative:
            return "power"
    return None


def _direction(words: list[str], topic: str) -> int:
    """The sign of a relative change: the direction word nearest before "by" (+1 if none)."""
    for w in reversed(words):
        if topic == "tilt" and w in vocab.TILT_DIRECTION_WORDS:
            return vocab.TILT_DIRECTION_WORDS[w]
        for stem, sign in vocab.DIRECTION_WORDS.items():
            if w.startswith(stem) and w[len(stem) :] in _INFLECTIONS:
                return sign
    return 1


_LOSS = re.compile(r"loss|degrad|drop|hit|impact|worse|penalty")
_SAVING = re.compile(r"sav|cut|reduc|lower|less energy|less power")


def _percent_hint(before: str, after: str) -> str:
    """The hint ("loss", "saving" or "") of the cue word nearest to a number."""
    best: tuple[int, str] = (10**6, "")
    for pattern, hint in ((_LOSS, "loss"), (_SAVING, "saving")):
        for m in pattern.finditer(before):
            best = min(best, (len(before) - m.end(), hint))
        hit = pattern.search(after)
        if hit:
            best = min(best, (hit.start(), hint))
    return best[1]


def _time_hint(word: str | None) -> str:
    w = (word or "").lower()
    if w in {"last", "past", "previous"}:
        return "past"
    if w in {"next", "coming", "in", "within"}:
        return "future"
    return "span" if w in {"for", "over"} else ""


def _merge_days(found: list[Slot]) -> list[Slot]:
    # Single day names ("sat and sun") become one day set, in week order.
    singles = [s for s in found if s.kind == "day"]
    if not singles:
        return found
    rest = [s for s in found if s.kind != "day"]
    days = sorted({s.value for s in singles}, key=vocab.DAYS.index)
    merged = Slot("days", days, singles[0].start, singles[-1].end)
    if any(s.kind == "days" for s in rest):
        return rest
    return sorted([*rest, merged], key=lambda s: s.start)


@lru_cache(maxsize=1)
def _slot_corrector() -> TypoCorrector:
    words: set[str] = set()
    phrases = [
        *(a for al in vocab.KPI_ALIASES.values() for a in al),
        *vocab.PLACES, *vocab.REGION_ALIASES, *vocab.SLICE_TYPE_ALIASES, *_MODEL_WORDS,
        *vocab.DAY_SETS, *vocab.NAMED_WINDOWS, *vocab.SEVERITIES, *_DAY_NAMES,
        *vocab.RELIABILITY_WORDS, "reliability", "latency", "throughput", "minutes", "hours",
        *_DIRECTION_SPELLINGS,
    ]  # fmt: skip
    for phrase in phrases:
        words.update(w for w in re.findall(r"[a-z]+", phrase.lower()) if len(w) >= 5)
    return TypoCorrector(words)


def slot_values(slots: list[Slot]) -> Mapping[str, list[Any]]:
    """Group slot values by kind, in reading order."""
    grouped: dict[str, list[Any]] = {}
    for slot in slots:
        grouped.setdefault(slot.kind, []).append(slot.value)
    return grouped
