"""Targets (SPEC section 5): each yearly target against the actual figure and a projection.

SPEC: "a yearly target per measure (e.g. 80 approvals) shown against actuals and a projection from the households in
the pipeline".

The year: the financial year (1 April - 31 March) that contains the end of the period asked for (`date_to`),
as it stood at the end of that day or of today, whichever is earlier (the as-at date); the start of the period
is not used, since a target is for a whole year. The targets are those set for that year (crm.targets), each for
the whole service or one service line. For each:

- actual: the activity report's figure of the same name (crm.reports.families.activity) for 1 April to the as-at date,
  for the whole service or the target's service line (as the activity report splits by service line);
- percent_of_target: actual / target, as a percentage;
- expected_by_now: where a straight line from 0 on 31 March to the target on the next 31 March stands at the
  as-at date: target x days elapsed (1 April to the as-at date, both included) / days in the year;
- projection: actual + the applications now in the pipeline expected to reach the measure's stage by the end of
  the year, each weighted by its probability (crm.reports.families.projection), rounded to a whole number. Enquiries do
  not come from the pipeline, so the enquiry households' projection is the pace so far instead: actual x days in
  the year / days elapsed. Before the year starts there is no projection (null); after it ends the projection is
  the actual.

Split by service line: per service line, each measure that has a target in the year, with that line's actual and
projection and the line's own target when one is set. Other splits are refused (ValueError).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.households.models import SHORT_NAMES, ServiceLine
from crm.clock import financial_year
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.split_keys import NOT_RECORDED
from crm.reports.families import activity, projection
from crm.reports.render.charts import Bar, funnel
from crm.targets.models import MEASURE_LABELS, ReportTarget, TargetMeasure

NAME = "targets"
SPLITS = (Split.SERVICE_LINE,)  # targets are set for the service and per service line
PIPELINE, PACE = "pipeline", "pace so far"
ALL = "all"
ROW_COLUMNS = ["measure", "service_line", "target", "actual", "percent_of_target", "expected_by_now",
               "projection", "projection_method"]
LINE_COLUMNS = ["household_id", "application_id", "service_line", "measure", "what", "scope", "stage"]


@dataclass(frozen=True)
class Year:
    start: date
    end: date
    as_at: date

    @property
    def started(self) -> bool:
        return self.as_at >= self.start

    @property
    def days_in_year(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days_elapsed(self) -> int:
        return max(0, (self.as_at - self.start).days + 1)

    @property
    def days_left(self) -> int:
        return self.days_in_year - self.days_elapsed


def year_of(params: ReportParams) -> Year:
    """The financial year containing the end of the period, as at that day or today, whichever is earlier."""
    start, end = financial_year(params.date_to)
    return Year(start, end, min(params.date_to, clock.today()))


def compute(params: ReportParams) -> Report:
    """The year's targets against actuals and projections; by service line, the same per line."""
    if params.by not in (None, Split.SERVICE_LINE):
        raise ValueError("Targets are for a whole year, for the service or one service line: split them by "
                         "service line, or not at all")
    year = year_of(params)
    targets = _targets(year.start)
    measures = list(dict.fromkeys(measure for measure, _, _ in targets))
    actuals = _activity(year)
    pipeline = projection.pipeline(year.as_at, year.days_left, measures) if year.started else _no_pipeline()
    rows = [row(year, measure, line, n, actuals, pipeline) for measure, line, n in targets]
    figures = {**_year_figures(year), "targets": nest(rows), "pipeline": nest_detail(pipeline_detail(pipeline))}
    splits = {line: _line_figures(year, line, measures, targets, actuals, pipeline)
              for line in _service_lines()} if params.by else {}
    return Report(NAME, params, figures, tables(figures, splits), splits)


# The figures.

def _year_figures(year: Year) -> dict:
    """The JSON's year keys: {"year": "2026-27", "year_start", "year_end", "as_at" (ISO dates), "days_in_year",
    "days_elapsed", "days_left"}; then "targets" (see `row` and `nest`) and "pipeline" (see `pipeline_detail` and
    `nest_detail`)."""
    return {"year": f"{year.start.year}-{(year.start.year + 1) % 100:02d}", "year_start": year.start.isoformat(),
            "year_end": year.end.isoformat(), "as_at": year.as_at.isoformat(), "days_in_year": year.days_in_year,
            "days_elapsed": year.days_elapsed, "days_left": year.days_left}


def row(year: Year, measure: str, line: str | None, target: int | None, actuals: Report | None,
        pipeline: pd.DataFrame) -> dict:
    """One target: {"measure", "service_line" (None: the whole service), "target" (null: none set for this line),
    "actual", "percent_of_target", "expected_by_now", "projection", "projection_method" ("pipeline" or "pace so
    far")}; percentages and expected_by_now to one decimal place. The JSON nests them by measure and service
    line (`nest`)."""
    done = actual(actuals, measure, line)
    projected, method = _projection(year, measure, done, expected(pipeline, measure, line))
    return {"measure": measure, "service_line": line, "target": target, "actual": done,
            "percent_of_target": round(100 * done / target, 1) if target else None,
            "expected_by_now": round(target * year.days_elapsed / year.days_in_year, 1) if target else None,
            "projection": projected, "projection_method": method}


