"""The load harness end to end at a tiny scale: gunicorn on a committed bench database, signed-in users of each
role on the pages and reports, and public intake, where every 2xx answer is a stored contact."""
from __future__ import annotations

from datetime import date

import pytest

from bench import load
from bench.generate import generate
from crm import migrate
from crm.extensions import Database, db, limiter
from tests.conftest import fresh_database_url, make_test_app

pytestmark = pytest.mark.processes


@pytest.fixture
def bench_database(app, database_kind, tmp_path_factory) -> str:
    """A committed bench database. The apps made for it (here and in the harness) take Flask-Limiter's one Limiter
    over, so the suite's app gets it back afterwards."""
    url = fresh_database_url(database_kind, tmp_path_factory, "load")
    migrate.upgrade(url)
    bench_app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    with bench_app.app_context():
        generate(db.session, households=300, seed=4, today=date(2026, 6, 30), progress=False)
        db.session.commit()
    Database.state(bench_app).engine.dispose()
    yield url
    limiter.init_app(app)


def test_the_harness_drives_every_scenario_and_counts_what_intake_stored(bench_database, capsys):
    names = ["household", "home", "checks", "activity", "timeliness", "intake"]
    results = load.run(bench_database, names, ["closed"], duration=0.8, closed_users=2, workers=2)
    assert [result.scenario.name for result in results] == names
    for result in results:
        assert result.count > 0 and result.server_errors == 0 and result.sample.errors == 0, result.scenario.name
        assert set(result.sample.statuses) <= {200, 201}, (result.scenario.name, set(result.sample.statuses))
        assert result.percentile(0.5) <= result.percentile(0.95) <= result.percentile(0.99)
    activity = results[3]
    assert len(activity.sample.first) == 2  # each manager's first answer (computed: the version was moved)
    intake = results[-1]
    assert intake.users == 2 and intake.accepted == intake.count and intake.stored == intake.accepted  # none lost
    printed = load.table(results, "sqlite")
    assert "/ >= 100" in printed and "stored/2xx" in printed and f"{intake.stored:,} / {intake.accepted:,} ok" in printed
    # where the cores went: gunicorn served every request, so it used CPU in every run; SQLite is inside gunicorn
    postgresql = bench_database.startswith("postgresql")
    assert (sum(result.cpu["database"] for result in results) > 0) == postgresql
    assert all(result.cpu["app"] > 0 and result.cpu["harness"] > 0 and result.cpu["database"] >= 0
               and result.cpu["machine"] >= result.cpu["app"] for result in results)
    cpu = load.cpu_lines(results)
    assert cpu.count("\n") == len(results) and "\nhousehold   closed app " in cpu
