"""The demo city: Langfang's reserve bureaus, coordinators, enterprises and one user per role.

The districts themselves come with the database (migration 0005, census populations), not with the demo.
"""
from __future__ import annotations

from sqlmodel import Session, select

from inventory.models import Organisation
from inventory.services.accounts import directory
from inventory.services.alerts import demo as alerts_demo
from inventory.services.blood import demo as blood_demo
from inventory.services.plans import demo as plans_demo
from inventory.services.plans import contracts_demo
from inventory.services.stock import demo as stock_demo
from inventory.services.workflows import demo as workflows_demo

DEMO_PASSWORD = "demo-pass-2026"

#: code, kind, name, district, bureau domain
ORGANISATIONS = [
    ("BUR-GRAIN", "bureau", "市粮食和物资储备局", "guangyang", "grain"),
    ("BUR-COMMERCE", "bureau", "市商务局", "guangyang", "commerce"),
    ("BUR-EMERGENCY", "bureau", "市应急管理局", "guangyang", "emergency"),
    ("BUR-WATER", "bureau", "市水利局", "guangyang", "water"),
    ("BUR-AGRI", "bureau", "市农业农村局", "guangyang", "agriculture"),
    ("BUR-INDUSTRY", "bureau", "市工业和信息化局", "guangyang", "industry"),
    ("BUR-COOP", "bureau", "市供销合作社", "guangyang", "supply_coop"),
    ("BUR-HEALTH", "bureau", "市卫生健康委员会", "guangyang", "health"),
    ("CO-NDRC", "coordinator", "市发展和改革委员会", "guangyang", None),
    ("CO-FIN", "coordinator", "市财政局", "guangyang", None),
    ("GOV", "government", "市人民政府办公室", "guangyang", None),
    ("ENT-GRAIN", "enterprise", "廊坊市粮食储备库有限公司", "anci", None),
    ("ENT-COLD", "enterprise", "廊坊冷链物流有限公司", "devzone", None),
    ("ENT-RELIEF", "enterprise", "三河市应急物资储运有限公司", "sanhe", None),
    ("ENT-BAZHOU", "enterprise", "霸州市粮油储备有限公司", "bazhou", None),
    ("BLOOD", "blood_station", "廊坊市中心血站", "guangyang", None),
]

#: username, organisation, role, display name
USERS = [
    ("admin", "GOV", "admin", "系统管理员"),
    ("clerk", "ENT-GRAIN", "enterprise_clerk", "粮库保管员 王磊"),
    ("manager", "ENT-GRAIN", "enterprise_manager", "粮库经理 李娜"),
    ("coldclerk", "ENT-COLD", "enterprise_clerk", "冷链保管员 赵强"),
    ("coldmanager", "ENT-COLD", "enterprise_manager", "冷链经理 孙丽"),
    ("reliefclerk", "ENT-RELIEF", "enterprise_clerk", "应急库保管员 周平"),
    ("officer", "BUR-GRAIN", "bureau_officer", "储备局科员 陈晨"),
    ("approver", "BUR-GRAIN", "bureau_approver", "储备局处长 刘洋"),
    ("emofficer", "BUR-EMERGENCY", "bureau_officer", "应急局科员 郭敏"),
    ("emapprover", "BUR-EMERGENCY", "bureau_approver", "应急局处长 何军"),
    ("coordinator", "CO-NDRC", "coordinator", "发改委 吴静"),
    ("finance", "CO-FIN", "coordinator", "财政局 郑涛"),
    ("gov", "GOV", "government_approver", "市政府办 冯刚"),
    ("blood", "BLOOD", "blood_officer", "血站值班 林芳"),
    ("health", "BUR-HEALTH", "health_officer", "卫健委 黄伟"),
    ("inspector", "BUR-GRAIN", "inspector", "检查员 韩冰"),
    ("viewer", "CO-NDRC", "viewer", "查询用户 曹雪"),
    # every responsible bureau co-signs the catalogue and the annual plan; contracts need both parties' signers
    ("bizofficer", "BUR-COMMERCE", "bureau_officer", "商务局科员 马超"),
    ("bizapprover", "BUR-COMMERCE", "bureau_approver", "商务局处长 田甜"),
    # releases the cold-chain lots (meat, eggs, frozen food) an excursion held (docs/coldchain.md, holds)
    ("bizinspector", "BUR-COMMERCE", "inspector", "商务局检查员 许静"),
    ("indapprover", "BUR-INDUSTRY", "bureau_approver", "工信局处长 罗斌"),
    ("waterapprover", "BUR-WATER", "bureau_approver", "水利局处长 梁涛"),
    ("healthapprover", "BUR-HEALTH", "bureau_approver", "卫健委处长 宋佳"),
    ("coopapprover", "BUR-COOP", "bureau_approver", "供销社处长 唐宁"),
    ("bzmanager", "ENT-BAZHOU", "enterprise_manager", "霸州储备库经理 杨帆"),
]


def seed(*, session: Session) -> list[tuple[str, str, str]]:
    """Load the demo city once; returns the logins created (empty when already loaded)."""
    if session.exec(select(Organisation).where(Organisation.code == "GOV")).first():
        return []
    for code, kind, name, district, domain in ORGANISATIONS:
        directory.create_org(session=session, code=code, kind=kind, name=name, district_code=district, domain=domain)
    logins = []
    for username, org, role, display in USERS:
        directory.create_user(session=session, username=username, org_code=org, role=role,
                             password=DEMO_PASSWORD, display_name=display)
        logins.append((username, role, org))
    stock_demo.seed(session)
    blood_demo.seed(session)
    workflows_demo.seed(session)
    plans_demo.seed(session)
    contracts_demo.seed(session)
    alerts_demo.seed(session)
    return logins
