"""Every closed vocabulary, written once: the stored value, its translated label and its badge.

Values are short strings in the database and the API (adding one needs no enum-type migration);
pages and messages read ``member.label`` so "quality_hold" reads 质量暂停 everywhere.
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Vocabulary(StrEnum):
    """A StrEnum whose members carry a translated ``label`` and a Bootstrap ``badge`` class."""

    label: LazyString | str
    badge: str

    def __new__(cls, value: str, label: LazyString | None = None, badge: str = "text-bg-secondary"):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        member.badge = badge
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def label_of(cls, code: str) -> LazyString | str:
        """The label of ``code``, or the code itself when it is not (or no longer) in the vocabulary."""
        try:
            return cls(code).label
        except ValueError:
            return code

    @classmethod
    def labels(cls) -> dict[str, LazyString | str]:
        return {member.value: member.label for member in cls}


class OrgKind(Vocabulary):
    enterprise = "enterprise", _l("Storage enterprise")
    bureau = "bureau", _l("Reserve bureau")
    coordinator = "coordinator", _l("Coordinator")
    government = "government", _l("Government")
    blood_station = "blood_station", _l("Blood station")


class Role(Vocabulary):
    admin = "admin", _l("Administrator")
    enterprise_clerk = "enterprise_clerk", _l("Enterprise clerk")
    enterprise_manager = "enterprise_manager", _l("Enterprise manager")
    bureau_officer = "bureau_officer", _l("Bureau officer")
    bureau_approver = "bureau_approver", _l("Bureau approver")
    coordinator = "coordinator", _l("Coordinator")
    government_approver = "government_approver", _l("Government approver")
    blood_officer = "blood_officer", _l("Blood-station officer")
    health_officer = "health_officer", _l("Health-commission officer")
    inspector = "inspector", _l("Inspector")
    viewer = "viewer", _l("Viewer")


class LotStatus(Vocabulary):
    available = "available", _l("Available"), "text-bg-success"
    quality_hold = "quality_hold", _l("Quality hold"), "text-bg-warning"
    quarantined = "quarantined", _l("Quarantined"), "text-bg-danger"
    expired = "expired", _l("Expired"), "text-bg-dark"
    depleted = "depleted", _l("Depleted"), "text-bg-secondary"

    @classmethod
    def holds(cls) -> frozenset[LotStatus]:
        """Statuses a person sets and lifts; the ledger never moves a lot out of them."""
        return frozenset({cls.quality_hold, cls.quarantined})

    @classmethod
    def automatic(cls) -> frozenset[LotStatus]:
        """Statuses the ledger keeps by itself from the on-hand quantity."""
        return frozenset({cls.available, cls.depleted})


class MovementKind(Vocabulary):
    receipt = "receipt", _l("Receipt")
    issue = "issue", _l("Issue")
    transfer_out = "transfer_out", _l("Transfer out")
    transfer_in = "transfer_in", _l("Transfer in")
    rotation_out = "rotation_out", _l("Rotation out")
    rotation_in = "rotation_in", _l("Rotation in")
    scrap = "scrap", _l("Scrap")
    dispatch = "dispatch", _l("Dispatch")
    adjustment = "adjustment", _l("Adjustment")
    count_correction = "count_correction", _l("Count correction")

    @classmethod
    def inbound(cls) -> frozenset[MovementKind]:
        return frozenset({cls.receipt, cls.transfer_in, cls.rotation_in})

    @classmethod
    def outbound(cls) -> frozenset[MovementKind]:
        return frozenset({cls.issue, cls.transfer_out, cls.rotation_out, cls.scrap, cls.dispatch})

    @classmethod
    def signed(cls) -> frozenset[MovementKind]:
        """Either sign: corrections of the book."""
        return frozenset({cls.adjustment, cls.count_correction})

    @classmethod
    def needs_available(cls) -> frozenset[MovementKind]:
        """Taking stock out for use: only from an available, unexpired lot."""
        return frozenset({cls.issue, cls.transfer_out, cls.rotation_out, cls.dispatch})


class RequestStatus(Vocabulary):
    """States of the approval workflows (requests, counts)."""

    pending = "pending", _l("Pending"), "text-bg-warning"
    approved = "approved", _l("Approved"), "text-bg-success"
    rejected = "rejected", _l("Rejected"), "text-bg-danger"
    executed = "executed", _l("Executed"), "text-bg-success"
    open = "open", _l("Open"), "text-bg-info"
    submitted = "submitted", _l("Submitted"), "text-bg-warning"
    cancelled = "cancelled", _l("Cancelled"), "text-bg-secondary"
    withdrawn = "withdrawn", _l("Withdrawn"), "text-bg-secondary"


class ImportStatus(Vocabulary):
    """A receipt import job; a clean dry run becomes ``imported`` once its file is imported (once)."""

    queued = "queued", _l("Queued"), "text-bg-secondary"
    running = "running", _l("Running"), "text-bg-primary"
    done = "done", _l("Done"), "text-bg-success"
    failed = "failed", _l("Failed"), "text-bg-danger"
    imported = "imported", _l("Imported"), "text-bg-success"


class ImportKind(Vocabulary):
    """What an import job takes in: receipts (lots) or a cold-chain facility's readings (docs/coldchain.md)."""

    receipts = "receipts", _l("Receipts")
    readings = "readings", _l("Readings")


