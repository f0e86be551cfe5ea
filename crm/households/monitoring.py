"""Equality monitoring (SPEC section 5): the answers an applicant may give, and who may see or change them.

Ethnicity, sexual orientation, disability and religion or belief are special-category data (SPEC section 8): like
check outcomes, only stage-one workers, assessing social workers and managers see or change them, and the whole
monitoring form (with the household's relationship status) is theirs alone. The categories follow the ONS 2021
census questions for England; every question also takes "Prefers not to say". Nothing chosen is "Not recorded",
stored as NULL, which is what the equality report counts as not recorded.
"""
from __future__ import annotations

from crm.auth.roles import Role

MONITORING_ROLES = frozenset({Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER, Role.MANAGER})
PREFERS_NOT_TO_SAY = "Prefers not to say"
NOT_RECORDED = "Not recorded"

ETHNICITIES = (
    "Asian or Asian British: Bangladeshi", "Asian or Asian British: Chinese", "Asian or Asian British: Indian",
    "Asian or Asian British: Pakistani", "Asian or Asian British: any other Asian background",
    "Black, Black British, Caribbean or African: African", "Black, Black British, Caribbean or African: Caribbean",
    "Black, Black British, Caribbean or African: any other Black background",
    "Mixed or multiple: White and Asian", "Mixed or multiple: White and Black African",
    "Mixed or multiple: White and Black Caribbean", "Mixed or multiple: any other mixed background",
    "White: English, Welsh, Scottish, Northern Irish or British", "White: Irish", "White: Gypsy or Irish Traveller",
    "White: Roma", "White: any other White background",
    "Other ethnic group: Arab", "Other ethnic group: any other ethnic group",
)
RELATIONSHIP_STATUSES = ("Married", "Civil partnership", "Cohabiting", "Single", "Separated",
                         "Divorced or civil partnership dissolved", "Widowed or surviving civil partner")
SEXUAL_ORIENTATIONS = ("Straight or heterosexual", "Gay or lesbian", "Bisexual", "Other sexual orientation")
DISABILITIES = ("Yes, day-to-day activities limited a lot", "Yes, day-to-day activities limited a little",
                "No disability")
RELIGIONS = ("No religion", "Christian", "Buddhist", "Hindu", "Jewish", "Muslim", "Sikh", "Any other religion")

# The person's questions: field -> (question, answers). Relationship status is the household's (one per couple).
PERSON_QUESTIONS = {
    "ethnicity": ("Ethnicity", ETHNICITIES),
    "sexual_orientation": ("Sexual orientation", SEXUAL_ORIENTATIONS),
    "disability": ("Disability", DISABILITIES),
    "religion": ("Religion or belief", RELIGIONS),
}
HOUSEHOLD_QUESTIONS = {"relationship_status": ("Relationship status", RELATIONSHIP_STATUSES)}
QUESTIONS = {**PERSON_QUESTIONS, **HOUSEHOLD_QUESTIONS}
# Fields whose values a timeline or page shows only to MONITORING_ROLES.
RESTRICTED_FIELDS = frozenset(QUESTIONS)


def may_see_monitoring(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(MONITORING_ROLES))


def answers(field: str, current: str | None = None) -> list[str]:
    """The answers offered for a question: its categories and "Prefers not to say", and an answer recorded
    before (an import's own wording) so that saving the form does not lose it."""
    offered = [*QUESTIONS[field][1], PREFERS_NOT_TO_SAY]
    return offered if not current or current in offered else [current, *offered]
