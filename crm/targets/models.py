"""A yearly target per report measure (SPEC section 5: "a yearly target per measure (e.g. 80 approvals)")."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, str_enum


class TargetMeasure(StrEnum):
    """The measures a target can be set for: the activity report's figures of the same names."""

    ENQUIRY_HOUSEHOLDS = "enquiry_households"
    REGISTRATIONS_OF_INTEREST = "registrations_of_interest"
    STAGE_1_STARTS = "stage_1_starts"
    STAGE_2_STARTS = "stage_2_starts"
    APPROVALS = "approvals"

    @property
    def label(self) -> str:
        return MEASURE_LABELS[self]


MEASURE_LABELS = {
    TargetMeasure.ENQUIRY_HOUSEHOLDS: "Enquiries (households)",
    TargetMeasure.REGISTRATIONS_OF_INTEREST: "Registrations of interest",
    TargetMeasure.STAGE_1_STARTS: "Stage 1 starts",
    TargetMeasure.STAGE_2_STARTS: "Stage 2 starts",
    TargetMeasure.APPROVALS: "Approvals",
}
ALL_LINES_CONDITION = "service_line_code IS NULL"


class ReportTarget(Base):
    """The target for one measure in one financial year (`year_start`, a 1 April), for one service line or, with
    no service line, for the whole service. One per year, measure and service line: the partial unique index
    holds that for the whole-service target too, whose NULL service line a unique constraint would let repeat."""

    __tablename__ = "report_targets"
    __table_args__ = (
        UniqueConstraint("year_start", "measure", "service_line_code"),
        Index("ix_report_targets_one_all_lines_target", "year_start", "measure", unique=True,
              sqlite_where=text(ALL_LINES_CONDITION), postgresql_where=text(ALL_LINES_CONDITION)),
        CheckConstraint("target > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_start: Mapped[date]
    measure: Mapped[TargetMeasure] = mapped_column(str_enum(TargetMeasure, "target_measure"))
    service_line_code: Mapped[str | None] = mapped_column(ForeignKey("service_lines.code"))
    target: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=clock.now)

    service_line = relationship("ServiceLine")
    set_by = relationship("User")