class WorkflowAction(Vocabulary):
    """What a person does to a request; each flow says which apply to it and who may take them."""

    request = "request", _l("request")
    submit = "submit", _l("submit")
    approve = "approve", _l("approve"), "btn-success"
    reject = "reject", _l("reject"), "btn-outline-danger"
    execute = "execute", _l("execute")
    cancel = "cancel", _l("cancel"), "btn-outline-secondary"
    withdraw = "withdraw", _l("withdraw"), "btn-outline-secondary"
    acknowledge = "acknowledge", _l("acknowledge"), "btn-primary"
    refuse = "refuse", _l("refuse"), "btn-outline-danger"
    complete = "complete", _l("complete"), "btn-success"
    file = "file", _l("file"), "btn-primary"
    confirm = "confirm", _l("confirm"), "btn-success"
    answer = "answer", _l("answer"), "btn-primary"
    close = "close", _l("close"), "btn-success"
    send_back = "send_back", _l("send back"), "btn-outline-danger"
    witness = "witness", _l("witness"), "btn-success"
    sign = "sign", _l("sign"), "btn-success"
    activate = "activate", _l("activate")
    expire = "expire", _l("expire")
    terminate = "terminate", _l("terminate"), "btn-outline-danger"
    lapse = "lapse", _l("let lapse"), "btn-outline-secondary"
    propose = "propose", _l("propose into the catalogue"), "btn-primary"
    supersede = "supersede", _l("supersede")
    finalise = "finalise", _l("finalise"), "btn-success"


class Category(Vocabulary):
    """The ten categories of reserve materials (docs/domain-rules.md, catalogue)."""

    grain = "grain", _l("Grain")
    edible_oil = "edible_oil", _l("Edible oil")
    meat = "meat", _l("Meat")
    salt = "salt", _l("Salt")
    vegetables = "vegetables", _l("Vegetables")
    eggs = "eggs", _l("Eggs")
    disaster_relief = "disaster_relief", _l("Disaster relief")
    flood_control = "flood_control", _l("Flood control")
    epidemic = "epidemic", _l("Epidemic emergency")
    small_package = "small_package", _l("Small-package emergency goods")


class StorageClass(Vocabulary):
    """How cold a material must be kept; the ranges and their sources are in services/stock/catalogue.py and
    docs/domain-rules.md (storage classes)."""

    ambient = "ambient", _l("Ambient")
    cool = "cool", _l("Cool (≤ 20 °C)")
    chilled = "chilled", _l("Chilled food (0–4 °C)")
    medical = "medical", _l("Medical cold (2–8 °C)")
    red_cells = "red_cells", _l("Red cells (2–6 °C)")
    platelets = "platelets", _l("Platelets (20–24 °C)")
    frozen = "frozen", _l("Frozen food (≤ −18 °C)")
    plasma = "plasma", _l("Plasma (≤ −18 °C)")
    ultra_low = "ultra_low", _l("Ultra-low (≤ −60 °C)")


