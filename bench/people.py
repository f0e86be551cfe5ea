"""The generator's people, users and checks (bench/generate.py writes the rows).

- People: one or two applicants (with the equality answers the demo gives), now and then another adult, and
  children; names from a fixed Faker list (seeded), never real people.
- Users: casework users in the bench teams, each household allocated to one whose role fits how far it got
  (recruitment officer before Stage 1, Stage 1 worker in Stage 1, assessing social worker after), plus managers,
  a marketing officer and an administrator; all with the password BENCH_PASSWORD, which the load harness signs in
  with (bench/load.py). A bench database is not a live one: never run the generator against real data.
- Checks: what the catalogue calls for when an application's checks begin (its first live Stage 1 or, on fast
  track, Stage 2: crm/checks/services.on_stage_entered), requested a few days later, chased when overdue, received
  with an outcome; nothing dated after today or after the application ended.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from faker import Faker
from sqlalchemy import select

from crm.auth.models import User, UserRole
from crm.auth.passwords import hash_password
from crm.auth.roles import Role
from crm.checks.catalogue import ADULT_YEARS
from crm.checks.models import CheckAppliesTo, CheckChase, CheckInstance, CheckOutcome, CheckPart, CheckRule, CheckType
from crm.checks.services import CHECK_ROLES
from crm.demo.services import _monitoring_answers
from crm.funnel.stages import Stage
from crm.households.models import PersonRole

BENCH_PASSWORD = "bench-load-password-2026"
BENCH_DOMAIN = "bench.example"
HOUSEHOLDS_PER_WORKER = 300  # per casework role: 1,000 of each at national scale
MAX_CHASES = 4
OUTCOMES = ((CheckOutcome.CLEAR, 0.9), (CheckOutcome.INFORMATION_DISCLOSED, 0.08), (CheckOutcome.CONCERN, 0.02))


def bench_email(role: Role, number: int) -> str:
    return f"bench-{role.value.replace('_', '-')}-{number:04d}@{BENCH_DOMAIN}"


class PeopleMaker:
    def __init__(self, rng, seed: int):
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        self.rng = rng
        self.first_names = sorted({fake.first_name() for _ in range(600)})
        self.last_names = sorted({fake.last_name() for _ in range(600)})

    def household(self, household_id: int, first_day: date, take, person_model) -> list[dict]:
        """Applicants first (1 or 2), then maybe another adult, then children."""
        rng = self.rng
        surname = rng.choice(self.last_names)
        people = [self._person(take(person_model), household_id, PersonRole.APPLICANT, surname, first_day, 25, 60)]
        if rng.random() < 0.8:
            people.append(self._person(take(person_model), household_id, PersonRole.APPLICANT,
                                       surname if rng.random() < 0.7 else rng.choice(self.last_names),
                                       first_day, 25, 60))
        if rng.random() < 0.1:
            people.append(self._person(take(person_model), household_id, PersonRole.OTHER_ADULT,
                                       rng.choice(self.last_names), first_day, 18, 80))
        for _ in range(rng.choices((0, 1, 2, 3), weights=(50, 25, 18, 7))[0]):
            people.append(self._person(take(person_model), household_id, PersonRole.CHILD, surname, first_day, 0, 17))
        return people

    def _person(self, person_id: int, household_id: int, role: PersonRole, surname: str, on: date,
                youngest: int, oldest: int) -> dict:
        rng = self.rng
        born = on - relativedelta(years=rng.randint(youngest, oldest), days=rng.randint(0, 364))
        adult = role is not PersonRole.CHILD
        answers = _monitoring_answers(rng) if role is PersonRole.APPLICANT else {}
        return {
            "id": person_id, "household_id": household_id, "role": role, "first_name": rng.choice(self.first_names),
            "last_name": surname, "date_of_birth": born, "ethnicity": answers.get("ethnicity"),
            "sexual_orientation": answers.get("sexual_orientation"), "disability": answers.get("disability"),
            "religion": answers.get("religion"), "left_on": None,
            "lived_abroad_months": (rng.randint(7, 60) if rng.random() < 0.1 else 0) if adult else None,
            "employed": rng.random() < 0.7 if adult else None,
            "previous_significant_relationship": rng.random() < 0.2 if adult else None,
            "fostered_in_last_12_months": rng.random() < 0.05 if adult else None,
        }


@dataclass(frozen=True)
class CatalogueEntry:
    id: int
    applies_to: CheckAppliesTo
    rule: CheckRule | None
    rule_months: int | None
    default_days: int
    parts: tuple[str, ...]
    lines: frozenset[str]  # empty: every service line


def catalogue(session) -> list[CatalogueEntry]:
    return [CatalogueEntry(t.id, t.applies_to, t.rule, t.rule_months, t.default_days, tuple(t.parts or ()),
                           frozenset(line.code for line in t.service_lines))
            for t in session.scalars(select(CheckType).where(CheckType.active).order_by(CheckType.id))]


def _meets_rule(entry: CatalogueEntry, person: dict) -> bool:
    """crm.checks.catalogue.meets_rule on a row."""
    if entry.rule is CheckRule.LIVED_ABROAD:
        return (person["lived_abroad_months"] or 0) > (entry.rule_months or 0)
    if entry.rule is CheckRule.EMPLOYED:
        return person["employed"] is True
    if entry.rule is CheckRule.PREVIOUS_RELATIONSHIP:
        return person["previous_significant_relationship"] is True
    if entry.rule is CheckRule.FOSTERED_RECENTLY:
        return person["fostered_in_last_12_months"] is True
    return True


def _concerns(entry: CatalogueEntry, person: dict, on: date) -> bool:
    """crm.checks.catalogue.concerns on a row."""
    adult = person["date_of_birth"] <= on - relativedelta(years=ADULT_YEARS)
    if entry.applies_to is CheckAppliesTo.EVERY_ADULT:
        who = adult
    elif entry.applies_to is CheckAppliesTo.EACH_APPLICANT:
        who = person["role"] is PersonRole.APPLICANT
    else:
        who = person["role"] is PersonRole.CHILD and not adult
    return who and _meets_rule(entry, person)


def add_checks(batch, rng, setting, ids, application_id: int, line: str, began: date, ended: date | None,
               members: list[dict]) -> None:
    """The application's checks, begun on `began`; `ended`: the day it was withdrawn, refused or approved."""
    last = min(setting.today, ended) if ended else setting.today
    for entry in setting.check_types:
        if entry.lines and line not in entry.lines:
            continue
        if entry.applies_to is CheckAppliesTo.EACH_APPLICATION:
            concerned = [None]
        else:
            concerned = [person["id"] for person in members if _concerns(entry, person, began)]
        for person_id in concerned:
            _check(batch, rng, setting, ids, application_id, person_id, entry, began, last)


