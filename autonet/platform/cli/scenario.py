"""CLI commands: scenarios (``autonet scenario list|run|compare``)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from autonet.errors import BadInputError
from autonet.platform.cli._output import (
    EXIT_FAILED,
    EXIT_USAGE,
    cli_errors,
    console,
    emit_json,
    fail,
    progress,
    table,
)

if TYPE_CHECKING:
    from autonet.platform.scenarios import PolicyResult, Scenario, ScenarioParams, TargetCheck

__all__ = ["app", "compare", "list_scenarios", "parse_opts", "run"]

app = typer.Typer(
    help="Scenarios: the closed loop vs threshold rules vs no automation.", no_args_is_help=True
)

_NAME_HELP = "Scenario: fault-healing, event-scheduling, slice-provisioning, energy-saving."

Sites = Annotated[
    int, typer.Option("--sites", "-n", metavar="N", help="Radio sites (3 cells each).")
]
Days = Annotated[
    float | None,
    typer.Option(
        "--days", "-d", metavar="D", help="Simulated days (default: the scenario's, see 'list')."
    ),
]
Seed = Annotated[
    int, typer.Option("--seed", "-s", metavar="S", help="Seed of twin and schedule (>= 0).")
]
Opts = Annotated[
    list[str] | None,
    typer.Option("--opt", metavar="KEY=VALUE", help="A scenario option, repeatable (see 'list')."),
]
Out = Annotated[
    Path | None,
    typer.Option("--out", "-o", metavar="DIR", help="Report folder (default: <home>/reports/...)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")]
Force = Annotated[
    bool, typer.Option("--force", help="Replace the report already in --out (else exit 2).")
]


def parse_opts(values: Sequence[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` options as a mapping (values stay text; the scenario coerces them).

    Raises:
        BadInputError: A value without ``=``, an empty key, or a key given twice.
    """
    out: dict[str, str] = {}
    for text in values or []:
        key, eq, value = text.partition("=")
        key = key.strip()
        if not eq or not key:
            raise BadInputError(f"--opt {text!r}: expected KEY=VALUE, e.g. --opt fault_rate=8")
        if key in out:
            raise BadInputError(f"--opt {key!r} is given twice")
        out[key] = value.strip()
    return out


def _setup(
    name: str, sites: int, days: float | None, seed: int, opts: Sequence[str] | None
) -> tuple[Scenario, ScenarioParams]:
    """The scenario and its checked parameters; exit 2 (usage) on any bad input."""
    from autonet.platform.scenarios import ScenarioError, ScenarioParams, get_scenario

    try:
        scenario = get_scenario(name)
        length = scenario.default_days if days is None else days
        params = ScenarioParams(sites=sites, days=length, seed=seed, options=parse_opts(opts))
        scenario.check(params)
    except (ScenarioError, BadInputError) as exc:
        fail(str(exc), EXIT_USAGE)
    return scenario, params


def _execute(
    scenario: Scenario,
    params: ScenarioParams,
    policies: Sequence[str],
    out: Path | None,
    as_json: bool,
    force: bool,
) -> None:
    """Run the policies and write the report into ``out`` (staged: complete or absent)."""
    from autonet.platform.scenarios import ScenarioError, write_report
    from autonet.platform.scenarios.report import (
        check_report_folder,
        default_workdir,
        metrics_document,
        staged_report,
    )

    target = out if out is not None else default_workdir(scenario.name, params.seed)
    try:
        check_report_folder(target, force=force)
    except ScenarioError as exc:
        fail(str(exc), EXIT_USAGE)
    # the run and its report go to a staging folder renamed to `target` at the end: a Ctrl-C
    # or a failure leaves no half-written report (and keeps an old one)
    with staged_report(target, force=force) as folder:
        results, checks = _run_policies(scenario, params, policies, folder, as_json)
        write_report(scenario, results, folder, targets=checks)
    report = target.expanduser().resolve()
    if as_json:
        emit_json({**metrics_document(scenario, results, checks), "report": str(report)})
        return
    _print(scenario, results, checks, report)


