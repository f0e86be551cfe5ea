"""The service lines of SPEC section 2: their codes (the keys of the service_lines table) and the groups rules share."""
from enum import StrEnum


class ServiceLineCode(StrEnum):
    ADOPTION = "adoption"
    FOSTERING_MAINSTREAM = "fostering_mainstream"
    FOSTERING_CONNECTED = "fostering_connected"  # kinship / connected persons
    EARLY_PERMANENCE = "early_permanence"  # dual approval: fostering for adoption, concurrent planning


# Early permanence households are approved as adopters too, so adoption's timescales and its return cover them.
ADOPTION_LIKE = (ServiceLineCode.ADOPTION, ServiceLineCode.EARLY_PERMANENCE)
