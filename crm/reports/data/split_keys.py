"""The split value of each row, for reports split by service line, partner authority, team or channel.

Added to a report's one query as a column named `split` (with the joins it needs), so splitting costs no extra
query. Month and quarter splits come from each counted event's own date instead (crm.reports.data.months.period_key).
"""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from crm.auth.models import Team
from crm.enquiries.models import EnquiryContact
from crm.households.models import Application, Household, PartnerAuthority
from crm.marketing.models import Channel
from crm.reports.base import Split

NOT_RECORDED = "Not recorded"
BY_ROW = (Split.SERVICE_LINE, Split.PARTNER_AUTHORITY, Split.TEAM, Split.CHANNEL)


def with_split(statement: Select, by: Split | None) -> Select:
    """`statement` (which selects from applications joined to households) with a `split` column when `by` splits
    by a property of the application or household; unchanged otherwise. Missing values come back as None: read
    them with `split_values`."""
    if by is Split.SERVICE_LINE:
        return statement.add_columns(Application.service_line_code.label("split"))
    if by is Split.PARTNER_AUTHORITY:
        return (statement.add_columns(PartnerAuthority.name.label("split"))
                .outerjoin(PartnerAuthority, PartnerAuthority.id == Household.partner_authority_id))
    if by is Split.TEAM:
        return statement.add_columns(Team.name.label("split")).outerjoin(Team, Team.id == Household.team_id)
    if by is Split.CHANNEL:
        return _with_first_channel(statement)
    return statement


def _with_first_channel(statement: Select) -> Select:
    """The top-level channel of the household's first enquiry contact (earliest received, then first recorded);
    None when the household has no contact or its first contact has no channel."""
    ranked = select(EnquiryContact.household_id, EnquiryContact.channel_id,
                    func.row_number().over(partition_by=EnquiryContact.household_id,
                                           order_by=(EnquiryContact.received_at, EnquiryContact.id)).label("n")
                    ).subquery("ranked_contacts")
    first = select(ranked.c.household_id, ranked.c.channel_id).where(ranked.c.n == 1).subquery("first_contact")
    parent = aliased(Channel, name="parent_channel")
    return (statement.add_columns(func.coalesce(parent.name, Channel.name).label("split"))
            .outerjoin(first, first.c.household_id == Household.id)
            .outerjoin(Channel, Channel.id == first.c.channel_id)
            .outerjoin(parent, parent.id == Channel.parent_id))


def split_values(values):
    """The split column as labels: a missing partner authority, team or channel is 'Not recorded'."""
    return values.fillna(NOT_RECORDED).astype(str)
