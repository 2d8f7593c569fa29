"""Journal entries and the clearing-account rules for processor money (pure).

The clearing pattern: one account mirrors the processor balance. A registered payment
debits it (that posting belongs to the payment registration, not to these rules); the
rules here credit it for what leaves the balance, so that after a payout is posted the
clearing account holds what the processor still holds.

    fees of a payout      Dr fee expense (per fee kind)     Cr clearing
    refund                Dr refunds                        Cr clearing
    dispute withdrawal    Dr disputes, Dr dispute fee       Cr clearing
    dispute reinstated    Dr clearing                       Cr disputes, Cr dispute fee
    payout                Dr bank                           Cr clearing
    payout failed         Dr clearing                       Cr bank
    unknown balance line  Dr/Cr suspense                    Cr/Dr clearing

Dispute fees ride on the dispute's entries, not on the payout's fee entry, so the
dispute entry is the same whether it is built from a dispute event or from a payout.
A payout the bank sends back (failed after it was paid) reverses only its transfer:
the money is in the processor balance again, and the fees stay where they were. A
payout seen only once it had failed posts its lines without a transfer, which leaves
the books exactly as posting it and then reversing the transfer does.
Every entry carries an idempotency key made from the processor object id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from o2c.money import Money
from o2c.payments import (
    BalanceCategory,
    BalanceTransaction,
    BreakdownStatus,
    Dispute,
    Payout,
    fees_by_kind,
    payout_problems,
)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Posting(_Record):
    """One debit or one credit on one account."""

    account: str
    debit: Money
    credit: Money
    label: str

    @model_validator(mode="after")
    def _one_side(self) -> Posting:
        if self.debit.currency != self.credit.currency:
            raise ValueError(f"posting on {self.account} mixes currencies")
        if self.debit.amount < 0 or self.credit.amount < 0:
            raise ValueError(f"posting on {self.account} has a negative side")
        if self.debit and self.credit:
            raise ValueError(f"posting on {self.account} is both debit and credit")
        if not (self.debit.is_rounded() and self.credit.is_rounded()):
            raise ValueError(f"posting on {self.account} has sub-minor-unit digits")
        return self

    @classmethod
    def signed(cls, account: str, amount: Money, label: str) -> Posting:
        """A debit for a positive amount, a credit for a negative one."""
        zero = Money.from_minor(0, amount.currency)
        if amount.amount >= 0:
            return cls(account=account, debit=amount, credit=zero, label=label)
        return cls(account=account, debit=zero, credit=-amount, label=label)

    @property
    def balance(self) -> Money:
        """Debit minus credit."""
        return self.debit - self.credit


class JournalEntry(_Record):
    """A balanced set of postings, written once under its idempotency key."""

    idempotency_key: str
    date: date
    reference: str  # the processor object the entry comes from, for the operator
    currency: str
    postings: tuple[Posting, ...]

    @model_validator(mode="after")
    def _balanced(self) -> JournalEntry:
        if len(self.postings) < 2:
            raise ValueError(f"entry {self.idempotency_key} has fewer than 2 postings")
        if {p.debit.currency for p in self.postings} != {self.currency}:
            raise ValueError(f"entry {self.idempotency_key} mixes currencies")
        if self.total_debit != self.total_credit:
            raise ValueError(
                f"entry {self.idempotency_key} does not balance: "
                f"debit {self.total_debit}, credit {self.total_credit}"
            )
        return self

    @property
    def total_debit(self) -> Money:
        return Money.total((p.debit for p in self.postings), self.currency)

    @property
    def total_credit(self) -> Money:
        return Money.total((p.credit for p in self.postings), self.currency)

    def balance_of(self, account: str) -> Money:
        """Debit minus credit on one account in this entry."""
        on_account = (p.balance for p in self.postings if p.account == account)
        return Money.total(on_account, self.currency)


class ProcessorAccounts(_Record):
    """The ledger accounts the rules post to, as the mappings name them."""

    clearing: str  # mirrors the processor balance
    bank: str  # where payouts arrive (or a transfer-in-transit account)
    fee_default: str  # fee expense for kinds `fees` does not name
    fees: dict[str, str] = Field(default_factory=dict)  # fee kind -> account
    refunds: str  # what a refund is booked against (receivable, refunds account)
    disputes: str  # chargeback losses (or a disputed receivable)
    suspense: str  # balance lines the rules do not know

    def fee_account(self, kind: str) -> str:
        """The expense account of one fee kind."""
        return self.fees.get(kind, self.fee_default)


class PayoutPostings(_Record):
    """The entries of one payout, and every reason they may be incomplete."""

    payout_id: str
    entries: tuple[JournalEntry, ...]
    problems: tuple[str, ...] = ()


def idempotency_key(kind: str, object_id: str, source: str = "stripe") -> str:
    """`o2c_hub.<kind>.<source>.<id>`: the external id the ERP stores for the entry."""
    return f"o2c_hub.{kind}.{source}.{object_id}"


def fee_entry(payout: Payout, accounts: ProcessorAccounts) -> JournalEntry | None:
    """One entry for the fees of a payout's lines, one posting per fee kind.

    Returns None when the fees sum to nothing. Dispute lines are left out: their
    fees are on the dispute entries.
    """
    lines = [t for t in payout.lines if t.category != BalanceCategory.DISPUTE]
    by_kind = {k: v for k, v in fees_by_kind(lines).items() if v}
    if not by_kind:
        return None
    currency = payout.amount.currency
    postings = [
        Posting.signed(
            accounts.fee_account(kind), amount, f"{kind} {payout.external_id}"
        )
        for kind, amount in by_kind.items()
    ]
    total = Money.total(by_kind.values(), currency)
    if total:
        postings.append(
            Posting.signed(accounts.clearing, -total, f"fees {payout.external_id}")
        )
    return JournalEntry(
        idempotency_key=idempotency_key("payout_fees", payout.external_id),
        date=payout.arrival_date.date(),
        reference=payout.external_id,
        currency=currency,
        postings=tuple(postings),
    )


def transfer_key(payout_id: str) -> str:
    """The idempotency key of a payout's transfer entry."""
    return idempotency_key("payout", payout_id)


