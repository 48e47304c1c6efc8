"""version snapshots, actor modes, seen versions (issue 16).

- content_versions.product: the product facts a version was generated from (exports read this, not
  the mutable products row). Existing versions get their product's current document.
- audit_log.actor_mode: 'user' (signed in), 'local' (single-user mode, no users yet) or 'system'.
- comments.author_id becomes nullable: a comment written in local mode has no user.
- item_views: the version each user last looked at (``assistant show``); ``approve`` without
  ``--version`` binds to it.

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product', sa.JSON(), nullable=True))
    op.execute("UPDATE content_versions SET product = (SELECT products.document FROM products JOIN content_items "
               "ON content_items.product_id = products.id WHERE content_items.id = content_versions.item_id)")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_mode', sa.String(length=16), nullable=True))
    op.execute("UPDATE audit_log SET actor_mode = CASE WHEN actor_id IS NULL THEN 'system' ELSE 'user' END")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=True)
    op.create_table('item_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['content_items.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'item_id', name='uq_item_views_user_item')
    )


def downgrade() -> None:
    op.drop_table('item_views')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('actor_mode')
    with op.batch_alter_table('content_versions', schema=None) as batch_op:
        batch_op.drop_column('product')
