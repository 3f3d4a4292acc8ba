"""Surface forms: how people type ids, numbers, units, windows and KPIs, with the gold value."""

from __future__ import annotations

import random

from autonet.platform.gate import vocabulary as vocab

__all__ = [
    "Pick",
    "cell",
    "change_id",
    "days",
    "intent_id",
    "kpi",
    "latency",
    "link",
    "noisy",
    "period",
    "place",
    "region",
    "reliability",
    "site",
    "slice_id",
    "throughput",
    "window",
]

Pick = tuple[str, object]  # (surface text, normalised gold value)


def site(rng: random.Random) -> Pick:
    n = rng.randint(1, 400)
    gold = f"S{n:04d}"
    text = rng.choice([gold, gold, gold.lower(), f"site {gold}", f"site {n}"])
    return text, gold


def cell(rng: random.Random) -> Pick:
    n, c = rng.randint(1, 400), rng.randint(1, 3)
    gold = f"S{n:04d}-C{c}"
    text = rng.choice([gold, gold, gold.lower(), f"cell {gold}", f"S{n:04d}/C{c}"])
    return text, gold


def link(rng: random.Random) -> Pick:
    n = rng.randint(1, 900)
    gold = f"L{n:04d}"
    return rng.choice([gold, f"link {gold}", gold.lower()]), gold


def region(rng: random.Random) -> Pick:
    gold = rng.choice(vocab.REGIONS)
    alias = rng.choice([a for a, g in vocab.REGION_ALIASES.items() if g == gold])
    return rng.choice([f"the {alias} region", f"{alias} cluster", f"region {alias}", alias]), gold


def place(rng: random.Random) -> Pick:
    text, gold = rng.choice(list(vocab.PLACES.items()))
    return rng.choice([f"the {text}", text]), gold


def kpi(rng: random.Random) -> Pick:
    gold = rng.choice(vocab.KPI_NAMES)
    aliases = vocab.KPI_ALIASES[gold]
    text = rng.choice((*aliases[1:], gold))
    return text, gold


def period(rng: random.Random) -> Pick:
    minutes = rng.choice([15, 30, 60, 120, 180, 360, 720, 1440, 10080])
    return _duration_text(rng, minutes, past=True), minutes


def horizon(rng: random.Random) -> Pick:
    minutes = rng.choice([60, 120, 180, 360, 720, 1440])
    return _duration_text(rng, minutes, past=False), minutes


def _duration_text(rng: random.Random, minutes: int, *, past: bool) -> str:
    lead = rng.choice(["last", "past"]) if past else "next"
    if minutes % 10080 == 0:
        return f"{lead} week" if minutes == 10080 else f"{lead} {minutes // 10080} weeks"
    if minutes % 1440 == 0:
        return rng.choice([f"{lead} 24h", f"{lead} day", f"{lead} 24 hours"])
    if minutes % 60 == 0:
        h = minutes // 60
        return rng.choice([f"{lead} {h}h", f"{lead} {h} hours", f"{lead} {h} hrs"]).replace(
            " 1 hours", " hour"
        )
    return rng.choice([f"{lead} {minutes} min", f"{lead} {minutes} minutes", f"{lead} {minutes}m"])


def throughput(rng: random.Random) -> Pick:
    mbps = float(rng.choice([10, 20, 50, 100, 150, 200, 250, 300, 500, 1000]))
    forms = [f"{mbps:g} Mbit/s", f"{mbps:g}Mbps", f"{mbps:g} mbps", f"{mbps:g} Mbps"]
    if mbps >= 100:
        forms.append(f"{mbps / 1000:g} Gbps")
    if mbps % 8 == 0:
        forms.append(f"{mbps / 8:g} MB/s")
    return rng.choice(forms), mbps


