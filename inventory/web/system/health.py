"""The system health page: database, broker and when beat last reached a worker and the database."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from inventory import scope
from inventory.core.clock import utcnow
from inventory.db import get_session
from inventory.services.system import checks

bp = Blueprint("system", __name__, url_prefix="/admin")


@bp.get("/system")
@login_required
def health():
    if not scope.can(current_user, "view", "system"):
        abort(403)
    session = get_session()
    return render_template("system/health.html", state=checks.status(session=session),
                           heartbeats=checks.heartbeats(session=session), now=utcnow())
