"""The pipeline's own table: each order's `PipelineState` beside the stored order.

`orders.state` and `orders.hold_reasons` are the columns the CLI filters on; this
row keeps everything the next decision needs (invoice key and total, credited
refunds, registered payments, released holds) and the last hold's detail, which
names the missing mapping key for the operator.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.store.models import Base, UtcDateTime


class PipelineRecord(Base):
    """The pipeline state of one order, and the order version it was decided on."""

    __tablename__ = "order_pipeline"
    __table_args__ = (
        UniqueConstraint("shop", "external_id", name="uq_order_pipeline_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(Text)  # PipelineState as JSON
    detail: Mapped[str | None] = mapped_column(Text)  # why the order is held
    # Set when the ERP's read-back total differed from the expected one; the order
    # stays on hold `total_mismatch` until an operator clears it.
    erp_hold: Mapped[str | None] = mapped_column(Text)
    decided_hash: Mapped[str] = mapped_column(String(64))  # orders.content_hash
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