def transfer_entry(payout: Payout, accounts: ProcessorAccounts) -> JournalEntry:
    """The payout as a transfer from the clearing account to the bank."""
    label = f"payout {payout.external_id}"
    return JournalEntry(
        idempotency_key=transfer_key(payout.external_id),
        date=payout.arrival_date.date(),
        reference=payout.external_id,
        currency=payout.amount.currency,
        postings=(
            Posting.signed(accounts.bank, payout.amount, label),
            Posting.signed(accounts.clearing, -payout.amount, label),
        ),
    )


def failed_transfer_entry(
    payout: Payout, accounts: ProcessorAccounts, *, on: date
) -> JournalEntry:
    """The transfer of a payout the bank sent back, reversed on the day `on`.

    Dr clearing, Cr bank for the payout's amount: with the transfer entry the bank
    and clearing accounts net to zero for this payout. It has its own idempotency
    key, so the transfer entry itself stays as it was posted.
    """
    label = f"payout {payout.external_id} failed"
    if payout.failure_code:
        label = f"{label}: {payout.failure_code}"
    return JournalEntry(
        idempotency_key=idempotency_key("payout_failed", payout.external_id),
        date=on,
        reference=payout.external_id,
        currency=payout.amount.currency,
        postings=(
            Posting.signed(accounts.clearing, payout.amount, label),
            Posting.signed(accounts.bank, -payout.amount, label),
        ),
    )


def refund_entry(line: BalanceTransaction, accounts: ProcessorAccounts) -> JournalEntry:
    """A refund line: Dr refunds, Cr clearing (reversed for a refund failure).

    The line's fee, if any, is left to the payout's fee entry.
    """
    label = f"refund {line.source_id or line.external_id}"
    return _pair(line, accounts.refunds, "refund", label, accounts=accounts)