def _check(batch, rng, setting, ids, application_id, person_id, entry: CatalogueEntry, began: date, last: date):
    from bench.generate import _noon  # the generator's timestamps (noon UTC, never after the cut-off)
    check_id = ids.take(CheckInstance)
    requested = began + timedelta(days=rng.randint(0, 7))
    requested = requested if requested <= last else None
    due = requested + timedelta(days=entry.default_days) if requested else None
    received = outcome = None
    if requested:
        arrives = requested + timedelta(days=int(entry.default_days * rng.uniform(0.4, 1.8)))
        if arrives <= last:
            received = arrives
            outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
    chased = []
    if due:
        until = received or last
        day = due + timedelta(days=rng.randint(1, 7))
        while day < until and len(chased) < MAX_CHASES:
            chased.append(day)
            day += timedelta(days=rng.randint(7, 14))
    batch[CheckInstance].append({
        "id": check_id, "application_id": application_id, "person_id": person_id, "check_type_id": entry.id,
        "requested_on": requested, "due_on": due, "received_on": received, "outcome": outcome, "owner_id": None,
        "last_chased_on": chased[-1] if chased else None, "withdrawn_at": None, "created_at": _noon(began, setting)})
    batch[CheckChase].extend({"id": ids.take(CheckChase), "check_id": check_id, "chased_on": day,
                              "chased_by_id": None, "note": "Chased by email", "recorded_at": _noon(day, setting)}
                             for day in chased)
    done_by = received or last
    for position, name in enumerate(entry.parts):
        completed = requested + timedelta(days=3 * position + rng.randint(0, 3)) if requested else None
        batch[CheckPart].append({"id": ids.take(CheckPart), "check_id": check_id, "name": name,
                                 "position": position, "completed_on": completed if completed and completed <= done_by
                                 else None, "completed_by_id": None})
    batch.counts.check_requests += requested is not None
    batch.counts.receipts += received is not None


CASEWORK_BY_STAGE = {Stage.STAGE_1: Role.STAGE_ONE_WORKER, Stage.STAGE_1_COMPLETED: Role.STAGE_ONE_WORKER}
LATER = (Stage.STAGE_2, Stage.PANEL, Stage.APPROVED)


class UserPool:
    """The bench users, by role and team; created once (the same emails on --append)."""

    def __init__(self, by_role_team: dict[tuple[Role, int], list[int]], by_role: dict[Role, list[int]]):
        self.by_role_team, self.by_role = by_role_team, by_role

    @classmethod
    def ensure(cls, session, households: int, teams: list[int]) -> UserPool:
        wanted = {role: max(len(teams), households // HOUSEHOLDS_PER_WORKER)  # one in each team at least
                  for role in (Role.RECRUITMENT_OFFICER, Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER)}
        wanted |= {Role.MANAGER: max(2, min(64, households // 5000)), Role.MARKETING_OFFICER: 2,
                   Role.ADMINISTRATOR: 1}
        existing = set(session.scalars(select(User.email).where(User.email.like(f"bench-%@{BENCH_DOMAIN}"))))
        password_hash = hash_password(BENCH_PASSWORD)  # once: argon2 is slow on purpose
        new = []
        for role, count in wanted.items():
            for number in range(1, count + 1):
                email = bench_email(role, number)
                if email not in existing:
                    user = User(email=email, full_name=f"Bench {role.label.lower()} {number}",
                                password_hash=password_hash, team_id=teams[(number - 1) % len(teams)])
                    user.role_rows = [UserRole(role=role)]
                    new.append(user)
        session.add_all(new)
        session.flush()
        by_role_team: dict = {}
        by_role: dict = {}
        rows = session.execute(select(User.id, User.team_id, UserRole.role).join(UserRole, UserRole.user_id == User.id)
                               .where(User.email.like(f"bench-%@{BENCH_DOMAIN}")).order_by(User.id))
        for user_id, team_id, role in rows:
            by_role_team.setdefault((role, team_id), []).append(user_id)
            by_role.setdefault(role, []).append(user_id)
        return cls(by_role_team, by_role)

    def worker_for(self, rng, furthest: Stage, team_id: int) -> tuple[int, bool]:
        """A worker of the household's team whose role fits its furthest stage; whether they own checks."""
        role = (CASEWORK_BY_STAGE.get(furthest)
                or (Role.ASSESSING_SOCIAL_WORKER if furthest in LATER else Role.RECRUITMENT_OFFICER))
        pool = self.by_role_team.get((role, team_id)) or self.by_role[role]
        return rng.choice(pool), role in CHECK_ROLES
