"""A demo donor register, collection points, the year's filing and a drill, so the compliance page shows rules
both met and missed (docs/blood.md, "Demo").

About 900 generated volunteers (made-up names and numbers, encrypted like real ones): groups in the plan's exact
mix and four in five recruited through units — those rules pass; the main city has 440 (short of 500 and of five
days of demand), the counties 445 (short of 1,500 and of most 0.4 ‰ floors; 永清 and 大厂 meet theirs, as do 广阳 and
the development area); twelve county records were last confirmed over a year ago. Three points in the main city,
none in 文安 and 大城.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import Session, select

from inventory.core.clock import business_today, utcnow
from inventory.models import BloodDonor, CollectionPoint, DonationDrill, DonorFiling, User
from inventory.services.blood import donor_vault
from inventory.services.blood.donors import team_districts

#: donors per district code
TEAM_SIZES = {"guangyang": 230, "anci": 150, "devzone": 60, "sanhe": 60, "bazhou": 40, "guan": 30, "wenan": 30,
              "dacheng": 25, "xianghe": 25, "yongqing": 160, "dachang": 75}
#: 25 donors in a row follow the plan's mix exactly: A 6, B 7, O 8, AB 4 (24 / 28 / 32 / 16 %)
MIX_CYCLE = ["A"] * 6 + ["B"] * 7 + ["O"] * 8 + ["AB"] * 4
FAMILY = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"
UNITS = ("市第一中学", "廊坊供电公司", "市人民医院", "开发区管委会", "县农商银行", "县公安局", "市消防救援支队", "个人")
STALE_IN = "sanhe"
POINTS = [("guangyang", "万达广场献血点", "广阳区新华路50号万达广场北门", 60),
          ("guangyang", "人民公园献血点", "广阳区解放道人民公园东门", 40),
          ("anci", "安次区政务中心献血点", "安次区永华道政务服务中心", 40),
          ("devzone", "开发区管委会献血点", "开发区华祥路管委会广场", 30, False),
          ("sanhe", "燕郊献血屋", "三河市燕郊镇迎宾路", 50), ("bazhou", "霸州市体育场献血点", "霸州市益津路体育场", 30),
          ("guan", "固安县政务中心献血点", "固安县新源街", 30), ("xianghe", "香河家具城献血点", "香河县家具城东门", 30),
          ("yongqing", "永清县医院献血点", "永清县永安路县医院", 20), ("dachang", "大厂县文化中心献血点", "大厂县大安街", 20)]


def seed(session: Session, officer: User, *, today: date | None = None) -> int:
    """Writes the demo register; returns the donors written (none when the register is not empty)."""
    if session.exec(select(BloodDonor.id)).first() is not None:
        return 0
    today = today or business_today()
    districts, rng = team_districts(session), random.Random(611)
    donors, index, stale, now, phones = [], 0, 0, utcnow(), set()
    for code, size in TEAM_SIZES.items():
        for _ in range(size):
            name = rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            phone = ""
            while not phone or phone in phones:  # one donor per phone, as the register requires
                phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
            phones.add(phone)
            old = code == STALE_IN and stale < 12
            stale += old
            confirmed = today - timedelta(days=400 + rng.randrange(200) if old else rng.randrange(300))
            unit = UNITS[index % (len(UNITS) - 1)] if index % 5 else UNITS[-1]
            donors.append({"name_token": donor_vault.encrypt(name), "phone_token": donor_vault.encrypt(phone),
                           "phone_hash": donor_vault.phone_hash(phone),
                           "unit": unit, "district_id": districts[code].id, "abo_group": MIX_CYCLE[index % 25],
                           "rh": "neg" if index % 50 == 7 else "pos", "group_donor": index % 5 != 0,
                           "last_confirmed_on": confirmed, "created_by": officer.id, "created_at": now})
            index += 1
    session.execute(insert(BloodDonor), donors)
    session.execute(insert(CollectionPoint), [
        {"district_id": districts[p[0]].id, "name": p[1], "address": p[2], "capacity": p[3],
         "active": p[4] if len(p) > 4 else True, "created_by": officer.id, "created_at": now} for p in POINTS])
    session.add(DonorFiling(year=today.year, filed_on=min(today, date(today.year, 1, 15)),
                            reference=f"廊血应急办备〔{today.year}〕3号", recorded_by=officer.id))
    session.add(DonationDrill(held_on=min(today, date(today.year, 6, 14)), participants=120,
                              notes="世界献血者日应急献血演练（广阳区）", recorded_by=officer.id))
    session.flush()
    return len(donors)
