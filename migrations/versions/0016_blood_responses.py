"""blood responses: the checklist ticks of a level's response, the temporary blood-handling units, termination and review

Revision ID: 0016_blood_responses
Revises: 0015_blood_donors
Create Date: 2026-11-29 16:10:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import inventory.models.types


revision: str = '0016_blood_responses'
down_revision: Union[str, None] = '0015_blood_donors'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('blood_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('emergency_id', sa.Integer(), nullable=False),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('done_by', sa.Integer(), nullable=False),
    sa.Column('done_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by'], ['user.id'], name=op.f('fk_blood_response_done_by_user')),
    sa.ForeignKeyConstraint(['emergency_id'], ['blood_emergency.id'], name=op.f('fk_blood_response_emergency_id_blood_emergency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blood_response')),
    sa.UniqueConstraint('emergency_id', 'measure', name=op.f('uq_blood_response_emergency_id'))
    )
    with op.batch_alter_table('blood_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blood_response_emergency_id'), ['emergency_id'], unique=False)

    op.create_table('blood_handling_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('emergency_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('designated_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('document', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['emergency_id'], ['blood_emergency.id'], name=op.f('fk_blood_handling_unit_emergency_id_blood_emergency')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_blood_handling_unit_recorded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blood_handling_unit'))
    )
    with op.batch_alter_table('blood_handling_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blood_handling_unit_emergency_id'), ['emergency_id'], unique=False)


    op.create_table('blood_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('emergency_id', sa.Integer(), nullable=False),
    sa.Column('assessment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('assessed_by', sa.Integer(), nullable=False),
    sa.Column('assessed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('authority', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('decision_document', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('terminated_by', sa.Integer(), nullable=True),
    sa.Column('terminated_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessed_by'], ['user.id'], name=op.f('fk_blood_closure_assessed_by_user')),
    sa.ForeignKeyConstraint(['emergency_id'], ['blood_emergency.id'], name=op.f('fk_blood_closure_emergency_id_blood_emergency')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['user.id'], name=op.f('fk_blood_closure_reviewed_by_user')),
    sa.ForeignKeyConstraint(['terminated_by'], ['user.id'], name=op.f('fk_blood_closure_terminated_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blood_closure')),
    sa.UniqueConstraint('emergency_id', name=op.f('uq_blood_closure_emergency_id'))
    )


def downgrade() -> None:
    op.drop_table('blood_closure')
    with op.batch_alter_table('blood_handling_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blood_handling_unit_emergency_id'))
    op.drop_table('blood_handling_unit')
    with op.batch_alter_table('blood_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blood_response_emergency_id'))
    op.drop_table('blood_response')