def dispute_entry(
    line: BalanceTransaction, accounts: ProcessorAccounts
) -> JournalEntry:
    """A dispute line with its fee: withdrawal Dr disputes + fee, Cr clearing net;
    a reinstatement is the mirror image."""
    source = line.source_id or line.external_id
    postings = [Posting.signed(accounts.disputes, -line.amount, f"dispute {source}")]
    if line.fee:
        fee_account = accounts.fee_account("dispute_fee")
        postings.append(Posting.signed(fee_account, line.fee, f"dispute fee {source}"))
    postings.append(Posting.signed(accounts.clearing, line.net, f"dispute {source}"))
    return JournalEntry(
        idempotency_key=idempotency_key("dispute", line.external_id),
        date=line.created.date(),
        reference=source,
        currency=line.net.currency,
        postings=tuple(p for p in postings if p.debit or p.credit),
    )


def dispute_entries(
    dispute: Dispute, accounts: ProcessorAccounts
) -> list[JournalEntry]:
    """The entries of a dispute's withdrawals and reinstatements, in balance order."""
    return [dispute_entry(line, accounts) for line in dispute.balance_transactions]


def suspense_entry(
    line: BalanceTransaction, accounts: ProcessorAccounts
) -> JournalEntry:
    """A balance line of a kind the rules do not know, parked on suspense."""
    label = f"{line.type} {line.external_id}"
    return _pair(line, accounts.suspense, "stripe_other", label, accounts=accounts)


def payout_entries(payout: Payout, accounts: ProcessorAccounts) -> PayoutPostings:
    """Every entry a payout calls for: fees, refunds, disputes, unknown lines, transfer.

    Receipts are not posted here: registering the payment debits the clearing account.
    A payout without a complete breakdown yields only its transfer, and says why.
    """
    problems = list(payout_problems(payout))
    entries: list[JournalEntry] = []
    if payout.breakdown != BreakdownStatus.COMPLETE:
        note = payout.breakdown_note or payout.breakdown.value
        problems.append(f"payout {payout.external_id} has no breakdown: {note}")
    else:
        fees = fee_entry(payout, accounts)
        entries.extend([fees] if fees else [])
        entries.extend(_line_entries(payout, accounts, problems))
    entries.append(transfer_entry(payout, accounts))
    return PayoutPostings(
        payout_id=payout.external_id, entries=tuple(entries), problems=tuple(problems)
    )


def failed_payout_entries(
    payout: Payout, accounts: ProcessorAccounts
) -> PayoutPostings:
    """The entries a failed payout still calls for: its lines', without a transfer.

    The lines were settled in the processor balance whatever became of the
    payout (their fees are kept), while the money never reached the bank.
    """
    postings = payout_entries(payout, accounts)
    transfer = transfer_key(payout.external_id)
    kept = tuple(e for e in postings.entries if e.idempotency_key != transfer)
    return postings.model_copy(update={"entries": kept})


def _line_entries(
    payout: Payout, accounts: ProcessorAccounts, problems: list[str]
) -> list[JournalEntry]:
    """The per-line entries of a payout (refunds, disputes, suspense)."""
    entries = []
    for line in payout.lines:
        category = line.category
        if category == BalanceCategory.REFUND and line.amount:
            entries.append(refund_entry(line, accounts))
        elif category == BalanceCategory.DISPUTE and (line.amount or line.fee):
            entries.append(dispute_entry(line, accounts))
        elif category == BalanceCategory.OTHER and line.net:
            problems.append(
                f"balance transaction {line.external_id} of type {line.type!r} "
                f"posted to suspense {accounts.suspense}"
            )
            entries.append(suspense_entry(line, accounts))
    return entries


def _pair(
    line: BalanceTransaction,
    counter_account: str,
    kind: str,
    label: str,
    *,
    accounts: ProcessorAccounts,
) -> JournalEntry:
    """Gross amount of a line between clearing and one counter account."""
    return JournalEntry(
        idempotency_key=idempotency_key(kind, line.external_id),
        date=line.created.date(),
        reference=line.source_id or line.external_id,
        currency=line.amount.currency,
        postings=(
            Posting.signed(counter_account, -line.amount, label),
            Posting.signed(accounts.clearing, line.amount, label),
        ),
    )


def account_balances(entries: list[JournalEntry]) -> dict[str, Decimal]:
    """Debit minus credit per account over the entries (a trial balance)."""
    balances: dict[str, Decimal] = {}
    for entry in entries:
        for posting in entry.postings:
            amount = posting.balance.amount
            balances[posting.account] = (
                balances.get(posting.account, Decimal(0)) + amount
            )
    return balances
