"""Business cases, cash flows, benefits and scoring models.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from tandem_shared.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MONTHS = "BETWEEN 22800 AND 26399"  # 1900-01 … 2199-12 as year × 12 + month − 1


def _between(column: str, low: float, high: float, *, open_low: bool = False) -> sa.CheckConstraint:
    low_test = f"{column} > {low}" if open_low else f"{column} >= {low}"
    return sa.CheckConstraint(f"{column} IS NULL OR ({low_test} AND {column} <= {high})",
                              name=f"ck_project_scoring_inputs_{column}")


def upgrade() -> None:
    op.create_table(
        "business_cases",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("discount_rate", sa.Float(), nullable=False),
        sa.Column("horizon_start", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_business_cases"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_business_cases_project_id_projects",
                                ondelete="CASCADE"),
        sa.CheckConstraint("currency = upper(currency) AND length(currency) = 3", name="ck_business_cases_currency"),
        sa.CheckConstraint("discount_rate >= 0 AND discount_rate <= 1", name="ck_business_cases_discount_rate"),
        sa.CheckConstraint(f"horizon_start {MONTHS}", name="ck_business_cases_horizon_start"),
    )
    op.create_table(
        "business_case_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("description", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_business_case_lines"),
        sa.ForeignKeyConstraint(["project_id"], ["business_cases.project_id"],
                                name="fk_business_case_lines_project_id_business_cases", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('capex', 'opex', 'benefit')", name="ck_business_case_lines_kind"),
        sa.CheckConstraint("amount >= 0", name="ck_business_case_lines_amount_not_negative"),
        sa.CheckConstraint(f"month {MONTHS}", name="ck_business_case_lines_month"),
    )
    op.create_index("ix_business_case_lines_project_month", "business_case_lines", ["project_id", "month"])
    # The lines summed per month, a row per year with a column per kind and month, in whole cents: the portfolio
    # cash flow adds these up (a twelfth of the rows; integer sums exact on SQLite too). On SQLite the rows are kept
    # in key order, so a project's years are read from the key.
    op.create_table(
        "business_case_years",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *(sa.Column(f"{kind}_{month:02d}", sa.BigInteger(), nullable=False)
          for kind in ("capex", "opex", "benefit") for month in range(1, 13)),
        sa.PrimaryKeyConstraint("project_id", "year", name="pk_business_case_years"),
        sa.ForeignKeyConstraint(["project_id"], ["business_cases.project_id"],
                                name="fk_business_case_years_project_id_business_cases", ondelete="CASCADE"),
        sa.CheckConstraint("year BETWEEN 1900 AND 2199", name="ck_business_case_years_year"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "benefit_realisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_benefit_realisations"),
        sa.ForeignKeyConstraint(["project_id"], ["business_cases.project_id"],
                                name="fk_benefit_realisations_project_id_business_cases", ondelete="CASCADE"),
        sa.CheckConstraint("amount >= 0", name="ck_benefit_realisations_amount_not_negative"),
        sa.CheckConstraint(f"month {MONTHS}", name="ck_benefit_realisations_month"),
    )
    op.create_index("ix_benefit_realisations_project_month", "benefit_realisations", ["project_id", "month"])

    op.create_table(
        "scoring_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scoring_models"),
        sa.UniqueConstraint("name", name="uq_scoring_models_name"),
        sa.CheckConstraint("kind IN ('weighted', 'wsjf', 'rice')", name="ck_scoring_models_kind"),
    )
    op.create_table(
        "project_scoring_inputs",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in (
            "value", "risk", "urgency", "business_value", "time_criticality", "risk_reduction", "job_size", "reach",
            "impact", "confidence", "effort")),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", name="pk_project_scoring_inputs"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_scoring_inputs_project_id_projects",
                                ondelete="CASCADE"),
        *(_between(name, 0, 10) for name in ("value", "risk", "urgency")),
        *(_between(name, 0, 100) for name in ("business_value", "time_criticality", "risk_reduction", "confidence")),
        _between("job_size", 0, 100, open_low=True),
        _between("reach", 0, 1_000_000_000),
        _between("impact", 0, 3),
        _between("effort", 0, 10_000, open_low=True),
    )
    op.create_table(
        "project_scores",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "project_id", name="pk_project_scores"),
        sa.ForeignKeyConstraint(["model_id"], ["scoring_models.id"], name="fk_project_scores_model_id_scoring_models",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_project_scores_project_id_projects",
                                ondelete="CASCADE"),
    )
    # The ranking walks a model's scores highest first, ties by project.
    op.create_index("ix_project_scores_model_score", "project_scores", ["model_id", "score", "project_id"])
    op.create_index("ix_project_scores_project_id", "project_scores", ["project_id"])


def downgrade() -> None:
    op.drop_table("project_scores")
    op.drop_table("project_scoring_inputs")
    op.drop_table("scoring_models")
    op.drop_table("benefit_realisations")
    op.drop_table("business_case_years")
    op.drop_table("business_case_lines")
    op.drop_table("business_cases")
