"""Baseline of the movement benchmark: a bare Flask app whose one POST endpoint inserts one row.

It does the least a movement endpoint must do — parse JSON, one INSERT with SQLAlchemy Core in its own
transaction, answer JSON — so the real app's ratio to it shows what auth, validation, the conditional
update, the hash chain and the ORM cost. gunicorn serves it as ``tests.bench.bare_app:create_app()``.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from decimal import Decimal

from flask import Flask, jsonify, request
from sqlalchemy import Column, DateTime, Integer, MetaData, Numeric, Table, create_engine, insert

metadata = MetaData()
bare_movement = Table(
    "bench_bare_movement", metadata,
    Column("id", Integer, primary_key=True),
    Column("lot_id", Integer, nullable=False),
    Column("quantity", Numeric(18, 3), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def create_app() -> Flask:
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=20)
    app = Flask(__name__)

    @app.post("/lots/<int:lot_id>/movements")
    def post_movement(lot_id: int):
        quantity = Decimal(str(request.get_json()["quantity"]))
        with engine.begin() as conn:
            row_id = conn.execute(
                insert(bare_movement).values(lot_id=lot_id, quantity=quantity, at=datetime.now(timezone.utc))
                .returning(bare_movement.c.id)
            ).scalar_one()
        return jsonify({"id": row_id, "lot_id": lot_id, "quantity": f"{quantity:.3f}"}), 201

    return app
