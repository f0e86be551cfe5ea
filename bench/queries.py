"""The activity-by-month and timeliness figures, each from ONE hand-written SQL statement: the baseline that SPEC
section 10 measures the report modules against ("the same question asked directly of the database").

Each statement is written once, with the few dialect-specific pieces filled in per database:
- a contact counts on its date in London. PostgreSQL converts with `AT TIME ZONE 'Europe/London'`; SQLite has no
  time zones, so the statement applies the UK rule itself (summer time from 01:00 UTC on the last Sunday of March,
  the first Sunday on or after 25 March, to 01:00 UTC on the last Sunday of October), exact since 1996;
- "N calendar months" follow dateutil.relativedelta (31 January + 1 month = 28/29 February). PostgreSQL's
  `date + interval 'N months'` clamps the same way. SQLite's `date(d, '+N months')` does NOT: it rolls the
  overflow into the next month (31 January + 1 month = 3 March), so the statement takes the earlier of that and
  the last day of the target month, which is exactly the clamped date;
- the median: PostgreSQL's percentile_cont(0.5); SQLite has none, so the statement numbers each measure's days
  with window functions and averages the middle one or two, which is the same figure.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, bindparam, text

from crm import clock
from crm.db import UTCDateTime

COUNTED = ("information_event", "initial_visit", "registration_of_interest", "stage_1", "stage_1_completed",
           "stage_2", "panel", "panel_deferred", "approved", "not_approved", "withdrawn")
# Each activity figure (its dotted path in the report's JSON, crm/reports/families/activity.py) and the aggregate
# counting it: `count(...) FILTER (WHERE ...)`, which both databases have (SQLite since 3.30) and which skips the
# rows another figure counts instead of adding up a CASE for each of them.
ACTIVITY_COLUMNS = {
    "enquiry_contacts": "count(*)",  # over the contacts alone (contact_figures below)
    "enquiry_households": "count(DISTINCT household_id)",
    "information_event_households": "count(DISTINCT household_id) FILTER (WHERE kind = 'information_event')",
    **{f"information_event_sources.{source}": f"count(DISTINCT household_id) FILTER (WHERE kind = "
                                              f"'information_event' AND source = '{source}')"
       for source in ("event", "consultation", "recorded")},
    **{name: f"count(*) FILTER (WHERE kind = '{kind}')" for name, kind in (
        ("initial_visits", "initial_visit"), ("registrations_of_interest", "registration_of_interest"),
        ("stage_1_starts", "stage_1"), ("stage_1_completions", "stage_1_completed"), ("stage_2_starts", "stage_2"),
        ("panel_presentations", "panel"), ("panel_deferrals", "panel_deferred"), ("not_approved", "not_approved"),
        ("approvals.total", "approved"), ("withdrawals.total", "withdrawn"))},
    "stage_2_completions": "count(*) FILTER (WHERE kind IN ('approved', 'not_approved'))",
    "approvals.fast_track": "count(*) FILTER (WHERE kind = 'approved' AND fast_track = 1)",
    "withdrawals.by_party.applicant": "count(*) FILTER (WHERE kind = 'withdrawn' AND party = 'applicant')",
    "withdrawals.by_party.service": "count(*) FILTER (WHERE kind = 'withdrawn' AND party = 'service')",
}

CONTACT_FIGURES = ("enquiry_contacts", "enquiry_households")
EVENT_FIGURES = tuple(name for name in ACTIVITY_COLUMNS if name not in CONTACT_FIGURES)

# Contacts and events are counted apart (their figures share nothing but the month), each grouped by month and in
# total, then joined by month: no row of one is carried past the other's aggregates. Rows: (month or 'total', NULL,
# every figure) and, for withdrawal reasons, (month or 'total', reason, the count, zeros).
ACTIVITY_SQL = """
WITH contacts_counted AS (
    SELECT {contact_month} AS month, c.household_id
    FROM enquiry_contacts c
    WHERE c.received_at >= :received_from AND c.received_at < :received_before
),
events_counted AS (
    SELECT {event_month} AS month, e.kind, a.household_id, e.party, coalesce(r.name, e.reason) AS reason,
           CASE WHEN a.fast_track THEN 1 ELSE 0 END AS fast_track,
           CASE WHEN m.booking_id IS NOT NULL THEN 'event' WHEN m.consultation_id IS NOT NULL THEN 'consultation'
                ELSE 'recorded' END AS source
    FROM stage_events e
    JOIN applications a ON a.id = e.application_id
    LEFT JOIN withdrawal_reasons r ON r.id = e.withdrawal_reason_id
    LEFT JOIN attendance_stage_moves m ON m.stage_event_id = e.id
    WHERE e.undone_at IS NULL AND e.occurred_on BETWEEN :date_from AND :date_to AND e.kind IN ({counted})
),
contact_figures AS ({contact_figures}),
event_figures AS ({event_figures}),
months AS (SELECT month FROM contact_figures UNION SELECT month FROM event_figures)
SELECT months.month, NULL AS reason, {figures}
FROM months LEFT JOIN contact_figures c ON c.month = months.month LEFT JOIN event_figures e ON e.month = months.month
UNION ALL
{reason_figures}
"""

# The clock each measure is judged against, per service line (SPEC section 4; the timeliness report's rules): the
# event it runs from (falling back to the case's own start when missing or later; 'own': the case's own start) and
# the time allowed. Fostering's stages have no timescale of their own: its whole assessment (`assessment`) runs from
# the ROI (mainstream) or the first of Stage 1 and Stage 2 (connected persons) to the decision.
TIMELINESS_SQL = """
WITH completing AS (
    SELECT DISTINCT application_id FROM stage_events
    WHERE undone_at IS NULL AND kind IN ('stage_1_completed', 'approved', 'not_approved')
      AND occurred_on BETWEEN :date_from AND :date_to
),
marks AS (
    SELECT e.application_id, e.kind, e.occurred_on, e.id,
           row_number() OVER (PARTITION BY e.application_id, e.kind ORDER BY e.occurred_on DESC, e.id DESC) AS nth
    FROM stage_events e JOIN completing c ON c.application_id = e.application_id
    WHERE e.undone_at IS NULL AND e.kind IN ('registration_of_interest', 'stage_1', 'stage_1_completed', 'stage_2',
                                             'approved', 'not_approved')
),
apps AS (
    SELECT a.id, a.service_line_code AS line, a.fast_track,
           {pivot}
    FROM marks m JOIN applications a ON a.id = m.application_id
    WHERE m.nth = 1
    GROUP BY a.id, a.service_line_code, a.fast_track
),
rules (measure, line, clock, months, days) AS (VALUES
    ('stage_1', 'adoption', 'stage_1', 2, NULL), ('stage_1', 'early_permanence', 'stage_1', 2, NULL),
    ('stage_2', 'adoption', 'stage_2', 4, NULL), ('stage_2', 'early_permanence', 'stage_2', 4, NULL),
    ('roi_to_approval', 'adoption', 'registration_of_interest', 6, NULL),
    ('roi_to_approval', 'early_permanence', 'registration_of_interest', 6, NULL),
    ('roi_to_approval', 'fostering_mainstream', 'registration_of_interest', 8, NULL),
    ('assessment', 'fostering_mainstream', 'own', 8, NULL), ('assessment', 'fostering_connected', 'own', NULL, 112)
),
spans AS (
    SELECT 'stage_1' AS measure, id, line, fast_track, stage_1_on AS s_on, stage_1_id AS s_id,
           stage_1_completed_on AS e_on, stage_1_completed_id AS e_id, registration_of_interest_on AS roi_on,
           registration_of_interest_id AS roi_id, stage_1_on AS one_on, stage_1_id AS one_id
    FROM apps
    UNION ALL
    SELECT 'stage_2', id, line, fast_track, stage_2_on, stage_2_id, coalesce(approved_on, not_approved_on),
           coalesce(approved_id, not_approved_id), registration_of_interest_on, registration_of_interest_id,
           stage_1_on, stage_1_id
    FROM apps
    UNION ALL
    SELECT 'roi_to_approval', id, line, fast_track, registration_of_interest_on, registration_of_interest_id,
           approved_on, approved_id, registration_of_interest_on, registration_of_interest_id, stage_1_on, stage_1_id
    FROM apps
    UNION ALL
    SELECT 'assessment', id, line, fast_track,
           CASE WHEN line = 'fostering_mainstream' THEN registration_of_interest_on
                WHEN line = 'fostering_connected' THEN
                    CASE WHEN stage_1_id IS NOT NULL AND (stage_2_id IS NULL OR (stage_2_on, stage_2_id) >= (stage_1_on, stage_1_id))
                         THEN stage_1_on ELSE stage_2_on END END,
           CASE WHEN line = 'fostering_mainstream' THEN registration_of_interest_id
                WHEN line = 'fostering_connected' THEN
                    CASE WHEN stage_1_id IS NOT NULL AND (stage_2_id IS NULL OR (stage_2_on, stage_2_id) >= (stage_1_on, stage_1_id))
                         THEN stage_1_id ELSE stage_2_id END END,
           coalesce(approved_on, not_approved_on), coalesce(approved_id, not_approved_id),
           registration_of_interest_on, registration_of_interest_id, stage_1_on, stage_1_id
    FROM apps
),
clocked AS (
    SELECT s.measure, s.id, s.fast_track, s.s_on, s.s_id, s.e_on, s.e_id, r.months, r.days,
           r.measure IS NOT NULL AS judged,
           CASE WHEN r.clock = 'registration_of_interest' AND (s.roi_on, s.roi_id) <= (s.s_on, s.s_id) THEN s.roi_on
                WHEN r.clock = 'stage_1' AND (s.one_on, s.one_id) <= (s.s_on, s.s_id) THEN s.one_on
                ELSE s.s_on END AS k_on,
           CASE WHEN r.clock = 'registration_of_interest' AND (s.roi_on, s.roi_id) <= (s.s_on, s.s_id) THEN s.roi_id
                WHEN r.clock = 'stage_1' AND (s.one_on, s.one_id) <= (s.s_on, s.s_id) THEN s.one_id
                ELSE s.s_id END AS k_id
    FROM spans s LEFT JOIN rules r ON r.measure = s.measure AND r.line = s.line
    WHERE s.e_on BETWEEN :date_from AND :date_to AND (s.s_on, s.s_id) < (s.e_on, s.e_id)
),
measured AS (
    SELECT c.measure, c.fast_track, c.s_on, c.e_on, {days} AS days,
           CASE WHEN NOT c.judged THEN NULL WHEN c.months IS NOT NULL THEN {due_by_months} ELSE {due_by_days} END
               AS due_on,
           (SELECT coalesce(sum(x.extension_days), 0) FROM stage_events x
            WHERE x.application_id = c.id AND x.undone_at IS NULL AND x.kind = 'timescale_extended'
              AND (x.occurred_on, x.id) > (c.k_on, c.k_id) AND (x.occurred_on, x.id) < (c.e_on, c.e_id))
               AS extension_days
    FROM clocked c
),
both_roi AS (
    SELECT measure, s_on, e_on, days, due_on, extension_days FROM measured
    UNION ALL
    SELECT 'roi_to_approval_excluding_fast_track', s_on, e_on, days, due_on, extension_days FROM measured
    WHERE measure = 'roi_to_approval' AND NOT fast_track
)
SELECT measure, count(*) AS count, avg(days) AS mean_days, {median} AS median_days, min(days) AS min_days,
       max(days) AS max_days,
       sum(CASE WHEN e_on <= due_on THEN 1 ELSE 0 END) AS within_timescale_count,
       count(due_on) AS timescale_applies,
       sum(CASE WHEN extension_days > 0 THEN 1 ELSE 0 END) AS extended,
       sum(CASE WHEN extension_days > 0 AND e_on <= {extended_due} THEN 1 ELSE 0 END) AS extended_within_extension,
       sum(CASE WHEN e_on < {plus_4} THEN 1 ELSE 0 END) AS "<4 months",
       sum(CASE WHEN e_on >= {plus_4} AND e_on < {plus_8} THEN 1 ELSE 0 END) AS "4-8 months",
       sum(CASE WHEN e_on >= {plus_8} AND e_on < {plus_12} THEN 1 ELSE 0 END) AS "8-12 months",
       sum(CASE WHEN e_on >= {plus_12} AND e_on < {plus_18} THEN 1 ELSE 0 END) AS "12-18 months",
       sum(CASE WHEN e_on >= {plus_18} THEN 1 ELSE 0 END) AS ">18 months"
