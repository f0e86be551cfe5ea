"""The two-level channel taxonomy (SPEC section 6): adding, renaming, deactivating and reactivating channels.

A channel something refers to is never deleted: deactivated, it is no longer offered for new enquiries and keeps
its place on the contacts, campaigns and credits that name it. Audited; the caller commits.
"""
from __future__ import annotations

from sqlalchemy import func, select

from crm.audit.services import record_event
from crm.enquiries.models import EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.marketing.models import AttributionCredit, CampaignChannel, Channel, ChannelRule
from crm.marketing.services import clean_name, flush_or_refuse

PATH_SEPARATOR = ">"
MAX_NAME = 120


def channel_tree() -> list[tuple[Channel, list[Channel]]]:
    """Top-level channels by name, each with its sub-channels by name."""
    channels = list(db.session.scalars(select(Channel)))
    tops = sorted((c for c in channels if c.parent_id is None), key=lambda c: c.name.lower())
    return [(top, sorted((c for c in channels if c.parent_id == top.id), key=lambda c: c.name.lower()))
            for top in tops]


def channels_in_use() -> set[int]:
    """Channels something refers to (a contact, a campaign, a rule, a credit, a sub-channel): never deleted."""
    used = set()
    for column in (EnquiryContact.channel_id, CampaignChannel.channel_id, ChannelRule.channel_id,
                   AttributionCredit.channel_id, Channel.parent_id):
        used |= set(db.session.scalars(select(column).where(column.is_not(None)).distinct()))
    return used


def add_channel(name: str, parent: Channel | None, *, actor) -> Channel:
    """A top-level channel, or a sub-channel of an active top-level one: the taxonomy has two levels."""
    name = clean_name(name)
    if parent is not None and parent.parent_id is not None:
        raise DomainError(f"{parent.path} is a sub-channel: choose a top-level channel", "parent")
    if parent is not None and not parent.active:
        raise DomainError(f"{parent.name} is not in use: reactivate it first", "parent")
    _check_channel_name(name, parent.id if parent else None)
    channel = Channel(name=name, parent=parent, active=True)
    db.session.add(channel)
    flush_or_refuse(f"There is already a channel called {name} there", "name")
    record_event(db.session, "channel_added", actor=actor, object_type="channel", object_id=channel.id,
                 detail={"path": channel.path})
    return channel


def rename_channel(channel: Channel, name: str, *, actor) -> None:
    """Contacts, campaigns and rules refer to the channel, not its name, so they follow the new name."""
    name, before = clean_name(name), channel.path
    _check_channel_name(name, channel.parent_id, channel.id)
    channel.name = name
    flush_or_refuse(f"There is already a channel called {name} there", "name")
    record_event(db.session, "channel_renamed", actor=actor, object_type="channel", object_id=channel.id,
                 detail={"before": before, "after": channel.path})


def _check_channel_name(name: str, parent_id: int | None, own_id: int | None = None) -> None:
    if not name:
        raise DomainError("Enter the name of the channel", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The name must be {MAX_NAME} characters or fewer", "name")
    if PATH_SEPARATOR in name:
        raise DomainError(f"The name cannot contain {PATH_SEPARATOR}: it separates a channel from its "
                          "sub-channel", "name")
    clash = select(Channel.id).where(func.lower(Channel.name) == name.lower(), Channel.id != (own_id or 0),
                                     Channel.parent_id.is_(None) if parent_id is None
                                     else Channel.parent_id == parent_id)
    if db.session.scalar(clash) is not None:
        where = "at the top level" if parent_id is None else "within that channel"
        raise DomainError(f"There is already a channel called {name} {where}", "name")


def set_channel_active(channel: Channel, active: bool, *, actor) -> list[Channel]:
    """Deactivate (a top-level channel takes its sub-channels with it) or reactivate one channel. An inactive
    channel is no longer offered for new enquiries; the contacts and campaigns that name it keep it."""
    if active and channel.parent is not None and not channel.parent.active:
        raise DomainError(f"Reactivate {channel.parent.name} first", "channel")
    changed = [channel] if active else [channel, *db.session.scalars(
        select(Channel).where(Channel.parent_id == channel.id, Channel.active))]
    for each in changed:
        each.active = active
    db.session.flush()
    record_event(db.session, "channel_reactivated" if active else "channel_deactivated", actor=actor,
                 object_type="channel", object_id=channel.id, detail={"channels": [c.path for c in changed]})
    return changed


def delete_channel(channel: Channel, *, actor) -> None:
    """Only a channel nothing refers to (one added by mistake): a channel in use is deactivated instead."""
    if channel.id in channels_in_use():
        raise DomainError(f"{channel.path} is in use, so it cannot be deleted: deactivate it instead", "channel")
    record_event(db.session, "channel_deleted", actor=actor, object_type="channel", object_id=channel.id,
                 detail={"path": channel.path})
    db.session.delete(channel)
    db.session.flush()
