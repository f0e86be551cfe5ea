"""The reports' reader gives, chunk by chunk, the frame that building it from all the rows at once gave (issue 17:
the chunks and the shared values are for memory only)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.households.models import Household, PartnerAuthority
from crm.reports.data import frames
from crm.reports.data.frames import raw, read_frame
from tests.factories import HouseholdFactory


def all_at_once(statement) -> pd.DataFrame:
    """The reader as it was: every row fetched, then one DataFrame."""
    result = db.session.connection().execute(statement)
    columns = list(result.keys())
    rows = result.cursor.fetchall()
    result.close()
    return pd.DataFrame.from_records(rows, columns=columns)


@pytest.fixture
def households(app_context):
    authority = PartnerAuthority(name="Northshire")
    db.session.add(authority)
    db.session.flush()
    for number in range(9):
        # no authority in the first chunks (all None there), then one; two postcodes and two dates repeated in
        # every chunk of three
        HouseholdFactory(partner_authority_id=authority.id if number >= 5 else None,
                         postcode=(None, "AB1 2CD", "AB1 2CD", "EF3 4GH", "EF3 4GH", "AB1 2CD", "EF3 4GH",
                                   "EF3 4GH", "AB1 2CD")[number],
                         first_enquiry_on=date(2025, 4, 1 + number % 2))
    db.session.flush()


@pytest.mark.parametrize("chunk_rows", [1, 2, 4, 20_000])
def test_chunks_give_the_frame_all_rows_gave(households, monkeypatch, chunk_rows):
    monkeypatch.setattr(frames, "CHUNK_ROWS", chunk_rows)
    statement = (select(Household.id, Household.partner_authority_id, Household.postcode,
                        raw(Household.first_enquiry_on), Household.first_enquiry_on.label("day"),
                        PartnerAuthority.name)
                 .outerjoin(PartnerAuthority, PartnerAuthority.id == Household.partner_authority_id)
                 .order_by(Household.id))
    expected, found = all_at_once(statement), read_frame(statement)
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
    assert len(found) == 9 and found["partner_authority_id"].isna().sum() == 5


def test_no_rows_gives_the_columns(app_context):
    statement = select(Household.id, Household.postcode).where(Household.id < 0)
    pd.testing.assert_frame_equal(read_frame(statement), all_at_once(statement))


def test_repeated_values_are_shared_not_copied(households, monkeypatch):
    monkeypatch.setattr(frames, "CHUNK_ROWS", 3)  # three chunks, each with a repeated value
    found = read_frame(select(Household.postcode, raw(Household.first_enquiry_on)).order_by(Household.id))
    postcodes = [value for value in found["postcode"] if isinstance(value, str)]
    assert len({id(value) for value in postcodes}) == 2  # one object per distinct postcode, across chunks
    assert len({id(value) for value in found["first_enquiry_on"]}) == 2