class InspectionResult(Vocabulary):
    """The quality inspection of a receipt; it decides the status the lot is received in."""

    passed = "passed", _l("Passed inspection"), "text-bg-success"
    failed = "failed", _l("Failed inspection"), "text-bg-danger"
    pending = "pending", _l("Awaiting inspection"), "text-bg-warning"


class StockPolicy(Vocabulary):
    """What happens to ageing stock of a material: rotated (sold and bought back) or scrapped."""

    rotate = "rotate", _l("Rotate")
    scrap = "scrap", _l("Scrap")


class FacilityKind(Vocabulary):
    warehouse = "warehouse", _l("Warehouse")
    cold_store = "cold_store", _l("Cold store")
    pre_cooling = "pre_cooling", _l("Pre-cooling")
    distribution_centre = "distribution_centre", _l("Cold-chain distribution centre")
    reefer_vehicle = "reefer_vehicle", _l("Refrigerated vehicle")
    medical_cold_store = "medical_cold_store", _l("Medical cold store")
    ultra_low_freezer = "ultra_low_freezer", _l("Ultra-low freezer")


class SafetySystem(Vocabulary):
    """A facility's safety systems; each has a flag and the date of its last check."""

    fire = "fire", _l("Fire safety")
    theft = "theft", _l("Theft prevention")
    flood = "flood", _l("Flood prevention")

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """The facility columns they are kept in: ``fire_safety``, ``fire_checked_on``, …"""
        return tuple(name for member in cls for name in (f"{member}_safety", f"{member}_checked_on"))


class SummaryGroup(Vocabulary):
    """How the stock summary groups lots."""

    material = "material", _l("Material")
    enterprise = "enterprise", _l("Enterprise")
    district = "district", _l("District")
    category = "category", _l("Category")


class CoverageGroup(Vocabulary):
    """How coverage against the plan is grouped (docs/plans.md, "Coverage")."""

    material = "material", _l("Material")
    enterprise = "enterprise", _l("Enterprise")
    contract_line = "contract_line", _l("Contract line")
    district = "district", _l("District")
    city = "city", _l("City")


class AllowanceKind(Vocabulary):
    """Why stock may be short of the plan for a while (docs/plans.md, "Coverage")."""

    rotation = "rotation", _l("Rotation within its window")
    replenishment = "replenishment", _l("Replenishment within its due date")
    dispatch = "dispatch", _l("Dispatch in progress")


class AlertSeverity(Vocabulary):
    """How urgent an alert is, least first."""

    info = "info", _l("Info"), "text-bg-info"
    warning = "warning", _l("Warning"), "text-bg-warning"
    critical = "critical", _l("Critical"), "text-bg-danger"


class AlertState(Vocabulary):
    """An alert opens, may be acknowledged by a person, and resolves by itself when its condition ends
    (reopening if it returns)."""

    open = "open", _l("Not acknowledged"), "text-bg-danger"
    acknowledged = "acknowledged", _l("Acknowledged"), "text-bg-warning"
    resolved = "resolved", _l("Resolved"), "text-bg-success"


class AlertEventKind(Vocabulary):
    """What happened to an alert: each is one history row, and the outbox delivers those a subscriber asked for."""

    opened = "opened", _l("Newly raised"), "text-bg-danger"
    severity = "severity", _l("Severity changed"), "text-bg-warning"
    reopened = "reopened", _l("Condition returned"), "text-bg-danger"
    resolved = "resolved", _l("Resolved"), "text-bg-success"
    acknowledged = "acknowledged", _l("Acknowledged"), "text-bg-secondary"
    escalated = "escalated", _l("Escalated"), "text-bg-danger"
    reminder = "reminder", _l("Reminder"), "text-bg-warning"

    @classmethod
    def delivered(cls) -> frozenset[AlertEventKind]:
        """The changes the outbox sends; an acknowledgement is only history."""
        return frozenset(cls) - {cls.acknowledged}


class Channel(Vocabulary):
    """Where a subscription delivers (docs/api.md, subscriptions)."""

    inbox = "inbox", _l("In-app notifications")
    email = "email", _l("E-mail")
    webhook = "webhook", _l("Webhook")
    wecom = "wecom", _l("WeCom group robot")
    dingtalk = "dingtalk", _l("DingTalk group robot")


