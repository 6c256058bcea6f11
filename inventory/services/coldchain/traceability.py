"""Traceability and quarantine certificates recorded on receipt of cold-chain goods (docs/coldchain.md,
traceability): the market-entry traceability vouchers of farm produce and food (cold-chain opinions §二(八)1,
入市查验溯源凭证) and, for imported frozen and chilled food, the customs and inspection documents of the
imported cold-chain food inspection regime (§二(八)3, 进口冻品集中监管, 进口冷链食品检验检疫).

Which receipts need which (policy, from those sections):

- chilled and frozen **food** (storage classes ``chilled``, ``frozen``): origin and traceability voucher; for meat
  and eggs (animal products) the quarantine certificate too;
- imported chilled and frozen food, in addition: the customs declaration, the entry inspection and quarantine
  certificate and the nucleic-acid test / disinfection certificate;
- medical, blood and ultra-low classes, ambient and cool goods: none required (their records are the medicines'
  and blood stations' own, outside §二(八)'s farm produce and food); any given is kept.

Every way a new lot enters stock checks them here, through ``lots.validate_receipt``: the receipt form and
``POST /lots``, the receipt imports, receive instructions, rotations' purchases and dispatch recoveries. A transfer's
moved lot is the same goods: it copies the source lot's columns (``of_lot``) and is not asked again.
"""
from __future__ import annotations

import unicodedata

from dataclasses import dataclass, fields

from flask_babel import lazy_gettext as _l

from inventory.core.errors import Invalid
from inventory.core.vocab import Category, StorageClass
from inventory.models import Lot, Material

FOOD_CLASSES = frozenset({StorageClass.chilled, StorageClass.frozen})
ANIMAL_CATEGORIES = frozenset({Category.meat, Category.eggs})
IMPORT_DOCUMENTS = ("customs_declaration", "entry_inspection_certificate", "disinfection_certificate")


@dataclass(frozen=True)
class Certificates:
    """What a receipt names; the field names are the lot's columns, the API's and the form's."""

    origin: str = ""
    trace_certificate: str = ""
    quarantine_certificate: str = ""
    imported: bool = False
    customs_declaration: str = ""
    entry_inspection_certificate: str = ""
    disinfection_certificate: str = ""

    def columns(self) -> dict[str, str | bool]:
        """The lot's column values, text trimmed."""
        return {f.name: (value.strip() if isinstance(value := getattr(self, f.name), str) else value)
                for f in fields(self)}

    def given(self) -> bool:
        """Whether the receipt names any certificate (or says the goods are imported)."""
        return any(self.columns().values())


#: the certificate fields, which are also the lot's columns, the API's, the forms' and the import's
FIELDS = tuple(f.name for f in fields(Certificates))
TEXT_FIELDS = tuple(name for name in FIELDS if name != "imported")


def of_lot(lot: Lot) -> Certificates:
    """The certificates a lot was received with: a transfer's moved lot carries them on."""
    return Certificates(**{name: getattr(lot, name) for name in FIELDS})


def required(material: Material, imported: bool) -> tuple[str, ...]:
    """The certificate fields a receipt of ``material`` must fill."""
    if material.storage_class not in FOOD_CLASSES:
        return ()
    needed = ("origin", "trace_certificate")
    if material.category in ANIMAL_CATEGORIES:
        needed += ("quarantine_certificate",)
    return needed + IMPORT_DOCUMENTS if imported else needed


def check(material: Material, certificates: Certificates) -> None:
    """422 naming every required certificate left empty, any too long for its column, and any holding a control
    character (a bell or a line break in a certificate number would be stored, printed and exported as is)."""
    missing = [name for name in required(material, certificates.imported)
               if not getattr(certificates, name).strip()]
    problems = {name: [_l("required for imported cold-chain food") if name in IMPORT_DOCUMENTS
                       else _l("required for cold-chain food")] for name in missing}
    for name in TEXT_FIELDS:
        limit = Lot.__table__.c[name].type.length
        if len(getattr(certificates, name).strip()) > limit:
            problems.setdefault(name, []).append(_l("at most %(count)s characters", count=limit))
        if any(unicodedata.category(char) == "Cc" for char in getattr(certificates, name)):
            problems.setdefault(name, []).append(_l("no control characters (line breaks, tabs and the like)"))
    if problems:
        raise Invalid(next(iter(problems.values()))[0], fields=problems)
