"""The demo catalogue, facilities and lots: a realistic reserve with some stock close to expiry."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from inventory.models import User
from inventory.services.coldchain.traceability import Certificates
from inventory.services.stock import catalogue
from inventory.services.stock import facilities
from inventory.services.stock import ledger
from inventory.services.stock import lots
from inventory.core.clock import business_today

#: code, zh, en, category, unit, shelf life days, storage class, policy, rotation lead days, bureau
MATERIALS = [
    ("WHEAT", "小麦", "Wheat", "grain", "t", 1095, "ambient", "rotate", 90, "BUR-GRAIN"),
    ("RICE", "稻谷", "Paddy rice", "grain", "t", 1095, "ambient", "rotate", 90, "BUR-GRAIN"),
    ("MAIZE", "玉米", "Maize", "grain", "t", 730, "ambient", "rotate", 60, "BUR-GRAIN"),
    ("SOY-OIL", "大豆油", "Soybean oil", "edible_oil", "t", 730, "ambient", "rotate", 60, "BUR-GRAIN"),
    ("PORK-FZ", "冻猪肉", "Frozen pork", "meat", "t", 365, "frozen", "rotate", 60, "BUR-COMMERCE"),
    ("SALT", "食盐", "Edible salt", "salt", "t", 1825, "ambient", "rotate", 90, "BUR-INDUSTRY"),
    ("CABBAGE", "大白菜", "Chinese cabbage", "vegetables", "t", 90, "chilled", "rotate", 15, "BUR-COMMERCE"),
    ("EGGS", "鸡蛋", "Eggs", "eggs", "t", 45, "chilled", "rotate", 10, "BUR-COMMERCE"),
    ("TENT", "救灾帐篷", "Relief tent", "disaster_relief", "顶", 3650, "ambient", "scrap", 0, "BUR-EMERGENCY"),
    ("QUILT", "棉被", "Cotton quilt", "disaster_relief", "床", 3650, "ambient", "scrap", 0, "BUR-EMERGENCY"),
    ("SANDBAG", "编织袋", "Sandbag", "flood_control", "条", 1825, "ambient", "scrap", 0, "BUR-WATER"),
    ("LIFEJACKET", "救生衣", "Life jacket", "flood_control", "件", 1825, "ambient", "scrap", 0, "BUR-WATER"),
    ("MASK-N95", "医用防护口罩", "Medical protective mask", "epidemic", "只", 1095, "ambient", "scrap", 0, "BUR-HEALTH"),
    ("SUIT", "医用防护服", "Protective suit", "epidemic", "套", 1095, "ambient", "scrap", 0, "BUR-HEALTH"),
    ("RICE-PACK", "小包装大米", "Packaged rice", "small_package", "箱", 365, "ambient", "rotate", 30, "BUR-COOP"),
]

#: code, name, enterprise, kind, district, capacity, unit, categories stored, keeper
FACILITIES = [
    ("GR-01", "安次粮库1号仓", "ENT-GRAIN", "warehouse", "anci", 20000, "t", ["grain"], "clerk"),
    ("GR-02", "安次粮库油罐区", "ENT-GRAIN", "warehouse", "anci", 5000, "t", ["edible_oil"], "clerk"),
    ("GR-03", "广阳中转库", "ENT-GRAIN", "warehouse", "guangyang", 8000, "t", ["grain", "edible_oil"], "clerk"),
    ("CS-01", "开发区低温冷库", "ENT-COLD", "cold_store", "devzone", 3000, "t", ["meat"], "coldclerk"),
    ("CS-02", "开发区预冷库", "ENT-COLD", "pre_cooling", "devzone", 800, "t", ["vegetables", "eggs"], "coldclerk"),
    ("CS-03", "冷藏车 冀R-C1234", "ENT-COLD", "reefer_vehicle", "devzone", 20, "t", ["meat"], "coldclerk"),
    ("RL-01", "三河应急物资库", "ENT-RELIEF", "warehouse", "sanhe", 50000, "件",
     ["disaster_relief", "flood_control", "epidemic"], "reliefclerk"),
    ("BZ-01", "霸州粮油储备库", "ENT-BAZHOU", "warehouse", "bazhou", 30000, "t", ["grain", "edible_oil"], None),
]

#: clerk, lot code, material, facility, quantity, produced days ago
LOTS = [
    ("clerk", "WH-2024-001", "WHEAT", "GR-01", "3200.000", 900),
    ("clerk", "WH-2025-014", "WHEAT", "GR-01", "4100.500", 300),
    ("clerk", "RI-2024-007", "RICE", "GR-01", "2500.000", 1060),
    ("clerk", "MZ-2025-003", "MAIZE", "GR-03", "1800.000", 200),
    ("clerk", "OIL-2025-002", "SOY-OIL", "GR-02", "950.250", 690),
    ("coldclerk", "PK-2026-031", "PORK-FZ", "CS-01", "420.000", 330),
    ("coldclerk", "PK-2026-052", "PORK-FZ", "CS-01", "380.000", 120),
    ("coldclerk", "CB-2026-110", "CABBAGE", "CS-02", "160.000", 80),
    ("coldclerk", "EG-2026-301", "EGGS", "CS-02", "45.500", 20),
    ("reliefclerk", "TENT-2020-01", "TENT", "RL-01", "1200", 2000),
    ("reliefclerk", "QUILT-2022-03", "QUILT", "RL-01", "5000", 1200),
    ("reliefclerk", "SB-2023-02", "SANDBAG", "RL-01", "80000", 1000),
    ("reliefclerk", "LJ-2024-05", "LIFEJACKET", "RL-01", "3000", 700),
    ("reliefclerk", "MASK-2024-09", "MASK-N95", "RL-01", "200000", 1000),
    ("reliefclerk", "SUIT-2025-01", "SUIT", "RL-01", "15000", 400),
]

#: the traceability and quarantine certificates the cold-chain food lots were received with (docs/coldchain.md,
#: traceability; cold-chain opinions §二(八)1, and §二(八)3 for the imported pork)
CERTIFICATES = {
    "PK-2026-031": Certificates(origin="河北省廊坊市三河市", trace_certificate="SY-1310-2026-0031",
                                quarantine_certificate="DJ-1310-2026-0031"),
    "PK-2026-052": Certificates(origin="西班牙", trace_certificate="SY-1310-2026-0052",
                                quarantine_certificate="DJ-JK-2026-0052", imported=True,
                                customs_declaration="020220260000052", entry_inspection_certificate="IQ-0202-2026-0052",
                                disinfection_certificate="XD-1310-2026-0052"),
    "CB-2026-110": Certificates(origin="山东省潍坊市寿光市", trace_certificate="SY-3707-2026-0110"),
    "EG-2026-301": Certificates(origin="河北省廊坊市固安县", trace_certificate="SY-1310-2026-0301",
                                quarantine_certificate="DJ-1310-2026-0301"),
}

#: lot code, quantity issued, note
ISSUES = [
    ("WH-2024-001", "200.000", "轮换出库"),
    ("PK-2026-031", "35.000", "市场投放"),
    ("SB-2023-02", "5000", "汛期演练调用"),
]


def seed(session: Session) -> None:
    users = {u.username: u for u in session.exec(select(User))}
    for code, zh, en, category, unit, shelf, storage, policy, lead, bureau in MATERIALS:
        catalogue.create_material(session=session, actor=users["admin"], code=code, bureau=bureau, name_zh=zh,
                                name_en=en, category=category, unit=unit, shelf_life_days=shelf,
                                storage_class=storage, policy=policy, rotation_lead_days=lead)
    for code, name, enterprise, kind, district, capacity, unit, categories, keeper in FACILITIES:
        facilities.create_facility(session=session, actor=users["admin"], code=code, name=name, enterprise=enterprise,
                                   kind=kind, district=district, capacity=Decimal(capacity), capacity_unit=unit,
                                   categories=categories, keeper=keeper,
                                   fire_safety=True, theft_safety=True, flood_safety=kind == "warehouse",
                                   fire_checked_on=business_today() - timedelta(days=40))
    today = business_today()
    by_code = {}
    for clerk, lot_code, material, facility, quantity, age in LOTS:
        receipt = lots.Receipt(material=material, facility=facility, lot_code=lot_code, quantity=Decimal(quantity),
                               production_date=today - timedelta(days=age), received_on=today - timedelta(days=age),
                               certificates=CERTIFICATES.get(lot_code, Certificates()))
        by_code[lot_code] = (users[clerk], lots.receive_lot(session=session, actor=users[clerk], receipt=receipt))
    for lot_code, quantity, note in ISSUES:
        clerk, lot = by_code[lot_code]
        ledger.post_movement(session=session, lot_id=lot.id, kind="issue", amount=-Decimal(quantity), actor=clerk,
                             note=note)