class DeliveryState(Vocabulary):
    """One outbox row: pending until due, sending while a worker holds it, then delivered or dead; inhibited
    (a higher alert on the same subject) and skipped (its alert resolved before it went out) are never sent."""

    pending = "pending", _l("Waiting to send"), "text-bg-secondary"
    sending = "sending", _l("Sending"), "text-bg-info"
    delivered = "delivered", _l("Delivered"), "text-bg-success"
    dead = "dead", _l("Dead"), "text-bg-danger"
    inhibited = "inhibited", _l("Inhibited"), "text-bg-light"
    skipped = "skipped", _l("Skipped"), "text-bg-light"


class DispatchTrigger(Vocabulary):
    """Why reserve stock is dispatched: the three cases of reserve-materials-measures §四(一)."""

    emergency = "emergency", _l("Disaster, accident, epidemic, public-health or social-security event")
    market = "market", _l("Severe supply–demand imbalance or abnormal price swing")
    other = "other", _l("Other need for reserve stock")


class DispatchStatus(Vocabulary):
    """A dispatch plan: drafted, co-signed by the three proposers (会同: development and reform, finance and the
    responsible reserve bureau, in any order: the status counts the signatures), approved by the government,
    executed through instructions to the enterprises, completed; an emergency dispatch goes from draft straight
    to execution and is filed with the government after the work ends (docs/domain-rules.md, dispatch)."""

    draft = "draft", _l("Draft"), "text-bg-secondary"
    cosigning = "cosigning", _l("Awaiting co-signatures (0 of 3)"), "text-bg-warning"
    cosigned_1 = "cosigned_1", _l("Co-signed (1 of 3)"), "text-bg-warning"
    cosigned_2 = "cosigned_2", _l("Co-signed (2 of 3)"), "text-bg-warning"
    cosigned = "cosigned", _l("Co-signed, awaiting government approval"), "text-bg-info"
    approved = "approved", _l("Approved"), "text-bg-success"
    executing = "executing", _l("Instructions out, executing"), "text-bg-primary"
    completed = "completed", _l("Completed"), "text-bg-success"
    filed = "filed", _l("Filed with the government"), "text-bg-dark"
    cancelled = "cancelled", _l("Cancelled"), "text-bg-secondary"

    @classmethod
    def signing(cls) -> tuple[DispatchStatus, ...]:
        """The statuses in which co-signatures are collected, by the number already given."""
        return (cls.cosigning, cls.cosigned_1, cls.cosigned_2)


class DispatchParty(Vocabulary):
    """The three who propose a dispatch together and each sign it once (reserve-materials-measures §四(一))."""

    ndrc = "ndrc", _l("Development and reform commission")
    finance = "finance", _l("Finance bureau")
    bureau = "bureau", _l("Responsible reserve bureau")


class InstructionKind(Vocabulary):
    """An instruction to a storage enterprise (入库/出库指令, reserve-materials-measures §六(二)10)."""

    release = "release", _l("Release (out)")
    receive = "receive", _l("Receive (in)")


class InstructionStatus(Vocabulary):
    """Issued by a bureau (or by an approved dispatch), acknowledged and executed by the enterprise, in part
    or in full; refused with a reason; or called off by the bureau, keeping what was executed."""

    issued = "issued", _l("Issued"), "text-bg-warning"
    acknowledged = "acknowledged", _l("Acknowledged, executing"), "text-bg-info"
    executed = "executed", _l("Executed"), "text-bg-success"
    refused = "refused", _l("Refused"), "text-bg-danger"
    cancelled = "cancelled", _l("Called off"), "text-bg-secondary"

    @classmethod
    def open(cls) -> tuple[InstructionStatus, ...]:
        return (cls.issued, cls.acknowledged)


class ReplenishmentStatus(Vocabulary):
    """Bringing a reserve back to its plan scale after a dispatch or a scrap (reserve-materials-measures §四(二)):
    proposed by the system, confirmed (or adjusted) by the bureau, fulfilled by receipts linked to it."""

    proposed = "proposed", _l("Proposed"), "text-bg-warning"
    confirmed = "confirmed", _l("Confirmed, awaiting receipts"), "text-bg-info"
    fulfilled = "fulfilled", _l("Fulfilled"), "text-bg-success"