def actual(actuals: Report | None, measure: str, line: str | None) -> int:
    """The activity report's figure for the year so far, for the whole service or one service line."""
    figures = None if actuals is None else actuals.figures if line is None else actuals.splits.get(line)
    value = (figures or {}).get(measure, 0)
    return int(value["total"] if isinstance(value, dict) else value)


def expected(pipeline: pd.DataFrame, measure: str, line: str | None) -> float:
    """The applications in the pipeline expected to reach the measure's stage by the year end: the sum of their
    probabilities (crm.reports.families.projection)."""
    rows = pipeline[(pipeline["measure"] == measure) & ((pipeline["service_line"] == line) if line else True)]
    return float(rows["probability"].sum())


def _projection(year: Year, measure: str, done: int, coming: float) -> tuple[int | None, str | None]:
    if not year.started:
        return None, None
    if measure == TargetMeasure.ENQUIRY_HOUSEHOLDS:
        return _whole(done * year.days_in_year / year.days_elapsed), PACE
    return _whole(done + coming), PIPELINE


def _whole(value: float) -> int:
    """Rounded half up (2.5 is 3), as people round."""
    return int(math.floor(value + 0.5))


def pipeline_detail(pipeline: pd.DataFrame) -> list[dict]:
    """How each projection is made, per measure, service line and stage: {"measure", "service_line", "stage",
    "in_stage" (applications active in that stage now), "without_history" (of them, those with no comparable
    application, counted as 0), "expected" (the sum of their probabilities, one decimal place)}."""
    order = {measure: index for index, measure in enumerate(TargetMeasure)}
    grouped = pipeline.groupby(["measure", "service_line", "stage"], sort=False)
    rows = [{"measure": measure, "service_line": line, "stage": stage.value, "in_stage": len(group),
             "without_history": int((group["comparable"] == 0).sum()),
             "expected": round(float(group["probability"].sum()), 1)} for (measure, line, stage), group in grouped]
    return sorted(rows, key=lambda r: (order[r["measure"]], r["service_line"], Stage(r["stage"]).order))


def nest(rows: list[dict]) -> dict:
    """Target rows as the JSON holds them: {measure: {"all" or service line: {"target", "actual", ...}}}."""
    nested: dict = {}
    for r in rows:
        values = {key: value for key, value in r.items() if key not in ("measure", "service_line")}
        nested.setdefault(r["measure"], {})[r["service_line"] or ALL] = values
    return nested


def flat(nested: dict) -> list[dict]:
    """The JSON's targets as rows again, in the same order: each with its `measure` and `service_line`."""
    return [{"measure": measure, "service_line": None if scope == ALL else scope, **values}
            for measure, scopes in nested.items() for scope, values in scopes.items()]


def nest_detail(rows: list[dict]) -> dict:
    """{measure: {service line: {stage: {"in_stage", "without_history", "expected"}}}}."""
    nested: dict = {}
    for r in rows:
        values = {key: r[key] for key in ("in_stage", "without_history", "expected")}
        nested.setdefault(r["measure"], {}).setdefault(r["service_line"], {})[r["stage"]] = values
    return nested


def flat_detail(nested: dict) -> list[dict]:
    return [{"measure": measure, "service_line": line, "stage": stage, **values}
            for measure, lines in nested.items() for line, stages in lines.items() for stage, values in stages.items()]


def _line_figures(year, line, measures, targets, actuals, pipeline) -> dict:
    """One service line's split: each measure with a target in the year, against the line's own target."""
    own = {(measure, target_line): n for measure, target_line, n in targets}
    lines_pipeline = pipeline[pipeline["service_line"] == line]
    rows = [row(year, measure, line, own.get((measure, line)), actuals, pipeline) for measure in measures]
    return {"targets": nest(rows), "pipeline": nest_detail(pipeline_detail(lines_pipeline))}


# Reading.

def _targets(year_start: date) -> list[tuple[str, str | None, int]]:
    """(measure, service line or None, target) of the year, in measure order, the whole service's first."""
    found = db.session.execute(select(ReportTarget.measure, ReportTarget.service_line_code, ReportTarget.target)
                               .where(ReportTarget.year_start == year_start)).all()
    order = list(TargetMeasure)
    return sorted(((TargetMeasure(m).value, line, n) for m, line, n in found),
                  key=lambda t: (order.index(TargetMeasure(t[0])), t[1] or ""))


def _activity(year: Year) -> Report | None:
    """The activity report for the year so far, split by service line (None before the year starts)."""
    if not year.started:
        return None
    return activity.compute(ReportParams(year.start, year.as_at, by=Split.SERVICE_LINE))


def _service_lines() -> list[str]:
    return list(db.session.scalars(select(ServiceLine.code).order_by(ServiceLine.code)))


def _no_pipeline() -> pd.DataFrame:
    return pd.DataFrame(columns=projection.COLUMNS)


# Tables, charts and drill-down.

