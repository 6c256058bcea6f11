"""Receipt imports from CSV/XLSX: upload, dry-run preview, progress, commit."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.get("/")
@login_required
def new():
    return render_template("imports/new.html")