class ViolationKind(Vocabulary):
    """The ten violations of a storage enterprise (reserve-materials-measures §六(二) 1–10)."""

    no_dedicated_storage = "no_dedicated_storage", _l("No dedicated store, keeper and account")
    unqualified_receipt = "unqualified_receipt", _l("Received stock of unqualified quality")
    loss_by_mismanagement = "loss_by_mismanagement", _l("Loss or marked quality decline by mismanagement")
    no_safety_system = "no_safety_system", _l("No fire, theft and flood safety system or equipment")
    obstructed_inspection = "obstructed_inspection", _l("Refused or obstructed an inspection")
    false_quantity = "false_quantity", _l("Falsely reported or concealed quantities")
    adulteration = "adulteration", _l("Adulterated or passed off inferior goods")
    unauthorised_swap = "unauthorised_swap", _l("Swapped varieties or moved storage without approval")
    price_arbitrage = "price_arbitrage", _l("Price arbitrage or fraudulent subsidies")
    refused_instruction = "refused_instruction", _l("Refused to execute a receive or release instruction")


class BloodGroup(Vocabulary):
    """ABO groups of the blood station's daily report (docs/blood.md)."""

    A = "A", _l("Group A")
    B = "B", _l("Group B")
    O = "O", _l("Group O")  # noqa: E741
    AB = "AB", _l("Group AB")


class Rh(Vocabulary):
    """Rh(D) type; Rh-negative stock is shown separately and never starts a level by itself (docs/blood.md)."""

    pos = "pos", _l("Rh-positive")
    neg = "neg", _l("Rh-negative")


class BloodComponent(Vocabulary):
    """What the station reports per group: red cells and plasma in units, apheresis platelets in therapeutic doses."""

    red_cells = "red_cells", _l("Red cells (U)")
    platelets = "platelets", _l("Apheresis platelets (therapeutic doses)")
    plasma = "plasma", _l("Plasma (U)")


class WarningColour(Vocabulary):
    """The published warning of each level (blood-supply plan §三(二), docs/blood.md)."""

    red = "red", _l("Red warning"), "text-bg-danger"
    orange = "orange", _l("Orange warning"), "text-bg-warning"
    yellow = "yellow", _l("Yellow warning"), "text-bg-warning"
    blue = "blue", _l("Blue warning"), "text-bg-primary"


