"""What a queue is filtered by, read leniently from the query string, and written back as canonical links.

A filter value that does not exist (a stage that is no stage, a scope the user has no team for) is
dropped rather than refused: a bookmarked or hand-edited link still shows a sensible list.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from crm.enquiries.models import ContactMethod
from crm.funnel.stages import OPEN_STATUSES, Stage, Status

MINE, TEAM, ALL = "mine", "team", "all"
SCOPE_LABELS = {MINE: "My households", TEAM: "My team's households", ALL: "All households you can see"}


@dataclass(frozen=True)
class ApplicationFilters:
    """The applications queue's filters; `statuses` empty means any status."""

    scope: str
    default_scope: str
    stages: tuple[Stage, ...] = ()
    service_lines: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = OPEN_STATUSES
    authorities: tuple[int, ...] = ()
    text: str = ""

    def args(self) -> dict:
        """The query string for these filters, leaving out what is the default anyway."""
        args: dict = {}
        if self.text:
            args["q"] = self.text
        if self.scope != self.default_scope:
            args["scope"] = self.scope
        if self.stages:
            args["stage"] = [stage.value for stage in self.stages]
        if self.service_lines:
            args["service_line"] = list(self.service_lines)
        if set(self.statuses) != set(OPEN_STATUSES):
            args["status"] = [status.value for status in self.statuses] or [""]  # "" is "any status"
        if self.authorities:
            args["authority"] = [str(authority) for authority in self.authorities]
        return args

    def cleared(self) -> ApplicationFilters:
        return ApplicationFilters(scope=ALL, default_scope=self.default_scope, statuses=())

    def with_stage(self, stage: Stage) -> ApplicationFilters:
        return replace(self, stages=(stage,))


def parse_applications(args, *, scopes: list[str], default_scope: str, service_lines: set[str],
                       authorities: set[int]) -> ApplicationFilters:
    """The filters in the query string `args` (a MultiDict), keeping only values that exist."""
    scope = args.get("scope")
    statuses = args.getlist("status")
    return ApplicationFilters(
        scope=scope if scope in scopes else default_scope,
        default_scope=default_scope,
        stages=_known(args.getlist("stage"), Stage),
        service_lines=tuple(dict.fromkeys(v for v in args.getlist("service_line") if v in service_lines)),
        statuses=_known(statuses, Status) if statuses else OPEN_STATUSES,
        authorities=tuple(dict.fromkeys(i for v in args.getlist("authority") if (i := _id(v)) in authorities)),
        text=_text(args.get("q")),
    )


@dataclass(frozen=True)
class AwaitingFilters:
    """The first-response queue's filters."""

    methods: tuple[ContactMethod, ...] = ()
    channel: int | None = None
    overdue: bool = False

    def args(self) -> dict:
        args: dict = {}
        if self.methods:
            args["method"] = [method.value for method in self.methods]
        if self.channel is not None:
            args["channel"] = str(self.channel)
        if self.overdue:
            args["overdue"] = "y"
        return args


def parse_awaiting(args, *, channels: set[int]) -> AwaitingFilters:
    channel = _id(args.get("channel"))
    return AwaitingFilters(
        methods=_known(args.getlist("method"), ContactMethod),
        channel=channel if channel in channels else None,
        overdue=args.get("overdue") == "y",
    )


def _known(values: list[str], enum) -> tuple:
    """The values that name a member of the enum, once each, in the enum's own order."""
    wanted = set(values)
    return tuple(member for member in enum if member.value in wanted)


def _id(raw: str | None) -> int | None:
    """A database id, or None for anything else (including digits too many to be one)."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _text(raw: str | None) -> str:
    """Search words: no NUL bytes (PostgreSQL text cannot hold them), and no essay."""
    return (raw or "").replace("\x00", "").strip()[:200]


def application_tags(filters: ApplicationFilters, href, *, service_lines: dict[str, str],
                     authorities: dict[int, str]) -> list[dict]:
    """The MOJ filter's selected-filter categories: each tag links to the list without that one value."""
    categories = [
        ("Households", [(SCOPE_LABELS[filters.scope], replace(filters, scope=ALL))] if filters.scope != ALL else []),
        ("Search", [(f"“{filters.text}”", replace(filters, text=""))] if filters.text else []),
        ("Stage", [(s.label, replace(filters, stages=_without(filters.stages, s))) for s in filters.stages]),
        ("Service line", [(service_lines[code], replace(filters, service_lines=_without(filters.service_lines, code)))
                          for code in filters.service_lines]),
        ("Status", [(s.label, replace(filters, statuses=_without(filters.statuses, s))) for s in filters.statuses]),
        ("Partner authority", [(authorities[a], replace(filters, authorities=_without(filters.authorities, a)))
                               for a in filters.authorities]),
    ]
    return _categories(categories, href)


def awaiting_tags(filters: AwaitingFilters, href, *, method_labels: dict, channels: dict[int, str]) -> list[dict]:
    categories = [
        ("How they got in touch", [(method_labels[m], replace(filters, methods=_without(filters.methods, m)))
                                   for m in filters.methods]),
        ("How they heard about us", [(channels[filters.channel], replace(filters, channel=None))]
         if filters.channel is not None else []),
        ("Due", [("Overdue only", replace(filters, overdue=False))] if filters.overdue else []),
    ]
    return _categories(categories, href)


def _categories(categories: list[tuple[str, list]], href) -> list[dict]:
    return [{"heading": heading, "items": [{"text": text, "href": href(rest)} for text, rest in items]}
            for heading, items in categories if items]


def _without(values: tuple, value) -> tuple:
    return tuple(v for v in values if v != value)