def latency(rng: random.Random) -> Pick:
    ms = float(rng.choice([1, 2, 5, 10, 15, 20, 50, 100]))
    forms = [f"{ms:g} ms", f"{ms:g}ms", f"{ms:g} msec", f"{ms:g} milliseconds"]
    return rng.choice(forms), ms


def reliability(rng: random.Random) -> Pick:
    pct = rng.choice([99.9, 99.99, 99.999, 99.9999])
    words = {v: k for k, v in vocab.RELIABILITY_WORDS.items()}
    forms = [f"{pct:g}%", f"{pct:g} %", f"{pct:g}% reliability"]
    if pct in words:
        forms.append(words[pct])
    return rng.choice(forms), pct


def window(rng: random.Random) -> Pick:
    if rng.random() < 0.15:
        name, gold = rng.choice(list(vocab.NAMED_WINDOWS.items()))
        return name, dict(gold)
    start = rng.choice([6, 7, 8, 9, 10, 12, 14, 18, 20, 22])
    end = (start + rng.choice([2, 4, 6, 8, 10])) % 24
    gold = {"start": f"{start:02d}:00", "end": f"{end:02d}:00"}
    forms = [
        f"from {start}:00 to {end}:00",
        f"{start:02d}:00-{end:02d}:00",
        f"between {start}:00 and {end}:00",
        f"{start}-{end}h",
        f"from {_ampm(start)} to {_ampm(end)}",
    ]
    return rng.choice(forms), gold


def _ampm(hour: int) -> str:
    if hour == 0:
        return "12am"
    if hour == 12:
        return "12pm"
    return f"{hour}am" if hour < 12 else f"{hour - 12}pm"


def days(rng: random.Random) -> Pick:
    text = rng.choice(["weekdays", "working days", "mon-fri", "weekends", "every day", "daily"])
    return (f"on {text}" if rng.random() < 0.5 else text), list(vocab.DAY_SETS[text])


def slice_id(rng: random.Random) -> Pick:
    gold = f"SL-{rng.randint(1, 120):03d}"
    return rng.choice([gold, f"slice {gold}", gold.lower()]), gold


def change_id(rng: random.Random) -> Pick:
    gold = f"CHG-{rng.randint(1, 9999):04d}"
    return rng.choice([gold, f"change {gold}", gold.lower()]), gold


def intent_id(rng: random.Random) -> Pick:
    gold = f"INT-{rng.randint(1, 9999):04d}"
    return rng.choice([gold, f"intent {gold}", gold.lower()]), gold


_KEYBOARD_SLIPS = {"e": "r", "a": "s", "o": "i", "i": "u", "t": "r", "n": "m", "s": "d"}


def noisy(rng: random.Random, text: str, protected: list[str]) -> tuple[str, list[str]]:
    """Typos, case and abbreviations as people type them; ``protected`` spans stay intact."""
    tags: list[str] = []
    words = text.split(" ")
    safe = [
        i
        for i, w in enumerate(words)
        if len(w) > 4 and w.isalpha() and not any(w in p for p in protected)
    ]
    if safe and rng.random() < 0.25:
        i = rng.choice(safe)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        if rng.random() < 0.5:
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        else:
            w = w[:j] + _KEYBOARD_SLIPS.get(w[j], w[j]) + w[j + 1 :]
        words[i] = w
        tags.append("typo")
    text = " ".join(words)
    # Byte units ("MB/s") are case-sensitive: changing the case would change the gold value.
    roll = 1.0 if any(unit in text for unit in vocab.BYTE_UNITS) else rng.random()
    if roll < 0.25:
        text = text.lower()
        tags.append("lower")
    elif roll < 0.29:
        text = text.upper()
        tags.append("upper")
    if rng.random() < 0.15:
        text = rng.choice(["pls ", "plz ", "hey, ", "quick one: ", "noc here - "]) + text
        tags.append("abbrev")
    if rng.random() < 0.1:
        text += rng.choice([" asap", " thx", " pls", "?", " !!"])
    return text, tags
