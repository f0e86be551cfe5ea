"""Each casework role's and a manager's hot pages (home, household page, check queue) through the test client, on a
bench database (issue 17): median wall ms, SQL ms (cursor events), statements and the process's CPU ms.

    python bench/hot_roles.py URL [REPEAT] [ROLE,ROLE,...] [-v]

Signs in bench user 1 of each role (bench/people.py), opens the first household allocated to them; -v prints each
page's four slowest statements."""
import statistics, sys, time, re
from sqlalchemy import event, select
from crm import create_app
from crm.extensions import db
from crm.auth.roles import Role
from bench.people import bench_email, BENCH_PASSWORD

url = sys.argv[1]
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
roles = sys.argv[3].split(",") if len(sys.argv) > 3 else ["recruitment_officer", "stage_one_worker", "assessing_social_worker", "manager"]
verbose = "-v" in sys.argv
app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
stmts = []
def before(conn, cursor, statement, params, context, executemany):
    conn.info["t0"] = time.perf_counter()
def after(conn, cursor, statement, params, context, executemany):
    stmts.append(((time.perf_counter() - conn.info["t0"]) * 1000, statement, params))
engine = db.state(app).engine if hasattr(db, "state") else None
with app.app_context():
    from crm.auth.models import User
    from crm.households.models import Household
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    targets = {}
    for role in roles:
        email = bench_email(Role(role), 1)
        user = db.session.scalar(select(User).where(User.email == email))
        hid = db.session.scalar(select(Household.id).where(Household.allocated_worker_id == user.id).order_by(Household.id))
        if hid is None:
            hid = db.session.scalar(select(Household.id).order_by(Household.id.desc()).limit(1))
        targets[role] = (email, hid)
    db.session.rollback()
for role, (email, hid) in targets.items():
    client = app.test_client()
    r = client.post("/sign-in", data={"email": email, "password": BENCH_PASSWORD})
    assert r.status_code in (302, 303), r.status_code
    pages = {"home": "/", "household": f"/households/{hid}"}
    if role in ("stage_one_worker", "assessing_social_worker", "manager"):
        pages["checks"] = "/checks"
    for name, path in pages.items():
        times, counts, sqls, cpus = [], [], [], []
        for n in range(repeat + 1):
            stmts.clear()
            t = time.perf_counter(); c = time.process_time(); resp = client.get(path); el = (time.perf_counter() - t) * 1000; cpu = (time.process_time() - c) * 1000
            assert resp.status_code == 200, (role, path, resp.status_code)
            if n:
                times.append(el); cpus.append(cpu); counts.append(len(stmts)); sqls.append(sum(s[0] for s in stmts))
        med = statistics.median(times)
        print(f"{role:25} {name:10} {med:8.1f} ms  sql {statistics.median(sqls):7.1f} ms  {max(counts):3d} statements  cpu {statistics.median(cpus):6.1f} ms  (min {min(times):.1f})", flush=True)
        if verbose:
            for ms, s, p in sorted(stmts, key=lambda x: -x[0])[:4]:
                flat = re.sub(r'\s+', ' ', s)[:400]; print(f"      {ms:7.1f} ms  {flat}  {str(p)[:150]}")