class EmergencyLevel(Vocabulary):
    """Blood-supply emergency levels, most serious first; IV and III are computed, II and I declared."""

    I = "I", _l("Level I (particularly serious)"), "text-bg-danger"  # noqa: E741
    II = "II", _l("Level II (serious)"), "text-bg-warning"
    III = "III", _l("Level III (major)"), "text-bg-warning"
    IV = "IV", _l("Level IV (general)"), "text-bg-primary"

    @property
    def colour(self) -> WarningColour:
        return WarningColour({"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}[self.value])

    @property
    def rank(self) -> int:
        """4 for Level I down to 1 for Level IV: a higher rank is more serious."""
        return {"I": 4, "II": 3, "III": 2, "IV": 1}[self.value]

    @classmethod
    def declared(cls) -> frozenset[EmergencyLevel]:
        """The levels a health-commission officer declares with a reason and a designating document."""
        return frozenset({cls.I, cls.II})


class EmergencyStatus(Vocabulary):
    """A computed level is proposed and becomes a published warning once the health commission confirms it;
    a declared level is confirmed when declared."""

    proposed = "proposed", _l("Proposed, awaiting confirmation"), "text-bg-warning"
    confirmed = "confirmed", _l("Confirmed and published"), "text-bg-danger"


class EmergencyOrigin(Vocabulary):
    computed = "computed", _l("Computed from the daily reports")
    declared = "declared", _l("Declared by the health commission")


class NoticeRecipient(Vocabulary):
    """Whom the health commission reports a Level III, II or I event to (blood-supply plan §三(三)2)."""

    city = "city", _l("City party committee and government")
    province = "province", _l("Provincial health department")


class NoticeChannel(Vocabulary):
    phone = "phone", _l("By phone")
    written = "written", _l("In writing")


class ResponseMeasure(Vocabulary):
    """The measures of each level's response (blood-supply plan §四), ticked on the emergency's checklist; the
    value names the level and the item (``IV.1`` is §四(四)1). ``II.state`` is the city government's declaration of
    the state of emergency that opens §四(二)."""

    I_1 = "I.1", _l("The city's command responds under the unified leadership and command of the provincial "
                    "command (§4(1))")
    II_state = "II.state", _l("The city government starts the blood-supply emergency command and declares clinical "
                              "blood supply and use in the whole city in a state of emergency (§4(2))")
    II_1 = "II.1", _l("Appeal for emergency unpaid blood donation through the news media, calling on citizens to "
                      "join the donors")
    II_2 = "II.2", _l("Call on all citizens of the city to donate blood")
    II_3 = "II.3", _l("Medical institutions strictly control clinical blood use and restrict it for patients who are "
                      "not critically ill")
    II_4 = "II.4", _l("If blood facilities and equipment are seriously damaged, start the temporary blood-handling "
                      "units for clinical blood in the area")
    II_5 = "II.5", _l("If the emergency donor teams shrink sharply and blood is severely short, mobilise and arrange "
                      "emergency donation by units everywhere")
    II_6 = "II.6", _l("Report urgently to the provincial health department and apply for emergency blood transfers")
    III_1 = "III.1", _l("Hospitals suspend elective surgery; stock is used for emergencies only")
    III_2 = "III.2", _l("Start organised donation by the city's emergency donor teams; assign emergency donation "
                        "tasks to units if necessary")
    III_3 = "III.3", _l("If supply is still not normal after these measures, report urgently to the provincial health "
                        "department and apply for blood from other cities")
    IV_1 = "IV.1", _l("The blood station allocates blood by plan according to stock")
    IV_2 = "IV.2", _l("Hospitals promote autologous storage and blood salvage for elective surgery, restrict blood "
                      "for elective surgery and non-surgical patients, and mobilise relatives and colleagues for "
                      "mutual-aid donation")
    IV_3 = "IV.3", _l("Run targeted unpaid-donation campaigns in the news media")
    IV_4 = "IV.4", _l("The blood station extends its opening hours and sets up a green channel for mutual-aid "
                      "donation")
    IV_5 = "IV.5", _l("If spontaneous donors fall sharply, the city government starts the emergency donor teams; if "
                      "that is not enough, civil servants, employees and medical staff lead by donating, students "
                      "and the armed forces are encouraged to join, and donation targets may be assigned")

    @property
    def level(self) -> str:
        return self.value.split(".")[0]

    @classmethod
    def of_level(cls, level: str) -> tuple[ResponseMeasure, ...]:
        """The checklist of ``level`` in the plan's order."""
        return tuple(member for member in cls if member.level == level)


class TerminationAuthority(Vocabulary):
    """Who decides the termination of an emergency's response (blood-supply plan §五(一))."""

    province = "province", _l("Provincial government or its blood-supply command")
    city = "city", _l("City government or its blood-supply command")
    health_commission = "health_commission", _l("City health commission")

    @classmethod
    def of_level(cls, level: str) -> TerminationAuthority:
        """Level I: the province; Level II: the city; Levels III and IV: the health commission."""
        return {"I": cls.province, "II": cls.city}.get(level, cls.health_commission)


class HandlingUnitKind(Vocabulary):
    """What a temporary blood-handling unit is (blood-supply plan §六(三))."""

    hospital = "hospital", _l("Designated medical institution")
    station = "station", _l("Neighbouring blood station")


class HandlingUnitDesignator(Vocabulary):
    """Who designated a temporary blood-handling unit (§六(三)): the city or the provincial health commission."""

    city = "city", _l("City health commission")
    province = "province", _l("Provincial health department")


class RuleMode(Vocabulary):
    """How a cold-chain rule counts time out of range (docs/coldchain.md, rules)."""

    consecutive = "consecutive", _l("Consecutive")
    cumulative = "cumulative", _l("Cumulative")


class RuleComparison(Vocabulary):
    """Which side of a rule's threshold is out of range (docs/coldchain.md, rules)."""

    above = "above", _l("Above (>)")
    at_or_above = "at_or_above", _l("At or above (≥)")
    below = "below", _l("Below (<)")
    at_or_below = "at_or_below", _l("At or below (≤)")

    @property
    def high(self) -> bool:
        """True when values above the threshold are out of range (the peak is then the highest value)."""
        return self in (RuleComparison.above, RuleComparison.at_or_above)


class ReadingMetric(Vocabulary):
    """What a cold-chain rule watches."""

    celsius = "celsius", _l("Temperature (°C)")
    humidity = "humidity", _l("Relative humidity (%)")


class ScrapStatus(Vocabulary):
    """A scrap request (报废, reserve-materials-measures §三): drafted and submitted by the enterprise, approved by
    the bureau of the material, signed off by a witness of that bureau, executed by the enterprise (scrap
    movements and a replenishment of the same quantity, in one transaction)."""

    draft = "draft", _l("Draft"), "text-bg-secondary"
    submitted = "submitted", _l("Submitted, awaiting approval"), "text-bg-warning"
    approved = "approved", _l("Approved, awaiting the witness"), "text-bg-info"
    witnessed = "witnessed", _l("Witnessed, to execute"), "text-bg-primary"
    executed = "executed", _l("Scrapped"), "text-bg-dark"
    rejected = "rejected", _l("Rejected"), "text-bg-danger"
    cancelled = "cancelled", _l("Cancelled"), "text-bg-secondary"


class ScrapReason(Vocabulary):
    """Why stock may be scrapped: its material's scrap rule (age), a failed inspection, or damage."""

    aged = "aged", _l("Past the material's scrap age")
    failed_inspection = "failed_inspection", _l("Failed quality inspection")
    damaged = "damaged", _l("Damaged")


class ScrapAgeBasis(Vocabulary):
    """What a scrap rule's age is counted from."""

    production = "production", _l("Production date")
    receipt = "receipt", _l("Receipt date")


class RotationStatus(Vocabulary):
    """A rotation (轮换, §三): proposed by the enterprise, approved by the bureau (the window starts), executed out
    and back in, completed once as much came in as went out."""

    draft = "draft", _l("Draft"), "text-bg-secondary"
    submitted = "submitted", _l("Submitted, awaiting approval"), "text-bg-warning"
    approved = "approved", _l("Approved, rotating"), "text-bg-primary"
    completed = "completed", _l("Completed"), "text-bg-success"
    rejected = "rejected", _l("Rejected"), "text-bg-danger"
    cancelled = "cancelled", _l("Cancelled"), "text-bg-secondary"


class RotationMode(Vocabulary):
    """How rotated stock leaves (reserve-materials-measures §一(三)): sold on the market or directed to a buyer."""

    market = "market", _l("Market sale")
    directed = "directed", _l("Directed sale")


class InspectionStatus(Vocabulary):
    """An inspection (监督检查, reserve-materials-measures §五(二)): open while its findings are answered and closed,
    then closed by its inspecting bureau."""

    open = "open", _l("Open, findings outstanding"), "text-bg-warning"
    closed = "closed", _l("Closed"), "text-bg-success"


class FindingStatus(Vocabulary):
    """A finding of an inspection (one of the ten violations of §六(二)): answered by the enterprise with a
    corrective action and date, then closed by the inspecting bureau or sent back for a better answer."""

    open = "open", _l("Awaiting the enterprise's answer"), "text-bg-danger"
    answered = "answered", _l("Answered, awaiting the inspector"), "text-bg-warning"
    closed = "closed", _l("Closed"), "text-bg-success"


class SafetyAspect(Vocabulary):
    """What an inspection checks of storage safety (§二(六)3, §五(七)3): fire, theft, flood and power."""

    fire = "fire", _l("Fire safety")
    theft = "theft", _l("Theft prevention")
    flood = "flood", _l("Flood prevention")
    power = "power", _l("Power supply")


class InspectionOutcome(Vocabulary):
    """The sanction an inspection led to (§六(二)): none, an interview (约谈) or revocation of the storage
    qualification (取消承储资格)."""

    none = "none", _l("No sanction"), "text-bg-success"
    interview = "interview", _l("Interview (约谈)"), "text-bg-warning"
    revocation = "revocation", _l("Qualification revoked"), "text-bg-danger"


class SanctionKind(Vocabulary):
    """A decision on an enterprise's storage qualification: an interview is recorded at once; suspension,
    revocation and reinstatement are proposed and decided by the reserve bureau's approver (four eyes)."""

    interview = "interview", _l("Interview (约谈)"), "text-bg-warning"
    suspension = "suspension", _l("Suspension of the storage qualification"), "text-bg-danger"
    revocation = "revocation", _l("Revocation of the storage qualification"), "text-bg-dark"
    reinstatement = "reinstatement", _l("Reinstatement of the storage qualification"), "text-bg-success"


class SanctionStatus(Vocabulary):
    recorded = "recorded", _l("Recorded"), "text-bg-info"
    proposed = "proposed", _l("Proposed, awaiting the bureau's approver"), "text-bg-warning"
    approved = "approved", _l("Approved, in force"), "text-bg-success"
    rejected = "rejected", _l("Rejected"), "text-bg-danger"
    withdrawn = "withdrawn", _l("Withdrawn"), "text-bg-secondary"


class QualificationState(Vocabulary):
    """A storage enterprise's qualification (承储资格): suspended or revoked, it receives no new reserve lots."""

    qualified = "qualified", _l("Qualified"), "text-bg-success"
    interviewed = "interviewed", _l("Interviewed, correcting"), "text-bg-warning"
    suspended = "suspended", _l("Suspended"), "text-bg-danger"
    revoked = "revoked", _l("Revoked"), "text-bg-dark"

    @classmethod
    def barred(cls) -> frozenset[QualificationState]:
        """States in which the enterprise may not receive new lots of reserve materials."""
        return frozenset({cls.suspended, cls.revoked})


class PlanStatus(Vocabulary):
    """A catalogue version or an annual plan (docs/plans.md): drafted, co-signed by every party (会同: development
    and reform, finance, each responsible bureau), approved by the government and then in force until a newer
    version is approved; a rejection returns it to draft for the next round."""

    draft = "draft", _l("Draft"), "text-bg-secondary"
    cosigning = "cosigning", _l("Awaiting co-signatures"), "text-bg-warning"
    cosigned = "cosigned", _l("Co-signed, awaiting government approval"), "text-bg-info"
    in_force = "in_force", _l("In force"), "text-bg-success"
    superseded = "superseded", _l("Superseded"), "text-bg-dark"
    withdrawn = "withdrawn", _l("Withdrawn"), "text-bg-secondary"


class AdditionStatus(Vocabulary):
    """A temporary addition (临时储备, §二(四)): approved by the government, in force for its period; when it ends
    the bureau lets it lapse or proposes it into the catalogue."""

    draft = "draft", _l("Draft"), "text-bg-secondary"
    submitted = "submitted", _l("Awaiting government approval"), "text-bg-warning"
    in_force = "in_force", _l("In force"), "text-bg-success"
    lapsed = "lapsed", _l("Lapsed"), "text-bg-dark"
    proposed = "proposed", _l("Proposed into the catalogue"), "text-bg-info"
    withdrawn = "withdrawn", _l("Withdrawn"), "text-bg-secondary"


class ContractStatus(Vocabulary):
    """A storage contract (承储合同, §二(五)2): drafted by the bureau, signed by both parties, active in its
    period, then expired, or terminated early by the bureau with a reason."""

    draft = "draft", _l("Draft"), "text-bg-secondary"
    signing = "signing", _l("Awaiting signatures"), "text-bg-warning"
    signed = "signed", _l("Signed, not yet in its period"), "text-bg-info"
    active = "active", _l("Active"), "text-bg-success"
    expired = "expired", _l("Expired"), "text-bg-dark"
    terminated = "terminated", _l("Terminated"), "text-bg-danger"
    cancelled = "cancelled", _l("Cancelled"), "text-bg-secondary"


class SelectionMethod(Vocabulary):
    """How a storage enterprise was chosen (§二(五)1)."""

    tender = "tender", _l("Public tender (招标)")
    qualification = "qualification", _l("Qualification review (资格审查)")
    expert_review = "expert_review", _l("Expert review (专家评审)")


class EvaluationStatus(Vocabulary):
    draft = "draft", _l("Draft"), "text-bg-secondary"
    final = "final", _l("Final"), "text-bg-success"
