"""dispatch execution: emergency authorisations, filing, instructions, recoveries, replenishments, violations

Revision ID: 0009_dispatch_execution
Revises: 0008_dispatch
Create Date: 2026-11-29 12:32:20.399407
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import inventory.models.types


revision: str = '0009_dispatch_execution'
down_revision: Union[str, None] = '0008_dispatch'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # existing plans are not emergencies and have not been filed: the two new NOT NULL columns get defaults
    op.create_table('emergency_authorisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_emergency_authorisation_period_ordered')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_emergency_authorisation_org_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_emergency_authorisation_recorded_by_user')),
    sa.ForeignKeyConstraint(['revoked_by'], ['user.id'], name=op.f('fk_emergency_authorisation_revoked_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_authorisation'))
    )
    with op.batch_alter_table('emergency_authorisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_authorisation_org_id'), ['org_id'], unique=False)

    op.create_table('violation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisation.id'], name=op.f('fk_violation_enterprise_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_violation_recorded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violation')),
    sa.UniqueConstraint('kind', 'source_type', 'source_id', name=op.f('uq_violation_kind'))
    )
    with op.batch_alter_table('violation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_violation_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('dispatch_recovery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('quality_result', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_dispatch_recovery_quantity_positive')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatch.id'], name=op.f('fk_dispatch_recovery_dispatch_id_dispatch')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisation.id'], name=op.f('fk_dispatch_recovery_enterprise_id_organisation')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_dispatch_recovery_lot_id_lot')),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_dispatch_recovery_material_id_material')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_dispatch_recovery_recorded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_recovery'))
    )
    with op.batch_alter_table('dispatch_recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_recovery_dispatch_id'), ['dispatch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_recovery_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('replenishment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=True),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('received', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirm_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('fulfilled_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_replenishment_quantity_positive')),
    sa.CheckConstraint('received >= 0', name=op.f('ck_replenishment_received_not_negative')),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user.id'], name=op.f('fk_replenishment_confirmed_by_user')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatch.id'], name=op.f('fk_replenishment_dispatch_id_dispatch')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisation.id'], name=op.f('fk_replenishment_enterprise_id_organisation')),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_replenishment_material_id_material')),
    sa.ForeignKeyConstraint(['proposed_by'], ['user.id'], name=op.f('fk_replenishment_proposed_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replenishment')),
    sa.UniqueConstraint('code', name=op.f('uq_replenishment_code'))
    )
    with op.batch_alter_table('replenishment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replenishment_dispatch_id'), ['dispatch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replenishment_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_replenishment_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replenishment_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replenishment_status'), ['status'], unique=False)

    op.create_table('instruction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('executed', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=True),
    sa.Column('replenishment_id', sa.Integer(), nullable=True),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('issuing_org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', inventory.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refused_by', sa.Integer(), nullable=True),
    sa.Column('refused_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refusal_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('closed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.CheckConstraint('executed >= 0 AND executed <= quantity', name=op.f('ck_instruction_executed_within')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_instruction_quantity_positive')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['user.id'], name=op.f('fk_instruction_acknowledged_by_user')),
    sa.ForeignKeyConstraint(['cancelled_by'], ['user.id'], name=op.f('fk_instruction_cancelled_by_user')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatch.id'], name=op.f('fk_instruction_dispatch_id_dispatch')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisation.id'], name=op.f('fk_instruction_enterprise_id_organisation')),
    sa.ForeignKeyConstraint(['issued_by'], ['user.id'], name=op.f('fk_instruction_issued_by_user')),
    sa.ForeignKeyConstraint(['issuing_org_id'], ['organisation.id'], name=op.f('fk_instruction_issuing_org_id_organisation')),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_instruction_material_id_material')),
    sa.ForeignKeyConstraint(['refused_by'], ['user.id'], name=op.f('fk_instruction_refused_by_user')),
    sa.ForeignKeyConstraint(['replenishment_id'], ['replenishment.id'], name=op.f('fk_instruction_replenishment_id_replenishment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction')),
    sa.UniqueConstraint('code', name=op.f('uq_instruction_code'))
    )
    with op.batch_alter_table('instruction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruction_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_dispatch_id'), ['dispatch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_replenishment_id'), ['replenishment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_status'), ['status'], unique=False)

    op.create_table('instruction_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('proposed', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('taken', sa.Numeric(precision=18, scale=3).with_variant(inventory.models.types.Thousandths(), 'sqlite'), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by'], ['user.id'], name=op.f('fk_instruction_lot_added_by_user')),
    sa.ForeignKeyConstraint(['instruction_id'], ['instruction.id'], name=op.f('fk_instruction_lot_instruction_id_instruction')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_instruction_lot_lot_id_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_lot')),
    sa.UniqueConstraint('instruction_id', 'lot_id', name=op.f('uq_instruction_lot_instruction_id'))
    )
    with op.batch_alter_table('instruction_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruction_lot_instruction_id'), ['instruction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_lot_lot_id'), ['lot_id'], unique=False)

    # the movements of one instruction (its executions, what it still holds of a lot) are read by reference
    op.create_index('ix_movement_ref', 'movement', ['ref_type', 'ref_id'], unique=False)

    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('authorisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('executed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('executed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('completed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('work_ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('filing_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('filed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('filed_at', inventory.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('filing_reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_dispatch_filing_due_on'), ['filing_due_on'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dispatch_filed_by_user'), 'user', ['filed_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dispatch_authorisation_id_emergency_authorisation'), 'emergency_authorisation', ['authorisation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dispatch_completed_by_user'), 'user', ['completed_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dispatch_executed_by_user'), 'user', ['executed_by'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dispatch_executed_by_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dispatch_completed_by_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dispatch_authorisation_id_emergency_authorisation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dispatch_filed_by_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dispatch_filing_due_on'))
        batch_op.drop_column('filing_reference')
        batch_op.drop_column('filed_at')
        batch_op.drop_column('filed_by')
        batch_op.drop_column('filing_due_on')
        batch_op.drop_column('work_ended_on')
        batch_op.drop_column('completed_at')
        batch_op.drop_column('completed_by')
        batch_op.drop_column('executed_at')
        batch_op.drop_column('executed_by')
        batch_op.drop_column('authorisation_id')
        batch_op.drop_column('emergency')

    op.drop_index('ix_movement_ref', table_name='movement')

    with op.batch_alter_table('instruction_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruction_lot_lot_id'))
        batch_op.drop_index(batch_op.f('ix_instruction_lot_instruction_id'))

    op.drop_table('instruction_lot')
    with op.batch_alter_table('instruction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruction_status'))
        batch_op.drop_index(batch_op.f('ix_instruction_replenishment_id'))
        batch_op.drop_index(batch_op.f('ix_instruction_material_id'))
        batch_op.drop_index(batch_op.f('ix_instruction_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_instruction_dispatch_id'))
        batch_op.drop_index(batch_op.f('ix_instruction_deadline'))

    op.drop_table('instruction')
    with op.batch_alter_table('replenishment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replenishment_status'))
        batch_op.drop_index(batch_op.f('ix_replenishment_material_id'))
        batch_op.drop_index(batch_op.f('ix_replenishment_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_replenishment_due_on'))
        batch_op.drop_index(batch_op.f('ix_replenishment_dispatch_id'))

    op.drop_table('replenishment')
    with op.batch_alter_table('dispatch_recovery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_recovery_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_recovery_dispatch_id'))

    op.drop_table('dispatch_recovery')
    with op.batch_alter_table('violation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_violation_enterprise_id'))

    op.drop_table('violation')
    with op.batch_alter_table('emergency_authorisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_authorisation_org_id'))

    op.drop_table('emergency_authorisation')
