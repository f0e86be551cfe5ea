"""The reports the suite covers, written out rather than read from the registry: a report module that stops importing
or drops out of the registry fails the suite instead of silently leaving it."""

REPORTS = ("activity", "timeliness", "snapshot", "conversion", "equality", "targets", "asglb", "fostering-return",
           "check-waits")