FROM {ranked}
GROUP BY measure
"""
MEASURES = ("stage_1", "stage_2", "roi_to_approval", "roi_to_approval_excluding_fast_track", "assessment")
BUCKETS = ("<4 months", "4-8 months", "8-12 months", "12-18 months", ">18 months")
PIVOT_KINDS = ("registration_of_interest", "stage_1", "stage_1_completed", "stage_2", "approved", "not_approved")
# SQLite: each measure's days numbered, for the median (the middle one, or the mean of the middle two).
SQLITE_RANKED = """(SELECT both_roi.*, row_number() OVER (PARTITION BY measure ORDER BY days) AS rn,
                          count(*) OVER (PARTITION BY measure) AS n FROM both_roi) ranked"""
SQLITE_MEDIAN = "avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN days END)"


class Postgres:
    @staticmethod
    def contact_month(column: str) -> str:
        return f"to_char({column} AT TIME ZONE 'Europe/London', 'YYYY-MM')"

    @staticmethod
    def event_month(column: str) -> str:
        return f"to_char({column}, 'YYYY-MM')"

    @staticmethod
    def plus_months(column: str, months: str) -> str:
        return f"({column} + make_interval(months => {months}))::date"

    @staticmethod
    def plus_days(column: str, days: str) -> str:
        return f"({column} + ({days})::integer)"

    @staticmethod
    def days(start: str, end: str) -> str:
        return f"({end} - {start})"

    median, ranked = "percentile_cont(0.5) WITHIN GROUP (ORDER BY days)", "both_roi"

    @staticmethod
    def by_month_and_total(aggregates: str, source: str, where: str = "", key: str | None = None) -> str:
        """`aggregates` per month and in total ('total'), per `key` too when given: one pass, GROUPING SETS."""
        keys = f", {key}" if key else ""
        return (f"SELECT CASE WHEN grouping(month) = 1 THEN 'total' ELSE month END AS month{keys}, {aggregates} "
                f"FROM {source} {where} GROUP BY GROUPING SETS ((month{keys}), ({key or ''}))")


class Sqlite:
    @staticmethod
    def contact_month(column: str) -> str:
        summer = (f"{column} >= date(strftime('%Y', {column}) || '-03-25', 'weekday 0') || ' 01:00:00' AND "
                  f"{column} < date(strftime('%Y', {column}) || '-10-25', 'weekday 0') || ' 01:00:00'")
        return f"strftime('%Y-%m', {column}, CASE WHEN {summer} THEN '+1 hours' ELSE '+0 hours' END)"

    @staticmethod
    def event_month(column: str) -> str:
        return f"strftime('%Y-%m', {column})"

    @staticmethod
    def plus_months(column: str, months: str) -> str:
        return (f"min(date({column}, '+' || ({months}) || ' months'), "
                f"date({column}, 'start of month', '+' || ({months} + 1) || ' months', '-1 days'))")

    @staticmethod
    def plus_days(column: str, days: str) -> str:
        return f"date({column}, '+' || ({days}) || ' days')"

    @staticmethod
    def days(start: str, end: str) -> str:
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"

    median, ranked = SQLITE_MEDIAN, SQLITE_RANKED

    @staticmethod
    def by_month_and_total(aggregates: str, source: str, where: str = "", key: str | None = None) -> str:
        """`aggregates` per month and in total ('total'), per `key` too when given: no GROUPING SETS in SQLite, so
        the total is a second GROUP BY over the same (materialised) rows."""
        keys = f", {key}" if key else ""
        total = f"GROUP BY {key}" if key else ""
        return (f"SELECT month{keys}, {aggregates} FROM {source} {where} GROUP BY month{keys} "
                f"UNION ALL SELECT 'total'{keys}, {aggregates} FROM {source} {where} {total}")


def dialect_of(session):
    return Postgres if session.get_bind().dialect.name == "postgresql" else Sqlite


def activity_sql(dialect) -> str:
    def aggregates(names) -> str:
        return ", ".join(f'{ACTIVITY_COLUMNS[name]} AS "{name}"' for name in names)

    reason = "coalesce(reason, '(none)')"
    figures = ", ".join(f'coalesce({"c" if name in CONTACT_FIGURES else "e"}."{name}", 0)' for name in ACTIVITY_COLUMNS)
    return ACTIVITY_SQL.format(
        contact_month=dialect.contact_month("c.received_at"), event_month=dialect.event_month("e.occurred_on"),
        counted=", ".join(f"'{kind}'" for kind in COUNTED), figures=figures,
        contact_figures=dialect.by_month_and_total(aggregates(CONTACT_FIGURES), "contacts_counted"),
        event_figures=dialect.by_month_and_total(aggregates(EVENT_FIGURES), "events_counted"),
        reason_figures=dialect.by_month_and_total(
            "count(*), " + ", ".join("0" for _ in range(len(ACTIVITY_COLUMNS) - 1)),
            f"(SELECT month, {reason} AS reason FROM events_counted WHERE kind = 'withdrawn') withdrawn", key="reason"))


def timeliness_sql(dialect) -> str:
    pivot = ",\n           ".join(f"max(CASE WHEN m.kind = '{kind}' THEN m.{column} END) AS {kind}_{suffix}"
                                  for kind in PIVOT_KINDS for column, suffix in (("occurred_on", "on"), ("id", "id")))
    return TIMELINESS_SQL.format(
        pivot=pivot, days=dialect.days("c.s_on", "c.e_on"), due_by_months=dialect.plus_months("c.k_on", "c.months"),
        due_by_days=dialect.plus_days("c.k_on", "c.days"), median=dialect.median, ranked=dialect.ranked,
        extended_due=dialect.plus_days("due_on", "extension_days"),
        **{f"plus_{n}": dialect.plus_months("s_on", str(n)) for n in (4, 8, 12, 18)})


def run_activity(session, date_from: date, date_to: date) -> list:
    """The raw rows: (month or 'total', reason or None, figures...) as ACTIVITY_COLUMNS orders them."""
    statement = text(activity_sql(dialect_of(session))).bindparams(
        bindparam("received_from", clock.start_of_london_day(date_from), type_=UTCDateTime()),
        bindparam("received_before", clock.start_of_london_day(date_to + timedelta(days=1)), type_=UTCDateTime()),
        bindparam("date_from", date_from, type_=Date()), bindparam("date_to", date_to, type_=Date()))
    return session.execute(statement).all()


def run_timeliness(session, date_from: date, date_to: date) -> list:
    """The raw rows: one per measure with cases, the statistics then the buckets."""
    statement = text(timeliness_sql(dialect_of(session))).bindparams(
        bindparam("date_from", date_from, type_=Date()), bindparam("date_to", date_to, type_=Date()))
    return session.execute(statement).all()


def activity_figures(rows) -> tuple[dict, dict[str, dict]]:
    """The statement's rows in the report's JSON shape: the period's figures, and each month's."""
    periods: dict[str, dict] = {}
    for month, reason, *values in rows:
        figures = periods.setdefault(month, empty_activity())
        if reason is None:
            for name, value in zip(ACTIVITY_COLUMNS, values):
                _put(figures, name, int(value or 0))
        else:
            figures["withdrawals"]["by_reason"][reason] = int(values[0])
    return periods.pop("total"), periods


def empty_activity() -> dict:
    figures: dict = {}
    for name in ACTIVITY_COLUMNS:
        _put(figures, name, 0)
    figures["withdrawals"]["by_reason"] = {}
    return figures


def _put(figures: dict, dotted: str, value) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        figures = figures.setdefault(key, {})
    figures[leaf] = value


def timeliness_figures(rows) -> dict:
    """The statement's rows in the report's JSON shape (each statistic rounded as the report rounds it)."""
    found = {row.measure: row._mapping for row in rows}
    stats = {measure: _statistics(found.get(measure)) for measure in MEASURES}
    return {"stages": {"stage_1": stats["stage_1"], "stage_2": stats["stage_2"]},
            "roi_to_approval": {"all": stats["roi_to_approval"],
                                "excluding_fast_track": stats["roi_to_approval_excluding_fast_track"]},
            "fostering_assessment": {"all": stats["assessment"]}}


def _statistics(row) -> dict:
    if row is None:
        return {"count": 0, "mean_days": None, "median_days": None, "min_days": None, "max_days": None,
                "within_timescale": None, "within_timescale_count": 0, "timescale_applies": 0, "extended": 0,
                "extended_within_extension": 0, "buckets": dict.fromkeys(BUCKETS, 0)}
    applies = int(row["timescale_applies"])
    return {
        "count": int(row["count"]), "mean_days": round(float(row["mean_days"]), 1),
        "median_days": round(float(row["median_days"]), 1), "min_days": int(row["min_days"]),
        "max_days": int(row["max_days"]),
        "within_timescale": round(int(row["within_timescale_count"]) / applies, 4) if applies else None,
        "within_timescale_count": int(row["within_timescale_count"]), "timescale_applies": applies,
        "extended": int(row["extended"]), "extended_within_extension": int(row["extended_within_extension"]),
        "buckets": {bucket: int(row[bucket]) for bucket in BUCKETS},
    }
