"""coldchain certificates: the traceability and quarantine certificates of cold-chain food on the lot; import jobs
of a facility's readings; the lots each excursion put on hold (docs/coldchain.md)

Revision ID: 0017_coldchain_certificates
Revises: 0016_blood_responses
Create Date: 2026-11-29 16:03:30.851912
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import inventory.models.types


revision: str = '0017_coldchain_certificates'
down_revision: Union[str, None] = '0016_blood_responses'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('excursion_hold',
    sa.Column('excursion_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('held_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['excursion_id'], ['excursion.id'], name=op.f('fk_excursion_hold_excursion_id_excursion')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_excursion_hold_lot_id_lot')),
    sa.PrimaryKeyConstraint('excursion_id', 'lot_id', name=op.f('pk_excursion_hold'))
    )
    with op.batch_alter_table('excursion_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excursion_hold_lot_id'), ['lot_id'], unique=False)

    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='receipts'))
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stored_rows', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('duplicate_rows', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_import_job_kind'), ['kind'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_import_job_facility_id_facility'), 'facility', ['facility_id'], ['id'])

    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('trace_certificate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('quarantine_certificate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('imported', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('customs_declaration', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('entry_inspection_certificate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('disinfection_certificate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('disinfection_certificate')
        batch_op.drop_column('entry_inspection_certificate')
        batch_op.drop_column('customs_declaration')
        batch_op.drop_column('imported')
        batch_op.drop_column('quarantine_certificate')
        batch_op.drop_column('trace_certificate')
        batch_op.drop_column('origin')

    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_job_facility_id_facility'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_import_job_kind'))
        batch_op.drop_column('duplicate_rows')
        batch_op.drop_column('stored_rows')
        batch_op.drop_column('facility_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('excursion_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excursion_hold_lot_id'))
    op.drop_table('excursion_hold')