def tables(figures: dict, splits: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """`year` (one row), `targets` (one row per target), `projection_from_pipeline` (how the projections are made)
    and, split by service line, `by_service_line` (one row per line and measure with a target)."""
    made = {"year": pd.DataFrame([{key: figures[key] for key in ("year", "as_at", "days_in_year", "days_elapsed",
                                                                  "days_left")}]),
            "targets": _target_table(flat(figures["targets"])),
            "projection_from_pipeline": _pipeline_table(flat_detail(figures["pipeline"]))}
    if splits:
        made["by_service_line"] = _target_table([r for split in splits.values() for r in flat(split["targets"])])
    return made


def _target_table(rows: list[dict]) -> pd.DataFrame:
    """The rows with the measure's label and, in `applies_to`, the service line's name or "All service lines"
    (not `service_line`: a column named after a split holds that split's values, and these are names)."""
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS).drop(columns="service_line")
    frame.insert(1, "label", [MEASURE_LABELS[TargetMeasure(m)] for m in frame["measure"]])
    frame.insert(2, "applies_to", [_line_label(r["service_line"]) for r in rows])
    for column in ("target", "projection"):  # whole numbers, blank where there is none (not 80.0 beside a NaN)
        frame[column] = pd.Series([r[column] for r in rows], index=frame.index, dtype=object)
    return frame


def _pipeline_table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["measure", "service_line", "stage", "in_stage", "without_history", "expected"])
    frame.insert(1, "label", [MEASURE_LABELS[TargetMeasure(m)] for m in frame["measure"]])
    frame["service_line"] = [_line_label(r["service_line"]) for r in rows]
    frame["stage"] = [Stage(stage).label for stage in frame["stage"]]
    return frame.rename(columns={"service_line": "applies_to"})


def _line_label(line: str | None) -> str:
    return SHORT_NAMES.get(line, line) if line else "All service lines"


def charts(report: Report) -> list[tuple[str, str]]:
    """For each target: the target, where a straight line would be by now, the actual and the projection."""
    shown = []
    for target in flat(report.figures["targets"]):
        label = f"{MEASURE_LABELS[TargetMeasure(target['measure'])]}, {_line_label(target['service_line']).lower()}"
        bars = [Bar("Target", target["target"]), Bar("Expected by now", target["expected_by_now"]),
                Bar("Actual so far", target["actual"], f"({target['percent_of_target']:g}% of the target)")]
        if target["projection"] is not None:
            bars.append(Bar(f"Projection ({target['projection_method']})", target["projection"]))
        shown.append((f"{label}: target, actual and projection", funnel(bars, label)))
    return shown


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """The counts of households behind the figures: each actual, and each pipeline stage's applications."""
    selectors = {}
    split_rows = [r for split in report.splits.values() for r in flat(split["targets"])]
    for table, rows in (("targets", flat(report.figures["targets"])), ("by_service_line", split_rows)):
        for position, target in enumerate(rows):
            selectors[(table, position, "actual")] = {"what": "actual", "measure": target["measure"],
                                                      "scope": target["service_line"] or ALL}
    for position, step in enumerate(flat_detail(report.figures["pipeline"])):
        selectors[("projection_from_pipeline", position, "in_stage")] = {"what": "in_stage", "measure": step["measure"],
                                                         "scope": step["service_line"], "stage": step["stage"]}
    return selectors


def drill_lines(params: ReportParams) -> pd.DataFrame:
    """The rows behind the counts: `what` "actual" (one row per household for enquiry households, per event for
    the others, under `scope` "all" and again under its service line) or "in_stage" (one row per application in
    the pipeline and measure, `scope` its service line, `stage` its stage). Columns: LINE_COLUMNS."""
    year = year_of(params)
    if not year.started:
        return pd.DataFrame(columns=LINE_COLUMNS)
    pipeline = projection.pipeline(year.as_at, year.days_left, list(projection.MEASURE_STAGES))
    in_stage = pipeline.assign(what="in_stage", scope=pipeline["service_line"],
                               stage=[stage.value for stage in pipeline["stage"]])
    parts = [_actual_lines(year), in_stage[LINE_COLUMNS]]
    return pd.concat([part for part in parts if not part.empty], ignore_index=True).reindex(columns=LINE_COLUMNS)


def _actual_lines(year: Year) -> pd.DataFrame:
    """The activity report's lines behind each measure's actual (crm.reports.families.activity.drill_lines, split by
    service line): under `scope` "all" each thing once, and again under its service line."""
    paths = {("approvals.total" if measure == TargetMeasure.APPROVALS else measure.value): measure.value
             for measure in TargetMeasure}
    lines = activity.drill_lines(ReportParams(year.start, year.as_at, by=Split.SERVICE_LINE))
    lines = lines[lines["measure"].isin(list(paths))]
    lines = lines.assign(measure=lines["measure"].map(paths), what="actual", stage=None,
                         service_line=lines["split"].where(lines["split"] != NOT_RECORDED))
    every = lines[lines["in_total"] == 1].assign(scope=ALL)
    return pd.concat([every, lines.assign(scope=lines["split"])], ignore_index=True)[LINE_COLUMNS]