def _run_policies(
    scenario: Scenario,
    params: ScenarioParams,
    policies: Sequence[str],
    folder: Path,
    as_json: bool,
) -> tuple[dict[str, PolicyResult], list[TargetCheck]]:
    from autonet.platform.scenarios import ScenarioError, compare_scenario

    with progress(enabled=not as_json) as bar:
        tasks = {
            p: bar.add_task(f"{scenario.name}: {p}", total=params.steps, start=False)
            for p in policies
        }

        started: set[str] = set()

        def tick(policy: str, done: int, total: int) -> None:
            if policy not in started:  # each bar's clock starts with its run
                started.add(policy)
                bar.start_task(tasks[policy])
            bar.update(tasks[policy], completed=done, total=total)

        try:
            results = compare_scenario(
                scenario, params, policies, workdir=folder / "work", progress=tick
            )
        except ScenarioError as exc:
            fail(str(exc), EXIT_FAILED)
    return results, list(scenario.targets(results))


def _print(
    scenario: Scenario,
    results: Mapping[str, PolicyResult],
    checks: Sequence[TargetCheck],
    report: Path,
) -> None:
    policies = list(results)
    rows: list[list[Any]] = []
    for spec in scenario.metrics:
        label = f"{spec.label} ({spec.unit})" if spec.unit else spec.label
        arrow = "v" if spec.better == "lower" else "^"
        values = [spec.format(results[p].metrics.get(spec.name)) for p in policies]
        rows.append([f"{label} {arrow}", *values])
    rows.append(["wall time (s)", *(f"{results[p].wall_s:.2f}" for p in policies)])
    params = next(iter(results.values())).params
    title = f"{scenario.title}: {params.sites} sites, {params.days:g} days, seed {params.seed}"
    console.print(table(title, ["metric (v lower / ^ higher is better)", *policies], rows))
    if checks:
        met = sum(c.met for c in checks)
        out = table(
            f"targets: {met} of {len(checks)} met",
            ["target (required)", "measured", "met"],
            [[c.required, c.measured, "yes" if c.met else "NO"] for c in checks],
        )
        for column in out.columns:
            column.justify = "left"
        console.print(out)
    console.print(f"report: {report / 'report.md'}", soft_wrap=True)


@cli_errors
def list_scenarios(as_json: AsJson = False) -> None:
    """List the scenarios: name, title, metrics, options and their defaults."""
    from autonet.platform.scenarios import ScenarioError, get_scenario, scenario_names

    entries: list[dict[str, Any]] = []
    for name in scenario_names():
        try:
            sc = get_scenario(name)
        except ScenarioError as exc:
            entries.append({"name": name, "available": False, "error": str(exc)})
            continue
        entries.append(
            {
                "name": name,
                "available": True,
                "title": sc.title,
                "metrics": [m.name for m in sc.metrics],
                "default_days": sc.default_days,
                "options": dict(sc.option_defaults),
                "compare": f"autonet scenario compare {name}",
            }
        )
    if as_json:
        emit_json(entries)
        return
    rows = [
        [
            e["name"],
            e.get("title", "(not available)"),
            "\n".join(f"{k}={v}" for k, v in e.get("options", {}).items()) or "-",
        ]
        for e in entries
    ]
    out = table("scenarios (metrics: --json)", ["name", "title", "options (--opt KEY=VALUE)"], rows)
    for column in out.columns:
        column.justify = "left"
    console.print(out)


@cli_errors
def run(
    name: Annotated[str, typer.Argument(metavar="NAME", help=_NAME_HELP)],
    sites: Sites = 200,
    days: Days = None,
    seed: Seed = 7,
    policy: Annotated[
        str, typer.Option("--policy", "-p", metavar="P", help="agentic, rules or none.")
    ] = "agentic",
    opt: Opts = None,
    out: Out = None,
    as_json: AsJson = False,
    force: Force = False,
) -> None:
    """Run one scenario under one policy; print its metrics and write the report.

    Exit codes: 0 done (targets met or not: see the table); 2 an unknown scenario, policy or
    option, or impossible parameters (0 sites, days <= 0), or --out holding a report already
    (without --force); 1 the run failed; 130 interrupted (Ctrl-C: no report is left).
    """
    from autonet.platform.scenarios import ScenarioError, check_policy

    scenario, params = _setup(name, sites, days, seed, opt)
    try:
        check_policy(policy)
    except ScenarioError as exc:
        fail(str(exc), EXIT_USAGE)
    _execute(scenario, params, [policy], out, as_json, force)


