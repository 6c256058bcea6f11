"""blood donor register: a keyed hash of each donor's phone, unique, so a second donor with the same phone is refused
(docs/blood.md, "Donor teams")

Revision ID: 0019_blood_donor_register
Revises: 0017_coldchain_certificates
Create Date: 2026-12-02 10:00:00.000000
"""
import re
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0019_blood_donor_register'
down_revision: Union[str, None] = '0017_coldchain_certificates'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _hashes(connection) -> dict[int, str]:
    """Each existing donor's phone hash: the token decrypted with the donor keys (services/blood/donor_vault.py) and
    the number normalised as when it was registered. A row that does not decrypt stops the upgrade, as do two donors
    with one phone (they must be merged or corrected first): nothing is changed then."""
    rows = connection.execute(sa.text("SELECT id, phone_token FROM blood_donor ORDER BY id")).all()
    if not rows:
        return {}
    from cryptography.fernet import InvalidToken

    from inventory.services.blood import donor_vault

    hashes, unreadable = {}, []
    for donor_id, token in rows:
        try:
            phone = donor_vault.decrypt(token)
        except InvalidToken:
            unreadable.append(donor_id)
            continue
        hashes[donor_id] = donor_vault.phone_hash(re.sub(r"[\s\-()]", "", phone))
    if unreadable:
        raise RuntimeError(f"blood_donor rows {unreadable[:20]} do not decrypt with the donor keys (DONOR_KEYS or "
                           "instance/donor-keys.json): give the keys they were written with, then upgrade again")
    seen: dict[str, list[int]] = {}
    for donor_id, digest in hashes.items():
        seen.setdefault(digest, []).append(donor_id)
    shared = [ids for ids in seen.values() if len(ids) > 1]
    if shared:
        raise RuntimeError(f"blood donors sharing a phone number: {shared[:20]} — merge or correct them, then "
                           "upgrade again")
    return hashes


def upgrade() -> None:
    connection = op.get_bind()
    hashes = _hashes(connection)
    with op.batch_alter_table('blood_donor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    if hashes:
        connection.execute(sa.text("UPDATE blood_donor SET phone_hash = :digest WHERE id = :id"),
                           [{"id": donor_id, "digest": digest} for donor_id, digest in hashes.items()])
    with op.batch_alter_table('blood_donor', schema=None) as batch_op:
        batch_op.alter_column('phone_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_blood_donor_phone_hash'), ['phone_hash'])


def downgrade() -> None:
    with op.batch_alter_table('blood_donor', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_blood_donor_phone_hash'), type_='unique')
        batch_op.drop_column('phone_hash')
