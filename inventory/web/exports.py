"""Downloads of lot lists and the stock summary as CSV and XLSX."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
