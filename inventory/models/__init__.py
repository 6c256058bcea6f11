"""All tables. The naming convention is set before any table class so constraints get stable names."""
from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from inventory.models.alerts import Alert, AlertEvent, Delivery, Silence, Subscription  # noqa: E402
from inventory.models.audit import AuditEvent  # noqa: E402
from inventory.models.blood import (  # noqa: E402
    BloodClosure, BloodEmergency, BloodHandlingUnit, BloodNotice, BloodReport, BloodReportLine, BloodResponse, CalendarDay,
    CalendarYear,
)
from inventory.models.blood_donors import BloodDonor, CollectionPoint, DonationDrill, DonorFiling  # noqa: E402
from inventory.models.catalogue import Material  # noqa: E402
from inventory.models.coldchain import (  # noqa: E402
    ColdchainFacility, ColdchainRule, DailyCheck, Excursion, ExcursionHold, Reading, ReadingHourly, Sensor,
)
from inventory.models.counts import CountMismatch, StockCount, StockCountLine  # noqa: E402
from inventory.models.dispatch import (  # noqa: E402
    Dispatch, DispatchAllocation, DispatchLine, DispatchRecovery, EmergencyAuthorisation,
)
from inventory.models.inspections import (  # noqa: E402
    Inspection, InspectionFinding, InspectionLotCheck, InspectionPhoto, Qualification, Sanction,
)
from inventory.models.instructions import Instruction, InstructionLot  # noqa: E402
from inventory.models.plans import (  # noqa: E402
    AnnualPlan, AnnualPlanLine, CatalogueLine, CatalogueVersion, ContractLine, EnterpriseSelection, Evaluation,
    PlanSignature, StatisticsReport, StorageContract, TemporaryAddition,
)
from inventory.models.replenishment import Replenishment  # noqa: E402
from inventory.models.rotation import (  # noqa: E402
    Rotation, RotationLot, RotationMovement, Scrap, ScrapAttachment, ScrapLine, ScrapRule,
)
from inventory.models.violations import Violation  # noqa: E402
from inventory.models.facility import Facility  # noqa: E402
from inventory.models.idempotency import IdempotencyRecord  # noqa: E402
from inventory.models.org import ApiToken, District, Organisation, User  # noqa: E402
from inventory.models.imports import ImportJob  # noqa: E402
from inventory.models.stock import Lot, Movement  # noqa: E402
from inventory.models.stock_requests import Adjustment, Transfer  # noqa: E402
from inventory.models.system import Heartbeat  # noqa: E402
from inventory.models.workflow import WorkflowStep  # noqa: E402

__all__ = [
    "Adjustment", "Alert", "AlertEvent", "ApiToken", "AuditEvent", "CountMismatch", "Delivery", "District", "Facility", "Heartbeat",
    "Dispatch", "DispatchAllocation", "DispatchLine", "DispatchRecovery", "EmergencyAuthorisation", "Instruction",
    "InstructionLot", "Replenishment", "Violation",
    "BloodClosure", "BloodEmergency", "BloodHandlingUnit", "BloodNotice", "BloodReport", "BloodReportLine",
    "BloodResponse", "CalendarDay", "CalendarYear", "BloodDonor", "CollectionPoint", "DonationDrill", "DonorFiling",
    "IdempotencyRecord", "ImportJob", "Lot", "Material", "Movement", "Organisation", "Silence", "StockCount",
    "StockCountLine", "Subscription", "Transfer", "User", "WorkflowStep",
    "ColdchainFacility", "ColdchainRule", "DailyCheck", "Excursion", "ExcursionHold", "Reading", "ReadingHourly", "Sensor",
    "Inspection", "InspectionFinding", "InspectionLotCheck", "InspectionPhoto", "Qualification", "Sanction",
    "AnnualPlan", "AnnualPlanLine", "CatalogueLine", "CatalogueVersion", "ContractLine", "EnterpriseSelection",
    "Evaluation", "PlanSignature", "StatisticsReport", "StorageContract", "TemporaryAddition",
    "Rotation", "RotationLot", "RotationMovement", "Scrap", "ScrapAttachment", "ScrapLine", "ScrapRule",
]
