"""The ``/api/v1`` blueprint; its hooks are attached once, at import, as Flask requires."""
from flask import Blueprint

from inventory.api import errors
from inventory.api.auth import authenticate_request
from inventory.api.body import check_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_request)
bp.before_request(check_body)
errors.register(bp)
