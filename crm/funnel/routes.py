"""Which stage may follow which, per service line (SPEC section 2): the defaults, kept as data."""
from __future__ import annotations

from functools import cache

from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import Stage

ORDER = list(Stage)
PRE_ASSESSMENT = (Stage.ENQUIRY, Stage.INFORMATION_EVENT, Stage.INITIAL_VISIT, Stage.REGISTRATION_OF_INTEREST)

# Skips every service line allows: an enquiry may go straight to an initial visit.
COMMON_SKIPS = {(Stage.ENQUIRY, Stage.INITIAL_VISIT)}
# Second-time adopters and approved foster carers applying to adopt go from ROI straight to Stage 2.
FAST_TRACK_SKIPS = {(Stage.REGISTRATION_OF_INTEREST, Stage.STAGE_2)}
# Connected-persons (kinship) fostering starts at assessment: from any early stage straight into it.
ROUTE_SKIPS: dict[str, set[tuple[Stage, Stage]]] = {
    ServiceLineCode.FOSTERING_CONNECTED: {(early, Stage.STAGE_2) for early in PRE_ASSESSMENT}
    | {(early, Stage.STAGE_1) for early in PRE_ASSESSMENT},
}
# Stages an application may be opened at (its first event), per service line.
FIRST_STAGES: dict[str, tuple[Stage, ...]] = {
    ServiceLineCode.FOSTERING_CONNECTED: (Stage.ENQUIRY, Stage.STAGE_1, Stage.STAGE_2),
}


def next_stage(stage: Stage) -> Stage | None:
    index = ORDER.index(stage)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def allowed_next(stage: Stage, service_line: str, fast_track: bool) -> list[Stage]:
    """The stages an application in `stage` may move to, in funnel order."""
    skips = COMMON_SKIPS | ROUTE_SKIPS.get(service_line, set()) | (FAST_TRACK_SKIPS if fast_track else set())
    targets = {to for (frm, to) in skips if frm is stage}
    following = next_stage(stage)
    if following is not None:
        targets.add(following)
    return sorted(targets, key=ORDER.index)


def first_stages(service_line: str) -> tuple[Stage, ...]:
    return FIRST_STAGES.get(service_line, (Stage.ENQUIRY,))


def is_forward(stage: Stage, to: Stage) -> bool:
    return ORDER.index(to) > ORDER.index(stage)


@cache
def unrecorded(stage: Stage, to: Stage, service_line: str, fast_track: bool) -> tuple[Stage, ...]:
    """The stages the route requires between `stage` and a later `to` (those on every allowed way there), for an
    imported history that moved straight from one to the other: empty when the route allows the move."""
    if to in allowed_next(stage, service_line, fast_track) or not is_forward(stage, to):
        return ()
    paths = _paths(stage, to, service_line, fast_track)
    required = set.intersection(*(set(path) for path in paths)) if paths else set(ORDER[ORDER.index(stage) + 1:
                                                                                          ORDER.index(to)])
    return tuple(sorted(required, key=ORDER.index))


def _paths(stage: Stage, to: Stage, service_line: str, fast_track: bool) -> list[tuple[Stage, ...]]:
    """Every allowed way from `stage` to `to`, as the stages passed through in between (the funnel is short)."""
    found = []
    for following in allowed_next(stage, service_line, fast_track):
        if following is to:
            found.append(())
        elif is_forward(following, to):
            found.extend((following, *rest) for rest in _paths(following, to, service_line, fast_track))
    return found


def unrecorded_names(stages) -> str:
    """Stages as a milestones file names them, in words, for reports and the timeline: "stage 1 completed, panel"."""
    return ", ".join(stage.value.replace("_", " ") for stage in stages)
