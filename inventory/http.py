"""What the two faces share without importing each other: the API error shape (also answered for /api/
paths that match no route) and file downloads (pages and API both export lots and summaries)."""
from __future__ import annotations

import os
from collections.abc import Iterator

from flask import Response, jsonify, request
from flask_babel import gettext
from sqlmodel import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import wrap_file

from inventory.db import get_session
from inventory.services.stock import exports

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def http_error_response(error: HTTPException) -> Response:
    """Also used by the app-level handler for /api/ paths that matched no route (404, 405).

    The exception's own headers are kept (a 405 says which methods the path allows in ``Allow``)."""
    get_session().rollback()
    status = error.code or 500
    response = error_response(status, _HTTP_CODES.get(status, "error"), error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _closing(chunks: Iterator[str], session: Session | None) -> Iterator[str]:
    try:
        yield from chunks
    finally:
        if session is not None:
            session.close()


def download(table: exports.Table, fmt: str, *, session: Session | None = None) -> tuple[Iterator, int, dict]:
    """The file as (body, status, headers): CSV streams from the query, XLSX from its temporary file.

    ``session`` is the one the table's rows read from. Flask's teardown closes it before the first CSV
    chunk goes out; the rows then reopen it (a closed Session can be used again), so the stream closes
    it once more when it ends or the client goes away. The body is an iterator, not a Response, because
    spectree's ``validate`` reads a returned Response whole, which would buffer the stream.
    """
    cells = exports.header(table.columns, gettext)
    headers = {"Content-Disposition": f"attachment; filename={table.filename}"}
    if fmt == "csv":
        body = _closing(exports.csv_chunks(cells, table.rows), session)
        return body, 200, {**headers, "Content-Type": "text/csv; charset=utf-8"}
    workbook = exports.xlsx_file(gettext(table.sheet), cells, table.rows)
    size = os.fstat(workbook.fileno()).st_size
    return wrap_file(request.environ, workbook), 200, {**headers, "Content-Type": XLSX_MIMETYPE,
                                                         "Content-Length": str(size)}
