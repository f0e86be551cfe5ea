"""The UTM rules (SPEC section 6): which channel a web contact came through, from its utm_source, utm_medium,
utm_campaign and referrer.

Rules are tried in priority order (lowest number first, then oldest first); the first whose every filled-in field
matches names the channel. Tags match without regard to case; `referrer_contains` matches anywhere in the referring
page's address. The matching is one SQL CASE expression, used alike to update every contact at once and to test
one address on the rules page, so the page and the data never disagree. Changes are audited; the caller commits.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Integer, String, and_, case, func, literal, null, or_, select, update
from sqlalchemy.orm import Session, aliased

from crm.audit.services import record_event
from crm.enquiries.models import EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.marketing.models import Channel, ChannelRule

MATCH_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "referrer_contains")
MAX_PRIORITY = 9999
MAX_TAG = 200
CHUNK = 5000  # contact ids per statement: PostgreSQL takes at most 65,535 parameters


@dataclass(frozen=True)
class RuleDetails:
    priority: int
    channel_id: int
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    referrer_contains: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Tags:
    """What a web contact arrived with."""

    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    referrer: str | None = None


# Matching

def rules_in_order(session: Session, *, active_only: bool = False) -> list[ChannelRule]:
    query = select(ChannelRule).order_by(ChannelRule.priority, ChannelRule.id)
    return list(session.scalars(query.where(ChannelRule.active) if active_only else query))


def _condition(rule: ChannelRule, source, medium, campaign, referrer):
    """The rule's filled-in fields, each compared without regard to case (SQL lower() on both sides)."""
    tests = [func.lower(column) == func.lower(literal(value, String))
             for value, column in ((rule.utm_source, source), (rule.utm_medium, medium), (rule.utm_campaign, campaign))
             if value]
    if rule.referrer_contains:
        pattern = "%" + rule.referrer_contains.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        tests.append(func.lower(referrer).like(func.lower(literal(pattern, String)), escape="/"))
    return and_(*tests)


def first_match(rules: list[ChannelRule], tags: tuple, then):
    """CASE: `then(rule)` of the first rule (in the order given) whose fields all match `tags` (SQL expressions for
    source, medium, campaign and referrer); NULL when none does. A rule with no field to match never matches."""
    whens = [(_condition(rule, *tags), then(rule)) for rule in rules
             if any(getattr(rule, name) for name in MATCH_FIELDS)]
    return case(*whens, else_=null()) if whens else null()


def matching_rule(session: Session, tags: Tags) -> ChannelRule | None:
    """The active rule that names the channel of a contact arriving with these tags, or None."""
    rules = rules_in_order(session, active_only=True)
    values = tuple(literal(value, String) for value in (tags.source, tags.medium, tags.campaign, tags.referrer))
    rule_id = session.scalar(select(first_match(rules, values, lambda rule: literal(rule.id, Integer))))
    return session.get(ChannelRule, rule_id) if rule_id is not None else None


def apply_rules(session: Session, *, contact_ids=None) -> int:
    """Name the channel of every contact a person did not (no channel, or one a rule set) from the active rules,
    at once in SQL; a contact no rule matches any longer loses the rule's channel. Returns the contacts changed."""
    tags = (EnquiryContact.utm_source, EnquiryContact.utm_medium, EnquiryContact.utm_campaign,
            EnquiryContact.referrer)
    new = first_match(rules_in_order(session, active_only=True), tags, lambda rule: literal(rule.channel_id, Integer))
    statement = (update(EnquiryContact)
                 .where(or_(EnquiryContact.channel_from_rule,
                            and_(EnquiryContact.channel_id.is_(None), or_(*(tag.is_not(None) for tag in tags)))),
                        new.is_distinct_from(EnquiryContact.channel_id))
                 .values(channel_id=new, channel_from_rule=new.is_not(None))
                 .execution_options(synchronize_session=False))
    if contact_ids is None:
        return run_update(session, statement)
    return sum(run_update(session, statement.where(EnquiryContact.id.in_(chunk))) for chunk in chunks(contact_ids))


