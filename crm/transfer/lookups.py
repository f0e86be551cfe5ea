"""The configured names an import refers to (service lines, partner authorities, channels), read once per file."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from crm.extensions import db
from crm.funnel.reasons import services as withdrawal_reasons
from crm.funnel.reasons.models import WithdrawalReason
from crm.households.authorities import authority_key
from crm.households.models import Household, PartnerAuthority, ServiceLine
from crm.marketing.models import Channel
from crm.transfer.cells import CellProblem, word
from crm.transfer.formats import Value


class UnknownAuthority(CellProblem):
    """A partner authority Hearth does not hold: a households import lists each once, with its rows."""


@dataclass(frozen=True)
class Lookups:
    service_lines: dict[str, str]  # code, or name in lower case -> code
    authorities: dict[str, int]  # name in lower case -> id
    channel_by_path: dict[str, int]  # "parent > child" (or a top-level name) in lower case -> id
    channels_by_name: dict[str, list[int]]  # a channel's own name in lower case -> ids (names repeat across parents)
    withdrawal_reasons: list[WithdrawalReason] = field(default_factory=list)  # retired ones too: old files name them

    def service_line(self, value: Value) -> str:
        code = self.service_lines.get(word(value)) or self.service_lines.get(str(value).lower())
        if code is None:
            raise CellProblem(f"Unknown service line: use one of {', '.join(sorted(set(self.service_lines.values())))}")
        return code

    def partner_authority(self, value: Value) -> int | None:
        if value == "":
            return None
        found = self.authorities.get(authority_key(str(value)))
        if found is None:
            raise UnknownAuthority("Unknown partner authority: an administrator adds partner authorities before an "
                                   "import")
        return found

    def channel(self, value: Value) -> int | None:
        if value == "":
            return None
        key = channel_key(str(value))
        found = [self.channel_by_path[key]] if key in self.channel_by_path else self.channels_by_name.get(key, [])
        if not found:
            raise CellProblem('Unknown channel: use a channel of the taxonomy, as "parent > channel" or its name')
        if len(found) > 1:
            raise CellProblem('More than one channel has this name: write it as "parent > channel"')
        return found[0]


def channel_key(text: str) -> str:
    return " > ".join(" ".join(part.split()) for part in text.lower().split(">"))


def load() -> Lookups:
    lines = {}
    for line in db.session.scalars(select(ServiceLine)):
        lines[line.code] = lines[line.name.lower()] = line.code
    authorities = {authority_key(a.name): a.id for a in db.session.scalars(select(PartnerAuthority))}
    by_name: dict[str, list[int]] = {}
    for channel in db.session.scalars(select(Channel)):
        by_name.setdefault(channel_key(channel.name), []).append(channel.id)
    by_path = {channel_key(path): channel_id for channel_id, path in channel_paths().items()}
    return Lookups(lines, authorities, by_path, by_name, withdrawal_reasons.all_reasons())


def channel_paths() -> dict[int, str]:
    """Every channel's "parent > child" path, as exports write it."""
    everything = list(db.session.scalars(select(Channel)))
    names = {c.id: c.name for c in everything}
    return {c.id: f"{names[c.parent_id]} > {c.name}" if c.parent_id else c.name for c in everything}


CHUNK = 500  # references per IN (...) query: well inside every database's limit on bound parameters


def households(references: list[str], *options) -> dict[str, Household]:
    """The stored households with these references, read in a few queries rather than one per row."""
    found: dict[str, Household] = {}
    for start in range(0, len(references), CHUNK):
        query = select(Household).where(Household.reference.in_(references[start:start + CHUNK])).options(*options)
        found.update((h.reference, h) for h in db.session.scalars(query))
    return found
