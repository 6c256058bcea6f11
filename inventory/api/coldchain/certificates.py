"""The traceability and quarantine certificates a body that brings a new lot into stock carries (docs/coldchain.md,
traceability; cold-chain opinions §二(八)1 and §二(八)3): ``POST /lots``, a receive instruction's execution, a
rotation's ``/in`` and a dispatch's recovery share these fields, and the service checks them the same way."""
from __future__ import annotations

from pydantic import Field, StrictBool

from inventory.api.schemas import StrictBody
from inventory.services.coldchain import traceability


class CertificatesIn(StrictBody):
    """Required for chilled and frozen food (422 naming each one missing), the customs documents when imported;
    kept on the lot whatever the material."""

    origin: str = Field(default="", max_length=128, description="where the goods come from (产地)")
    trace_certificate: str = Field(default="", max_length=64, description="traceability voucher number (溯源凭证)")
    quarantine_certificate: str = Field(default="", max_length=64,
                                        description="quarantine certificate number (meat and eggs)")
    imported: StrictBool = Field(default=False, description="imported food: the three documents below are required")
    customs_declaration: str = Field(default="", max_length=64, description="customs declaration number (报关单号)")
    entry_inspection_certificate: str = Field(default="", max_length=64,
                                              description="entry inspection and quarantine certificate number")
    disinfection_certificate: str = Field(default="", max_length=64,
                                          description="nucleic-acid test / disinfection certificate number")

    def certificates(self) -> traceability.Certificates:
        return traceability.Certificates(**{name: getattr(self, name) for name in traceability.FIELDS})
