"""Statutory checks (SPEC section 3): the catalogue of check types, and each check of a person or application."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, and_, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum


class CheckAppliesTo(StrEnum):
    """Who in a household needs a check."""

    EVERY_ADULT = "every_adult"
    EACH_APPLICANT = "each_applicant"
    EACH_CHILD = "each_child"
    EACH_APPLICATION = "each_application"

    @property
    def label(self) -> str:
        return APPLIES_TO_LABELS[self]


APPLIES_TO_LABELS = {
    CheckAppliesTo.EVERY_ADULT: "Every adult (18 or over) in the household",
    CheckAppliesTo.EACH_APPLICANT: "Each applicant",
    CheckAppliesTo.EACH_CHILD: "Each child in the household",
    CheckAppliesTo.EACH_APPLICATION: "Once for the application",
}
# The kinds whose checks concern one person (the others concern the application as a whole).
PERSON_LEVEL = (CheckAppliesTo.EVERY_ADULT, CheckAppliesTo.EACH_APPLICANT, CheckAppliesTo.EACH_CHILD)


class CheckRule(StrEnum):
    """A circumstance of the person that must hold for the check to apply."""

    LIVED_ABROAD = "lived_abroad"
    EMPLOYED = "employed"
    PREVIOUS_RELATIONSHIP = "previous_relationship"
    FOSTERED_RECENTLY = "fostered_recently"

    def label(self, months: int | None) -> str:
        return {
            CheckRule.LIVED_ABROAD: f"who lived abroad as an adult for more than {months} months",
            CheckRule.EMPLOYED: "who is employed",
            CheckRule.PREVIOUS_RELATIONSHIP: "who had a significant previous relationship",
            CheckRule.FOSTERED_RECENTLY: f"who fostered in the last {months} months",
        }[self]


class CheckOutcome(StrEnum):
    """Special-category data: only the roles of crm.checks.services.OUTCOME_ROLES may see it."""

    CLEAR = "clear"
    INFORMATION_DISCLOSED = "information_disclosed"
    CONCERN = "concern"
    NOT_REQUIRED = "not_required"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


check_type_service_lines = Table(
    "check_type_service_lines", Base.metadata,
    Column("check_type_id", ForeignKey("check_types.id", ondelete="CASCADE"), primary_key=True),
    Column("service_line_code", ForeignKey("service_lines.code"), primary_key=True),
)


class CheckType(Base):
    """One check of the catalogue: who needs it, under which rule, in how many days, for which service lines."""

    __tablename__ = "check_types"
    __table_args__ = (
        CheckConstraint("default_days > 0", name="default_days_positive"),
        CheckConstraint("rule_months IS NULL OR rule_months >= 0", name="rule_months_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    applies_to: Mapped[CheckAppliesTo] = mapped_column(str_enum(CheckAppliesTo, "check_applies_to"))
    rule: Mapped[CheckRule | None] = mapped_column(str_enum(CheckRule, "check_rule"))
    rule_months: Mapped[int | None]
    default_days: Mapped[int]
    # The named steps of a check in several parts (DBS), in order; each check gets one CheckPart per name.
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    # None listed means every service line.
    service_lines = relationship("ServiceLine", secondary=check_type_service_lines, order_by="ServiceLine.code")

    @property
    def who(self) -> str:
        """Who needs it, in words: 'Each applicant who is employed'."""
        base = self.applies_to.label
        return f"{base} {self.rule.label(self.rule_months)}" if self.rule else base


class CheckInstance(Base):
    """One check of one person (or of the application as a whole) on one application."""

    __tablename__ = "checks"
    __table_args__ = (
        UniqueConstraint("application_id", "person_id", "check_type_id"),
        # NULLs are distinct in a unique constraint: application-level checks need their own, partial, index.
        Index("uq_checks_application_level", "application_id", "check_type_id", unique=True,
              sqlite_where=text("person_id IS NULL"), postgresql_where=text("person_id IS NULL")),
        # "Open checks due on or before D" (the escalation jobs, the queue) reads only the open ones.
        Index("ix_checks_open_due_on", "due_on",
              sqlite_where=text("received_on IS NULL"), postgresql_where=text("received_on IS NULL")),
        CheckConstraint("(received_on IS NULL) = (outcome IS NULL)", name="received_with_outcome"),
        CheckConstraint("(requested_on IS NULL) = (due_on IS NULL)", name="due_when_requested"),
        CheckConstraint("received_on IS NULL OR requested_on IS NULL OR received_on >= requested_on",
                        name="received_after_requested"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    # No index of its own: the unique constraint (application_id, person_id, check_type_id) leads with it.
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    check_type_id: Mapped[int] = mapped_column(ForeignKey("check_types.id"), index=True)
    requested_on: Mapped[date | None]
    due_on: Mapped[date | None]
    received_on: Mapped[date | None]
    outcome: Mapped[CheckOutcome | None] = mapped_column(str_enum(CheckOutcome, "check_outcome"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The latest of the chases (kept here so the queue and the escalation jobs need not read check_chases).
    last_chased_on: Mapped[date | None]
    # Set when the stage that started the check is undone, cleared when it is recorded again (who and why: audit).
    withdrawn_at: Mapped[datetime | None]
    # When a received check lapses (DBS renewal, medicals: crm/checks/expiry.py); the expiry job reminds its owner.
    expires_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    application = relationship("Application")
    person = relationship("Person")
    check_type: Mapped[CheckType] = relationship()
    owner = relationship("User")
    chases: Mapped[list[CheckChase]] = relationship(back_populates="check", cascade="all, delete-orphan",
                                                    order_by="(CheckChase.chased_on, CheckChase.id)")
    parts: Mapped[list[CheckPart]] = relationship(back_populates="check", cascade="all, delete-orphan",
                                                  order_by="CheckPart.position")

    @hybrid_property
    def is_open(self) -> bool:
        """Outstanding: neither received nor withdrawn (also a SQL condition, for the queue and the jobs)."""
        return self.received_on is None and self.withdrawn_at is None

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return and_(cls.received_on.is_(None), cls.withdrawn_at.is_(None))


class CheckChase(Base):
    """One chase of a check: when, by whom, and what was said."""

    __tablename__ = "check_chases"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    check_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    chased_on: Mapped[date]
    chased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    check: Mapped[CheckInstance] = relationship(back_populates="chases")
    chased_by = relationship("User")


class CheckPart(Base):
    """One step of a check in several parts (DBS: applicant online, identity documents verified, HR submitted)."""

    __tablename__ = "check_parts"
    __table_args__ = (UniqueConstraint("check_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    check_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    completed_on: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    check: Mapped[CheckInstance] = relationship(back_populates="parts")
