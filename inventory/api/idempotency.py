"""``Idempotency-Key`` for creating POSTs: the first response is stored and replayed.

A placeholder row is committed before the handler runs, so two concurrent requests with one key
cannot both create: the unique (user, key) constraint lets only one through.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, make_response, request
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from inventory.api.auth import current_user
from inventory.db import get_session
from inventory.models import IdempotencyRecord
from inventory.core.errors import Conflict, Invalid

_PENDING = 0


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        if len(key) > 128:
            raise Invalid.field("Idempotency-Key", "at most 128 characters")
        session = get_session()
        user = current_user()
        stored = session.exec(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
        ).first()
        if stored is not None:
            return _replay(stored)
        record = IdempotencyRecord(user_id=user.id, key=key, method=request.method, path=request.path,
                                   status_code=_PENDING, body="")
        session.add(record)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise Conflict("a request with this Idempotency-Key is in progress", code="idempotency_in_progress") from None
        try:
            response = _as_response(view(*args, **kwargs))
        except BaseException:
            session.rollback()
            session.delete(session.get(IdempotencyRecord, record.id))
            session.commit()
            raise
        _store(record.id, response)
        return response

    return wrapper


def _as_response(result: Any) -> Response:
    """The view's result as a Response, so it can be stored: a schema instance is serialised as spectree would."""
    body, *status_and_headers = result if isinstance(result, tuple) else (result,)
    if isinstance(body, BaseModel):
        body = current_app.response_class(body.model_dump_json(), mimetype="application/json")
    return make_response(body, *status_and_headers)


def _replay(stored: IdempotencyRecord) -> Response:
    if stored.status_code == _PENDING:
        raise Conflict("a request with this Idempotency-Key is in progress", code="idempotency_in_progress")
    if stored.path != request.path or stored.method != request.method:
        raise Invalid.field("Idempotency-Key", "this key was used for another request")
    response = current_app.response_class(stored.body, status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _store(record_id: int, response: Response) -> None:
    session = get_session()
    record = session.get(IdempotencyRecord, record_id)
    if response.status_code >= 400:
        session.delete(record)
    else:
        record.status_code = response.status_code
        record.body = response.get_data(as_text=True)
        session.add(record)
    session.commit()