@cli_errors
def compare(
    name: Annotated[str, typer.Argument(metavar="NAME", help=_NAME_HELP)],
    sites: Sites = 200,
    days: Days = None,
    seed: Seed = 7,
    policies: Annotated[
        str,
        typer.Option("--policies", metavar="LIST", help="Comma-separated policies to compare."),
    ] = "agentic,rules,none",
    opt: Opts = None,
    out: Out = None,
    as_json: AsJson = False,
    force: Force = False,
    seeds: Annotated[
        str | None,
        typer.Option(
            "--seeds",
            metavar="LIST",
            help="Compare on several seeds (e.g. 1-10 or 1,4,7): mean and worst per policy, "
            "targets met per seed; --seed is then ignored.",
        ),
    ] = None,
) -> None:
    """Run the policies on identical twins (same seed, same schedule) and compare them:
    a metric table (a column per policy), the issue's targets and the report's path.

    Exit codes: 0 done (targets met or not: see the table); 2 an unknown scenario, policy or
    option, or impossible parameters (0 sites, days <= 0), or --out holding a report already
    (without --force); 1 a run failed; 130 interrupted (Ctrl-C: no report is left).
    """
    from autonet.platform.scenarios import ScenarioError, parse_policies

    scenario, params = _setup(name, sites, days, seed, opt)
    try:
        chosen = parse_policies(policies)
    except ScenarioError as exc:
        fail(str(exc), EXIT_USAGE)
    if seeds is not None:
        _execute_seeds(scenario, params, chosen, _parse_seeds(seeds), out, as_json, force)
        return
    _execute(scenario, params, chosen, out, as_json, force)


def _parse_seeds(spec: str) -> list[int]:
    """``1-10`` or ``1,4,7`` (or both, comma-separated) -> the seeds, in order, no repeats."""
    out: list[int] = []
    for part in spec.split(","):
        lo, dash, hi = part.strip().partition("-")
        try:
            first, last = int(lo), int(hi) if dash else int(lo)
        except ValueError:
            fail(f"--seeds {spec!r}: expected whole numbers like 1-10 or 1,4,7", EXIT_USAGE)
        if first < 0 or last < first or last - first > 999:
            fail(f"--seeds {spec!r}: a range goes up (e.g. 1-10), seeds >= 0", EXIT_USAGE)
        out.extend(range(first, last + 1))
    if len(set(out)) != len(out):
        fail(f"--seeds {spec!r}: a seed is repeated", EXIT_USAGE)
    return out


def _execute_seeds(scenario: Scenario, params: ScenarioParams, policies: Sequence[str],
                   seeds: list[int], out: Path | None, as_json: bool,
                   force: bool) -> None:  # fmt: skip
    """Run the comparison on every seed; write ``seeds.md`` (mean / worst, targets per seed)."""
    from autonet.platform.scenarios import ScenarioError
    from autonet.platform.scenarios.report import (
        check_report_folder,
        default_workdir,
        staged_report,
    )
    from autonet.platform.scenarios.seeds import run_seeds

    target = out if out is not None else default_workdir(f"{scenario.name}-seeds", seeds[0])
    try:
        check_report_folder(target, force=force)
    except ScenarioError as exc:
        fail(str(exc), EXIT_USAGE)
    with staged_report(target, force=force) as folder, progress(not as_json) as bar:
        task = bar.add_task(f"{scenario.name}: {len(seeds)} seeds", total=len(seeds) * 100)

        def tick(seed: int, policy: str, done: int, total: int) -> None:
            k = seeds.index(seed)
            bar.update(task, completed=k * 100 + 100 * done // max(total, 1),
                       description=f"{scenario.name}: seed {seed} {policy}")  # fmt: skip

        summary = run_seeds(scenario, params, seeds, policies, workdir=folder / "work",
                            progress=tick)  # fmt: skip
        (folder / "seeds.md").write_text(summary.markdown() + "\n")
        (folder / "report.md").write_text(summary.markdown() + "\n")
    report = target.expanduser().resolve()
    if as_json:
        metrics = {
            m.name: {p: {"mean": summary.mean(p, m.name), "worst": summary.worst(p, m.name)}
                     for p in summary.policies}
            for m in summary.metrics
        }  # fmt: skip
        first = next(iter(summary.targets.values()), [])
        emit_json({"scenario": scenario.name, "seeds": seeds, "report": str(report),
                   "metrics": metrics,
                   "targets_met": {t.name: summary.met(t.name) for t in first}})  # fmt: skip
        return
    console.print(summary.markdown())
    console.print(f"report: {report / 'seeds.md'}")


def _flow(doc: str | None) -> str:
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


app.command("list", help=_flow(list_scenarios.__doc__))(list_scenarios)
app.command("run", help=_flow(run.__doc__))(run)
app.command("compare", help=_flow(compare.__doc__))(compare)
