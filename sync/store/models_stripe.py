"""Tables of the Stripe intake: the canonical payments, refunds, disputes and payouts.

One row per Stripe object, unique on (account, kind, external id), holding the newest
canonical record as JSON beside the columns the CLI and the admin API filter on.
Events only say that an object changed; the row is rewritten from a fresh read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.store.models import Base, UtcDateTime

# The inbox source of Stripe's events, and the stream of `poll_cursors` where the
# catch-up keeps its cursor (per account).
SOURCE = "stripe"
EVENTS_STREAM = "events"


class StripeKind:
    PAYMENT = "payment"
    REFUND = "refund"
    DISPUTE = "dispute"
    PAYOUT = "payout"

    ALL = (PAYMENT, REFUND, DISPUTE, PAYOUT)


class StripeObjectRecord(Base):
    """The newest canonical record of one Stripe payment, refund, dispute or payout."""

    __tablename__ = "stripe_objects"
    __table_args__ = (
        UniqueConstraint("account", "kind", "external_id", name="uq_stripe_objects"),
        Index("ix_stripe_objects_kind_created", "kind", "created_at"),
        Index("ix_stripe_objects_payment", "payment_id"),
        Index("ix_stripe_objects_intent", "payment_intent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # StripeKind
    external_id: Mapped[str] = mapped_column(String(255))  # ch_, re_, dp_, po_
    payment_id: Mapped[str | None] = mapped_column(String(255))  # the charge it is on
    # A payment's intent (pi_...): storefronts may record it instead of the charge.
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[str] = mapped_column(String(40))  # Decimal as text
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)  # why a payout is not broken down
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)  # Stripe's `created`
    data: Mapped[str] = mapped_column(Text)  # the canonical record as JSON
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the hub wrote it
