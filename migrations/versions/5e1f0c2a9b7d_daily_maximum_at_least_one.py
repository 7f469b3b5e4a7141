"""daily maximum of a consultation type is at least one

Revision ID: 5e1f0c2a9b7d
Revises: 48ac0b6182cd
Create Date: 2026-11-28 13:05:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1f0c2a9b7d"
down_revision = "48ac0b6182cd"
branch_labels = None
depends_on = None


def upgrade():
    # 0 never came from the form; a row written otherwise means "no limit", as NULL does.
    op.execute("UPDATE consultation_type SET max_per_day = NULL WHERE max_per_day < 1")
    with op.batch_alter_table("consultation_type", schema=None) as batch_op:
        batch_op.create_check_constraint("max_per_day", "max_per_day IS NULL OR max_per_day >= 1")


def downgrade():
    with op.batch_alter_table("consultation_type", schema=None) as batch_op:
        batch_op.drop_constraint("max_per_day", type_="check")
