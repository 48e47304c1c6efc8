"""batch jobs: jobs, their products and work items, worker heartbeats, and the response cache.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('batch_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('catalogue', sa.Text(), nullable=False),
    sa.Column('brand', sa.String(length=80), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('remote', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', name='uq_batch_jobs_key'),
    )
    op.create_table('batch_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=120), nullable=False),
    sa.Column('row', sa.String(length=40), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['batch_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'sku', name='uq_batch_products_sku'),
    )
    op.create_index('ix_batch_products_job_id', 'batch_products', ['job_id'])
    op.create_table('batch_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=False),
    sa.Column('market', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=120), nullable=True),
    sa.Column('lease_until', TZ, nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('updated_at', TZ, nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['batch_jobs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['batch_products.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'key', name='uq_batch_items_key'),
    )
    op.create_index('ix_batch_items_job_id', 'batch_items', ['job_id'])
    op.create_index('ix_batch_items_status', 'batch_items', ['status'])
    op.create_index('ix_batch_items_lease_owner', 'batch_items', ['lease_owner'])
    op.create_table('batch_workers',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', TZ, nullable=False),
    sa.Column('last_seen', TZ, nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['batch_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_batch_workers_job_id', 'batch_workers', ['job_id'])
    op.create_table('batch_cache',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    for table in ('batch_cache', 'batch_workers', 'batch_items', 'batch_products', 'batch_jobs'):
        op.drop_table(table)
