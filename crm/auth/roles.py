"""The six roles of SPEC section 1."""
from enum import StrEnum


class Role(StrEnum):
    RECRUITMENT_OFFICER = "recruitment_officer"
    STAGE_ONE_WORKER = "stage_one_worker"
    ASSESSING_SOCIAL_WORKER = "assessing_social_worker"
    MARKETING_OFFICER = "marketing_officer"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Roles whose work is with named households (work queue home page).
CASEWORK_ROLES = frozenset(
    {Role.RECRUITMENT_OFFICER, Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER}
)
