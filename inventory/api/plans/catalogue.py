"""The reserve catalogue's versions over the API (reserve-materials-measures §二(二), docs/plans.md): draft one,
change its lines while it is a draft, take it through the co-signatures and the government's approval, amend the
version in force. The rules are services/plans/catalogue.py's and documents.py's."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import request
from pydantic import Field, StrictInt

from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.plans.documents import (
    DocumentDetail, DocumentLineOut, DocumentOut, document_detail, documents_page, take_step,
)
from inventory.api.schemas import BODY, Blank, PageQuery, PositiveQuantity, StrictBody, errors, page_of
from inventory.api.spec import path_enums, spec
from inventory.api.stock.requests import person_actions
from inventory.core.vocab import PlanStatus
from inventory.db import get_session
from inventory.services.plans import catalogue

TAGS = ["plans"]
ACTIONS = person_actions(catalogue.CATALOGUE.flow)


class VersionQuery(PageQuery):
    status: Annotated[PlanStatus, Blank] = None


class CatalogueLineIn(StrictBody):
    material: str = Field(min_length=1, max_length=32, description="material code")
    target_quantity: PositiveQuantity = Field(description="the scale, in the material's unit")
    storage_months: Annotated[StrictInt, Field(ge=1, le=600)] = Field(default=12, description="storage period")


class VersionIn(StrictBody):
    title: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)
    review_due_on: date | None = Field(default=None, description="when it is to be reviewed; after today")
    lines: list[CatalogueLineIn] = Field(default_factory=list, max_length=500)

    def values(self) -> dict:
        return {"title": self.title, "note": self.note, "review_due_on": self.review_due_on,
                "lines": [catalogue.LineInput(line.material, line.target_quantity, line.storage_months)
                          for line in self.lines]}


class DocumentDecision(StrictBody):
    note: str = Field(default="", max_length=500, description="required to reject")


class CatalogueLineOut(DocumentLineOut):
    bureau_id: int
    bureau: str = Field(description="the responsible bureau's code")


class VersionOut(DocumentOut):
    review_due_on: date | None


class VersionDetail(VersionOut, DocumentDetail):
    lines: list[CatalogueLineOut]


VersionPage = page_of(VersionOut)


def _detail(version_id: int) -> VersionDetail:
    row = catalogue.visible(get_session(), current_user(), version_id)
    return document_detail(catalogue.CATALOGUE, row, VersionOut, VersionDetail, CatalogueLineOut, "bureau")


@bp.get("/catalogue-versions")
@spec.validate(query=VersionQuery, resp=errors(403, 422, HTTP_200=VersionPage), tags=TAGS)
def list_catalogue_versions():
    """Every version the caller may see, oldest first (`?status=`); an enterprise sees those that are or were in
    force."""
    return documents_page(catalogue.CATALOGUE, VersionOut, VersionPage)


@bp.post("/catalogue-versions")
@spec.validate(json=VersionIn, resp=errors(*BODY, 403, HTTP_201=VersionDetail), tags=TAGS)
@idempotent
def create_catalogue_version():
    """Draft a version (a coordinator or bureau staff): lines of material, target quantity and storage period; the
    responsible bureau is the material's. 422 names every bad line, nothing written."""
    session = get_session()
    made = catalogue.draft_version(session=session, actor=current_user(), **request.context.json.values())
    session.commit()
    return _detail(made.id), 201


@bp.get("/catalogue-versions/<int:version_id>")
@spec.validate(resp=errors(403, 404, HTTP_200=VersionDetail), tags=TAGS)
def get_catalogue_version(version_id: int):
    """The version with its lines, this round's signatures and who is still to sign, the timeline and the caller's
    actions."""
    return _detail(version_id)


@bp.put("/catalogue-versions/<int:version_id>")
@spec.validate(json=VersionIn, resp=errors(*BODY, 403, 404, 409, HTTP_200=VersionDetail), tags=TAGS)
def edit_catalogue_version(version_id: int):
    """Replace a draft's title, note, review date and lines (its drafting organisation; 409 once submitted)."""
    session = get_session()
    catalogue.edit_version(session=session, actor=current_user(), version_id=version_id,
                           **request.context.json.values())
    session.commit()
    return _detail(version_id)


@bp.post("/catalogue-versions/<int:version_id>/actions/<action>")
@spec.validate(json=DocumentDecision, resp=errors(*BODY, 403, 404, 409, HTTP_200=VersionDetail), tags=TAGS)
@path_enums(action=ACTIONS)
def decide_catalogue_version(version_id: int, action: str):
    """submit or withdraw (the drafting organisation, while a draft); sign (a coordinator of CO-NDRC or CO-FIN, or
    the approver of a responsible bureau, once per party and round, not the drafter); reject with a reason (a
    party yet to sign, or the government once co-signed: back to draft, next round); approve (the government, not
    the drafter or a signer: in force, the version in force before superseded)."""
    take_step(catalogue.CATALOGUE, version_id, action, ACTIONS)
    return _detail(version_id)


@bp.post("/catalogue-versions/<int:version_id>/amend")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_201=VersionDetail), tags=TAGS)
def amend_catalogue_version(version_id: int):
    """Start the next version as a draft copied from this one, which must be in force."""
    session = get_session()
    made = catalogue.amend(session=session, actor=current_user(), version_id=version_id)
    session.commit()
    return _detail(made.id), 201
