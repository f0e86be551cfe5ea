"""Households, the people in them, their applications, and the partner authorities and service lines they belong to."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (JSON, Computed, ForeignKey, Index, String, Text, UniqueConstraint, false as sa_false, func,
                        literal_column, text, true as sa_true)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm import clock
from crm.db import Base, only_on, str_enum
from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import OPEN_STATUSES, Stage, Status
from crm.households.phones import normalise_phone


class ServiceLine(Base):
    """adoption, fostering_mainstream, fostering_connected, early_permanence (SPEC section 2)."""

    __tablename__ = "service_lines"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))

    @property
    def short_name(self) -> str:
        return SHORT_NAMES.get(self.code, self.name)


SHORT_NAMES = {ServiceLineCode.ADOPTION: "Adoption", ServiceLineCode.FOSTERING_MAINSTREAM: "Mainstream fostering",
               ServiceLineCode.FOSTERING_CONNECTED: "Connected persons",
               ServiceLineCode.EARLY_PERMANENCE: "Early permanence"}


class PartnerAuthority(Base):
    """A local authority on whose behalf the service recruits."""

    __tablename__ = "partner_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # A deactivated authority stays on the records that name it but is not offered for new ones.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())


class PersonRole(StrEnum):
    APPLICANT = "applicant"
    OTHER_ADULT = "other_adult"
    CHILD = "child"


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    partner_authority_id: Mapped[int | None] = mapped_column(ForeignKey("partner_authorities.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    allocated_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # Duplicate matching (crm.enquiries.services.find_matches) compares these by index. Computed by the database, so
    # every writer (ORM, Core bulk inserts of imports and the bench generator, SQL) keeps them right.
    email_normalised: Mapped[str | None] = mapped_column(String(254), Computed("lower(email)", persisted=True),
                                                         index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    # Set with phone, whoever writes it (enquiries, imports, the demo): duplicate matching and search compare this.
    phone_normalised: Mapped[str | None] = mapped_column(String(40), index=True)
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(120))
    postcode: Mapped[str | None] = mapped_column(String(10), index=True)
    postcode_normalised: Mapped[str | None] = mapped_column(
        String(10), Computed("replace(upper(postcode), ' ', '')", persisted=True), index=True)
    relationship_status: Mapped[str | None] = mapped_column(String(60))
    first_enquiry_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Legal hold (crm.dataprotection.holds): never anonymised or erased while set.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_set_at: Mapped[datetime | None]
    legal_hold_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set once its personal data is removed (crm.dataprotection.anonymise): the retention rule's code, or "erasure".
    anonymised_at: Mapped[datetime | None]
    anonymised_rule: Mapped[str | None] = mapped_column(String(40))

    people: Mapped[list[Person]] = relationship(back_populates="household", cascade="all, delete-orphan", order_by="Person.id")
    applications: Mapped[list[Application]] = relationship(back_populates="household", cascade="all, delete-orphan", order_by="Application.id")
    partner_authority: Mapped[PartnerAuthority | None] = relationship()
    allocated_worker = relationship("User", foreign_keys=[allocated_worker_id])
    legal_hold_set_by = relationship("User", foreign_keys=[legal_hold_set_by_id])

    # Household search (crm.households.services.household_matches) on PostgreSQL: `LIKE '%text%'` reads a
    # trigram index (pg_trgm), the reference an index of its lower case. SQLite has neither; it reads the table.
    __table_args__ = (
        only_on("postgresql", Index("ix_households_email_trgm", "email_normalised", postgresql_using="gin",
                                    postgresql_ops={"email_normalised": "gin_trgm_ops"})),
        only_on("postgresql", Index("ix_households_phone_trgm", "phone_normalised", postgresql_using="gin",
                                    postgresql_ops={"phone_normalised": "gin_trgm_ops"})),
        only_on("postgresql", Index("ix_households_reference_lower", func.lower(text("reference")))),
    )

    @validates("phone")
    def _normalise_phone(self, _key: str, phone: str | None) -> str | None:
        self.phone_normalised = normalise_phone(phone)
        return phone

    @property
    def applicants(self) -> list[Person]:
        """The applicants still in the household."""
        return [p for p in self.people if p.role is PersonRole.APPLICANT and p.left_on is None]

    @property
    def display_name(self) -> str:
        names = [p.full_name for p in self.applicants]
        return " and ".join(names) if names else self.reference


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    role: Mapped[PersonRole] = mapped_column(str_enum(PersonRole, "person_role"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Matching compares surnames by index (crm.enquiries.services.find_matches); computed by the database.
    last_name_normalised: Mapped[str | None] = mapped_column(String(100), Computed("lower(last_name)", persisted=True),
                                                             index=True)
    date_of_birth: Mapped[date | None]
    ethnicity: Mapped[str | None] = mapped_column(String(80))
    sexual_orientation: Mapped[str | None] = mapped_column(String(60))
    disability: Mapped[str | None] = mapped_column(String(60))
    religion: Mapped[str | None] = mapped_column(String(60))
    # The day they left the household: kept on the record (history, checks already made), out of what comes next.
    left_on: Mapped[date | None]
    # Circumstances that decide which statutory checks a person needs (crm/checks/catalogue.py); None = not known.
    lived_abroad_months: Mapped[int | None]
    employed: Mapped[bool | None]
    previous_significant_relationship: Mapped[bool | None]
    fostered_in_last_12_months: Mapped[bool | None]

    household: Mapped[Household] = relationship(back_populates="people")

    # Household search by name on PostgreSQL (crm.households.services.full_name_lowered is the same expression).
    __table_args__ = (
        only_on("postgresql", Index(
            "ix_people_full_name_trgm",
            # As PostgreSQL gives the expression back, so that autogenerate finds it unchanged.
            literal_column("lower((first_name::text || ' '::text) || last_name::text)").label("full_name"),
            postgresql_using="gin", postgresql_ops={"full_name": "gin_trgm_ops"})),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class RecordChange(Base):
    """One correction of a household's or a person's details, field by field: the household timeline shows it.

    Kept here rather than in the audit log (which names only the fields), so that special-category values can be
    shown to those who may see them, hidden from the rest, and erased with the household's record.
    """

    __tablename__ = "record_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    # {"field": [before, after]}; values as shown to people (dates as ISO text), None for not given.
    changes: Mapped[dict] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A correction made by the applicant through the portal (crm.portal): the account, not a staff user.
    changed_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="SET NULL"))

    household: Mapped[Household] = relationship()
    person: Mapped[Person | None] = relationship()
    changed_by = relationship("User")
    changed_by_account = relationship("PortalAccount")


# OPEN_STATUSES as the partial index's SQL; crm.funnel.terms.is_open writes the same values inline so both
# databases' planners can prove a query's condition implies it (a bound parameter would hide the values).
OPEN_CONDITION = text("status IN ({})".format(", ".join(f"'{status.value}'" for status in OPEN_STATUSES)))


class Application(Base):
    """One household's application to one service line; its stage and status are the current state of its events."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("household_id", "service_line_code"),
        Index("ix_applications_stage_status", "stage", "status"),
        # Queues, the home page's counts and the check queue read open applications only (about a third of all):
        # a partial index holds just those. Its condition is crm.funnel.terms.is_open (OPEN_STATUSES).
        Index("ix_applications_open", "household_id", "stage",
              postgresql_where=OPEN_CONDITION, sqlite_where=OPEN_CONDITION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    service_line_code: Mapped[str] = mapped_column(ForeignKey("service_lines.code"))
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "stage"), default=Stage.ENQUIRY)
    stage_entered_on: Mapped[date]
    status: Mapped[Status] = mapped_column(str_enum(Status, "status"), default=Status.ACTIVE)
    status_changed_on: Mapped[date | None]
    fast_track: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    household: Mapped[Household] = relationship(back_populates="applications")
    service_line: Mapped[ServiceLine] = relationship()
    events = relationship("StageEvent", back_populates="application", cascade="all, delete-orphan", order_by="(StageEvent.occurred_on, StageEvent.id)")
