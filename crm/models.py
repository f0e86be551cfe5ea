"""Every area's models, imported in one place: the target of Alembic's autogenerate."""
from crm.allocation.models import Allocation
from crm.api.models import ApiToken
from crm.audit.models import AuditEvent
from crm.auth.models import Team, User, UserRole
from crm.dataprotection.models import Erasure, RetentionRule
from crm.documents.models import Document
from crm.checks.models import CheckChase, CheckInstance, CheckPart, CheckType
from crm.db import Base
from crm.enquiries.models import EnquiryContact, PossibleMatch
from crm.escalations.models import Escalation, JobRun, MonthlySnapshot
from crm.events.models import AttendanceStageMove, Consultation, EventBooking, InformationEvent
from crm.funnel.models import StageEvent
from crm.funnel.reasons.models import WithdrawalReason
from crm.households.models import Application, Household, PartnerAuthority, Person, ServiceLine
from crm.marketing.models import (AttributionCredit, Campaign, CampaignChannel, CampaignSpend, Channel, ChannelRule,
                                  MarketingMetric)
from crm.portal.models import PortalAccount, PortalCode, PortalConsent, PortalMessage
from crm.references.models import Reference, Referee, RefereeLink
from crm.reports.cache import DataVersion, ReportCache
from crm.targets.models import ReportTarget
from crm.transfer.models import ImportRun, ImportUndoStep, PendingImport

__all__ = [
    "Escalation", "JobRun", "MonthlySnapshot",
    "ApiToken", "Application", "AuditEvent", "Base", "Channel", "EnquiryContact", "PossibleMatch", "Household", "PartnerAuthority", "Person",
    "ServiceLine", "StageEvent", "Team", "User", "UserRole",
    "CheckChase", "CheckInstance", "CheckPart", "CheckType",
    "AttendanceStageMove", "Consultation", "EventBooking", "InformationEvent",
    "AttributionCredit", "Campaign", "CampaignChannel", "CampaignSpend", "ChannelRule", "MarketingMetric",
    "ReportTarget",
    "Allocation",
    "WithdrawalReason",
    "PendingImport",
    "Erasure", "RetentionRule",
    "ImportRun",
    "ImportUndoStep",
    "DataVersion", "ReportCache",
    "Document",
    "PortalAccount", "PortalCode", "PortalConsent", "PortalMessage",
    "Referee", "RefereeLink", "Reference",
]
