"""Nothing outside the execution agent and the what-if changes the network (an AST scan).

Every ``<something>.apply(...)`` / ``.undo(...)`` call in the package whose receiver is a twin
(a name such as ``twin``, ``clone``, ``after``) is listed here with why it may do so. A new call
anywhere else fails this test: an operator's change must go through the front door and the loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import autonet

ROOT = Path(autonet.__file__).parent
#: file (relative to the package) -> why it may call Twin.apply / Twin.undo
ALLOWED = {
    "agents/execution.py": "the execution agent: the one place the loop changes the network",
    "platform/service/adapter.py": "the network adapters: the action port the execution agent "
    "changes the network through",
    "agents/_whatif.py": "the what-if: candidates applied to observed clones, never the network",
    "agents/playbooks/_congestion_perceive.py": "a what-if on clones of the observed network",
    "agents/playbooks/change/plan.py": "validates an operator's change on a clone (dry run)",
    "agents/playbooks/_energy_rule.py": "the O-RAN threshold rule, a scenario baseline on its "
    "own twin",
    "platform/_replay.py": "replay re-applies a finished run's recorded actions to a rebuilt twin",
    "platform/scenarios/rules.py": "the rules baseline of the scenarios, on its own twin",
    "platform/scenarios/_slice_drivers.py": "the rules / manual baselines, on their own twins",
    "platform/scenarios/_fault_eval.py": "impact evaluation on clones after the run",
}
_TWINISH = ("twin", "clone", "after", "baseline", "base", "port")


def _receiver(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _calls() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("twin/"):
            continue  # the twin itself implements apply/undo
        for node in ast.walk(ast.parse(path.read_text(), filename=rel)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("apply", "undo")
                and any(w in _receiver(node.func.value).lower() for w in _TWINISH)
            ):
                found.setdefault(rel, []).append(node.lineno)
    return found


def test_only_the_execution_agent_and_what_ifs_apply_actions() -> None:
    calls = _calls()
    stray = {f: lines for f, lines in calls.items() if f not in ALLOWED}
    assert stray == {}, f"actions applied outside the loop's execution agent: {stray}"
    assert "agents/execution.py" in calls  # the scan sees the real call sites


def test_the_scan_catches_a_direct_apply(tmp_path: Path) -> None:
    bad = "def f(loop):\n    loop.twin.apply('tilt', 'S0001-C1', delta_deg=2)\n"
    tree = ast.parse(bad)
    hits = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        and n.func.attr == "apply" and "twin" in _receiver(n.func.value)
    ]  # fmt: skip
    assert len(hits) == 1
