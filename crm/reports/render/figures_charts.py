"""Which charts each report shows, drawn from its figures (the JSON shape, so the chart and the table agree)."""
from __future__ import annotations

from crm.reports.render import charts
from crm.reports.base import Report

FUNNEL_STEPS = [("enquiry_households", "Households enquiring"),
                ("information_event_households", "Information event"), ("initial_visits", "Initial visits"),
                ("registrations_of_interest", "Registrations of interest"), ("stage_1_starts", "Stage 1 starts"),
                ("stage_2_starts", "Stage 2 starts"), ("approvals", "Approvals")]


def _value(figures: dict, key: str) -> float:
    value = figures.get(key, 0)
    return value.get("total", 0) if isinstance(value, dict) else (value or 0)


def activity(report: Report) -> list[tuple[str, str]]:
    figures = report.figures
    bars, previous = [], None
    for key, label in FUNNEL_STEPS:
        value = _value(figures, key)
        note = f"({value / previous:.0%} of the step before)" if previous else ""
        bars.append(charts.Bar(label, value, note))
        previous = value or None
    shown = [("Funnel in the period: households and applications at each step",
              charts.funnel(bars, "Funnel in the period"))]
    if report.splits and report.params.by and report.params.by.value in ("month", "quarter"):
        # "2026 Q2 (Apr-Jun)" is too long under a bar: the year and quarter say it.
        trend = [charts.Bar(" ".join(key.split()[:2]), _value(split, "enquiry_contacts"))
                 for key, split in report.splits.items()]
        shown.append((f"Enquiry contacts by {report.params.by.value}", charts.columns(trend, "Enquiry contacts trend")))
    return shown


def timeliness(report: Report) -> list[tuple[str, str]]:
    shown = []
    for stage, label in (("stage_1", "Stage 1"), ("stage_2", "Stage 2")):
        buckets = report.figures.get("stages", {}).get(stage, {}).get("buckets", {})
        if buckets:
            bars = [charts.Bar(name, count) for name, count in buckets.items()]
            shown.append((f"{label}: completions by time taken", charts.funnel(bars, f"{label} time taken")))
    return shown


def snapshot(report: Report) -> list[tuple[str, str]]:
    figures = report.figures
    bars = [charts.Bar(label, figures.get(key, {}).get("total", 0)) for key, label in
            (("stage_1", "Stage 1"), ("between_stages", "Between Stage 1 and 2"), ("stage_2", "Stage 2"),
             ("on_hold", "On hold"), ("approved_waiting", "Approved and waiting"))]
    return [("Applications at the snapshot date", charts.funnel(bars, "Applications at the snapshot date"))]


CHARTS = {"activity": activity, "timeliness": timeliness, "snapshot": snapshot}


def charts_for(report: Report) -> list[tuple[str, str]]:
    """The report's charts: from CHARTS, or from its module's own `charts(report)` when it defines one."""
    from crm.reports import registry

    if report.name in CHARTS:
        return CHARTS[report.name](report)
    own = getattr(registry.family(report.name), "charts", None) if report.name in registry.NAMES else None
    return own(report) if own else []
