"""Information events, the households booked onto them and their attendance, and 1:1 consultations."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum
from crm.formatting import clock_time, long_date


class Attendance(StrEnum):
    NOT_RECORDED = "not_recorded"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS = {Attendance.NOT_RECORDED: "Not yet recorded", Attendance.ATTENDED: "Attended",
                     Attendance.DID_NOT_ATTEND: "Did not attend"}


class ConsultationMethod(StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"phone": "Phone", "video": "Video call", "in_person": "In person"}[self.value]


class InformationEvent(Base):
    """An information event: held at a venue or online, for one service line or (null) for all of them."""

    __tablename__ = "information_events"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)  # events not yet over: the household page's booking form
    online: Mapped[bool] = mapped_column(default=False)
    venue: Mapped[str | None] = mapped_column(Text)
    joining_link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    service_line_code: Mapped[str | None] = mapped_column(ForeignKey("service_lines.code"), index=True)
    partner_authority_id: Mapped[int | None] = mapped_column(ForeignKey("partner_authorities.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service_line = relationship("ServiceLine")
    partner_authority = relationship("PartnerAuthority")
    created_by = relationship("User", foreign_keys=[created_by_id])
    bookings: Mapped[list[EventBooking]] = relationship(back_populates="event", order_by="EventBooking.id")

    @property
    def starts_local(self) -> datetime:
        return clock.in_london(self.starts_at)

    @property
    def ends_local(self) -> datetime:
        return clock.in_london(self.ends_at)

    @property
    def on(self) -> date:
        """The event's date in England: the date its attendance is recorded on."""
        return self.starts_local.date()

    @property
    def starts_text(self) -> str:
        """For example '7pm on 5 December 2026' (GOV.UK style)."""
        return f"{clock_time(self.starts_local)} on {long_date(self.starts_local)}"

    @property
    def times_text(self) -> str:
        """For example '10am to 12:30pm'."""
        return f"{clock_time(self.starts_local)} to {clock_time(self.ends_local)}"

    @property
    def when_text(self) -> str:
        """For example 'Saturday 5 December 2026, 10am to 12:30pm'."""
        return f"{long_date(self.starts_local, weekday=True)}, {self.times_text}"


class EventBooking(Base):
    """One household's place at an event; a cancelled booking frees the place and may be re-booked."""

    __tablename__ = "event_bookings"
    __table_args__ = (
        UniqueConstraint("event_id", "household_id"),
        # Reports count attendances by date and treat each as a marketing touchpoint.
        Index("ix_event_bookings_attendance_attended_on", "attendance", "attended_on"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("information_events.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[datetime] = mapped_column(default=clock.now)
    attendance: Mapped[Attendance] = mapped_column(str_enum(Attendance, "attendance"), default=Attendance.NOT_RECORDED)
    # The event's date, set when the household attended: reports read it without converting time zones.
    attended_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event: Mapped[InformationEvent] = relationship(back_populates="bookings")
    household = relationship("Household")
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    moves: Mapped[list[AttendanceStageMove]] = relationship(back_populates="booking")


class Consultation(Base):
    """A 1:1 consultation that stands in for an information event (SPEC section 2: recorded as such)."""

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_held_on", "held_on"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    method: Mapped[ConsultationMethod] = mapped_column(str_enum(ConsultationMethod, "consultation_method"))
    held_on: Mapped[date]
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Null: about every service line the household is interested in.
    service_line_code: Mapped[str | None] = mapped_column(ForeignKey("service_lines.code"))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    household = relationship("Household")
    held_by = relationship("User", foreign_keys=[held_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    service_line = relationship("ServiceLine")
    moves: Mapped[list[AttendanceStageMove]] = relationship(back_populates="consultation")


class AttendanceStageMove(Base):
    """Which stage event an attendance or consultation caused: so a later change can tell whether it moved the funnel,
    and reports can tell an event from a consultation."""

    __tablename__ = "attendance_stage_moves"
    __table_args__ = (
        CheckConstraint("(booking_id IS NULL) <> (consultation_id IS NULL)", name="one_source"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    stage_event_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("stage_events.id", ondelete="CASCADE"), unique=True)
    booking_id: Mapped[int | None] = mapped_column(BigIntKey, ForeignKey("event_bookings.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(BigIntKey, ForeignKey("consultations.id", ondelete="CASCADE"), index=True)

    stage_event = relationship("StageEvent")
    booking: Mapped[EventBooking | None] = relationship(back_populates="moves")
    consultation: Mapped[Consultation | None] = relationship(back_populates="moves")