def chunks(ids) -> Iterator[list[int]]:
    """The ids, CHUNK at a time, for statements that name them."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def run_update(session: Session, statement) -> int:
    """Run an UPDATE of contacts; the rows it changed. Contacts already loaded in the session are expired, so they
    read the new values."""
    changed = session.execute(statement).rowcount
    for loaded in [obj for obj in session.identity_map.values() if isinstance(obj, EnquiryContact)]:
        session.expire(loaded, ["channel_id", "channel_from_rule", "campaign_id"])
    return changed


def tags_from_address(address: str, referrer: str | None = None) -> Tags:
    """The utm_ tags in a link's query string (the first of each), as the public form keeps them."""
    query = parse_qs(urlsplit(address.strip()).query)

    def tag(name: str) -> str | None:
        return (query.get(f"utm_{name}") or [""])[0].strip()[:MAX_TAG] or None

    return Tags(tag("source"), tag("medium"), tag("campaign"), (referrer or "").strip() or None)


# Changing the rules

def channel_choices(keep: int | None = None) -> list[tuple[int, str]]:
    """Channels a rule may name, by path: those in use, and the rule's own even if no longer in use."""
    parent = aliased(Channel)
    rows = db.session.execute(select(Channel.id, Channel.name, parent.name)
                              .outerjoin(parent, parent.id == Channel.parent_id)
                              .where(or_(and_(Channel.active, or_(parent.active.is_(None), parent.active)),
                                         Channel.id == (keep or 0))))
    paths = [(id_, f"{parent_name} > {name}" if parent_name else name) for id_, name, parent_name in rows]
    return sorted(paths, key=lambda choice: choice[1].lower())


def add_rule(details: RuleDetails, *, actor) -> ChannelRule:
    rule = ChannelRule()
    _apply(rule, details)
    db.session.add(rule)
    db.session.flush()
    record_event(db.session, "channel_rule_added", actor=actor, object_type="channel_rule", object_id=rule.id,
                 detail={"after": _snapshot(rule)})
    return rule


def update_rule(rule: ChannelRule, details: RuleDetails, *, actor) -> None:
    before = _snapshot(rule)
    _apply(rule, details)
    db.session.flush()
    record_event(db.session, "channel_rule_changed", actor=actor, object_type="channel_rule", object_id=rule.id,
                 detail={"before": before, "after": _snapshot(rule)})


def _apply(rule: ChannelRule, details: RuleDetails) -> None:
    """Check the details against every rule, then copy them onto the rule."""
    fields = {name: (getattr(details, name) or "").strip() or None for name in MATCH_FIELDS}
    _check(rule, details, fields)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.priority, rule.channel_id, rule.active = details.priority, details.channel_id, details.active


def _check(rule: ChannelRule, details: RuleDetails, fields: dict[str, str | None]) -> None:
    if not any(fields.values()):
        raise DomainError("Fill in at least one tag, or part of the referring address, for the rule to match",
                          "utm_source")
    for name, value in fields.items():
        if value and len(value) > MAX_TAG:
            raise DomainError(f"This must be {MAX_TAG} characters or fewer", name)
    if not 0 <= details.priority <= MAX_PRIORITY:
        raise DomainError(f"The priority must be a whole number from 0 to {MAX_PRIORITY}", "priority")
    if details.channel_id not in {id_ for id_, _ in channel_choices(rule.channel_id)}:
        raise DomainError("Choose a channel from the list", "channel")
    if details.active and (twin := _twin(rule, fields)) is not None:
        raise DomainError(f"The rule at priority {twin.priority} already matches exactly these tags: change that rule "
                          "instead", "utm_source")


def _twin(rule: ChannelRule, fields: dict[str, str | None]) -> ChannelRule | None:
    """Another rule in use matching exactly the same tags: one of the two could never apply."""
    same = [func.lower(getattr(ChannelRule, name)) == value.lower() if value else getattr(ChannelRule, name).is_(None)
            for name, value in fields.items()]
    return db.session.scalar(select(ChannelRule).where(ChannelRule.active, ChannelRule.id != (rule.id or 0), *same)
                             .order_by(ChannelRule.priority).limit(1))


def _snapshot(rule: ChannelRule) -> dict:
    return {"priority": rule.priority, **{name: getattr(rule, name) for name in MATCH_FIELDS},
            "channel_id": rule.channel_id, "active": rule.active}


def describe(rule: ChannelRule) -> str:
    """What the rule matches, in words: 'utm_source is facebook and utm_medium is paid_social'."""
    parts = [f"{name} is {getattr(rule, name)}" for name in MATCH_FIELDS[:3] if getattr(rule, name)]
    if rule.referrer_contains:
        parts.append(f"the referrer contains {rule.referrer_contains}")
    return " and ".join(parts)

