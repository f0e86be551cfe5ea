"""Every area's models, imported in one place: the target of Alembic's autogenerate."""
from crm.audit.models import AuditEvent
from crm.auth.models import Team, User, UserRole
from crm.db import Base
from crm.funnel.models import StageEvent
from crm.households.models import Application, Household, PartnerAuthority, Person, ServiceLine

__all__ = [
    "Application", "AuditEvent", "Base", "Household", "PartnerAuthority", "Person",
    "ServiceLine", "StageEvent", "Team", "User", "UserRole",
]
