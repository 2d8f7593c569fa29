"""Ledger rules: entries balance, and a payout's entries empty the clearing account."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from o2c.ledger import (
    JournalEntry,
    Posting,
    ProcessorAccounts,
    account_balances,
    dispute_entries,
    failed_payout_entries,
    failed_transfer_entry,
    fee_entry,
    payout_entries,
    transfer_entry,
    transfer_key,
)
from o2c.money import Money
from o2c.payments import (
    BalanceCategory,
    BalanceTransaction,
    BreakdownStatus,
    Dispute,
    Fee,
    Payout,
)

WHEN = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
ACCOUNTS = ProcessorAccounts(
    clearing="1150 Stripe clearing",
    bank="1010 Bank",
    fee_default="6810 Card fees",
    fees={"tax": "4456 VAT on fees", "dispute_fee": "6820 Dispute fees"},
    refunds="1100 Receivables",
    disputes="6830 Chargebacks",
    suspense="4999 Suspense",
)


def money(minor: int, currency: str = "EUR") -> Money:
    return Money.from_minor(minor, currency)


def line(
    ident: str,
    kind: str,
    amount: int,
    fees: dict[str, int] | None = None,
    *,
    category: str | None = None,
    source: str | None = None,
    currency: str = "EUR",
) -> BalanceTransaction:
    details = tuple(
        Fee(kind=k, amount=money(v, currency)) for k, v in (fees or {}).items()
    )
    fee = sum((fees or {}).values())
    return BalanceTransaction(
        external_id=ident,
        type=kind,
        reporting_category=category or kind,
        amount=money(amount, currency),
        fee=money(fee, currency),
        net=money(amount - fee, currency),
        fees=details,
        source_id=source,
        created=WHEN,
    )


def payout_of(*lines: BalanceTransaction, currency: str = "EUR") -> Payout:
    net = sum(t.net.to_minor() for t in lines)
    own = line("txn_po", "payout", -net, category="payout", currency=currency)
    return Payout(
        external_id="po_1",
        amount=money(net, currency),
        status="paid",
        automatic=True,
        created=WHEN,
        arrival_date=WHEN,
        reconciliation_status="completed",
        breakdown=BreakdownStatus.COMPLETE,
        transactions=(*lines, own),
    )


def rows(entry: JournalEntry) -> list[tuple[str, str, str]]:
    """An entry as (account, debit, credit) rows, the way a ledger prints it."""
    return [
        (p.account, str(p.debit.amount), str(p.credit.amount)) for p in entry.postings
    ]


# -- records --------------------------------------------------------------------


def test_entry_whose_debits_and_credits_differ_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not balance"):
        JournalEntry(
            idempotency_key="k",
            date=date(2026, 11, 2),
            reference="po_1",
            currency="EUR",
            postings=(
                Posting.signed("1010", money(1000), "x"),
                Posting.signed("1150", money(-999), "x"),
            ),
        )


def test_posting_on_both_sides_is_refused() -> None:
    with pytest.raises(ValidationError, match="both debit and credit"):
        Posting(account="1010", debit=money(1), credit=money(1), label="x")


def test_posting_with_sub_cent_digits_is_refused() -> None:
    with pytest.raises(ValidationError, match="sub-minor-unit"):
        Posting.signed("1010", Money.of("1.005", "EUR"), "x")


# -- rules, as ledger examples ---------------------------------------------------


def test_payout_fees_are_one_entry_with_one_posting_per_fee_kind() -> None:
    payout = payout_of(
        line("txn_1", "charge", 10000, {"stripe_fee": 320, "tax": 64}, source="ch_1"),
        line("txn_2", "charge", 5000, {"stripe_fee": 175}, source="ch_2"),
        line("txn_3", "stripe_fee", -12, category="fee"),
    )
    entry = fee_entry(payout, ACCOUNTS)
    assert entry is not None
    assert entry.idempotency_key == "o2c_hub.payout_fees.stripe.po_1"
    assert rows(entry) == [
        ("6810 Card fees", "5.07", "0.00"),
        ("4456 VAT on fees", "0.64", "0.00"),
        ("1150 Stripe clearing", "0.00", "5.71"),
    ]


def test_payout_is_a_transfer_from_clearing_to_bank() -> None:
    payout = payout_of(line("txn_1", "charge", 10000, {"stripe_fee": 320}))
    assert rows(transfer_entry(payout, ACCOUNTS)) == [
        ("1010 Bank", "96.80", "0.00"),
        ("1150 Stripe clearing", "0.00", "96.80"),
    ]


def test_dispute_withdrawal_and_reinstatement_carry_their_fees() -> None:
    dispute = Dispute(
        external_id="dp_1",
        amount=money(10000),
        status="won",
        created=WHEN,
        balance_transactions=(
            line(
                "txn_w",
                "adjustment",
                -10000,
                {"dispute_fee": 1500},
                category="dispute",
                source="dp_1",
            ),
            line(
                "txn_r",
                "adjustment",
                10000,
                {"dispute_fee": -1500},
                category="dispute_reversal",
                source="dp_1",
            ),
        ),
    )
    withdrawal, reinstatement = dispute_entries(dispute, ACCOUNTS)
    assert withdrawal.idempotency_key == "o2c_hub.dispute.stripe.txn_w"
    assert rows(withdrawal) == [
        ("6830 Chargebacks", "100.00", "0.00"),
        ("6820 Dispute fees", "15.00", "0.00"),
        ("1150 Stripe clearing", "0.00", "115.00"),
    ]
    assert rows(reinstatement) == [
        ("6830 Chargebacks", "0.00", "100.00"),
        ("6820 Dispute fees", "0.00", "15.00"),
        ("1150 Stripe clearing", "115.00", "0.00"),
    ]


def test_dispute_entry_is_the_same_from_the_dispute_and_from_the_payout() -> None:
    withdrawal = line(
        "txn_w",
        "adjustment",
        -10000,
        {"dispute_fee": 1500},
        category="dispute",
        source="dp_1",
    )
    dispute = Dispute(
        external_id="dp_1",
        amount=money(10000),
        status="lost",
        created=WHEN,
        balance_transactions=(withdrawal,),
    )
    payout = payout_of(line("txn_1", "charge", 50000, {"stripe_fee": 1480}), withdrawal)
    from_payout = [
        e for e in payout_entries(payout, ACCOUNTS).entries if e.reference == "dp_1"
    ]
    assert from_payout == dispute_entries(dispute, ACCOUNTS)


def test_refund_is_posted_against_the_refunds_account() -> None:
    payout = payout_of(
        line("txn_1", "charge", 10000, {"stripe_fee": 320}),
        line("txn_2", "refund", -2500, source="re_1"),
    )
    refund = next(
        e for e in payout_entries(payout, ACCOUNTS).entries if e.reference == "re_1"
    )
    assert refund.idempotency_key == "o2c_hub.refund.stripe.txn_2"
    assert rows(refund) == [
        ("1100 Receivables", "25.00", "0.00"),
        ("1150 Stripe clearing", "0.00", "25.00"),
    ]


def test_unknown_line_goes_to_suspense_and_is_reported() -> None:
    payout = payout_of(
        line("txn_1", "charge", 10000, {"stripe_fee": 320}),
        line("txn_2", "transfer", -1000, source="tr_1"),
    )
    result = payout_entries(payout, ACCOUNTS)
    assert result.problems == (
        "balance transaction txn_2 of type 'transfer' posted to suspense 4999 Suspense",
    )
    assert account_balances(list(result.entries))["4999 Suspense"] == Decimal("10.00")


def test_manual_payout_yields_only_its_transfer_and_says_why() -> None:
    manual = payout_of(line("txn_1", "charge", 10000)).model_copy(
        update={
            "automatic": False,
            "transactions": (),
            "breakdown": BreakdownStatus.NOT_AVAILABLE,
            "breakdown_note": "manual payout",
        }
    )
    result = payout_entries(manual, ACCOUNTS)
    assert [e.idempotency_key for e in result.entries] == ["o2c_hub.payout.stripe.po_1"]
    assert result.problems == ("payout po_1 has no breakdown: manual payout",)


# -- property: any payout's entries balance and empty the clearing account ---------

CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "USD"])


@st.composite
def balance_lines(draw: st.DrawFn, currency: str) -> list[BalanceTransaction]:
    """Receipts with fees, refunds, disputes (some reinstated), fee and odd lines."""
    lines: list[BalanceTransaction] = []
    count = draw(st.integers(min_value=1, max_value=25))
    for n in range(count):
        amount = draw(st.integers(min_value=50, max_value=2_000_000))
        fee = draw(st.integers(min_value=0, max_value=amount // 10))
        tax = draw(st.integers(min_value=0, max_value=fee // 4))
        fees = {"stripe_fee": fee, "tax": tax} if tax else {"stripe_fee": fee}
        lines.append(line(f"txn_c{n}", "charge", amount, fees, currency=currency))
        roll = draw(st.integers(min_value=0, max_value=9))
        if roll == 0:
            refunded = draw(st.integers(min_value=1, max_value=amount))
            lines.append(line(f"txn_r{n}", "refund", -refunded, currency=currency))
        elif roll == 1:
            dispute_fee = {"dispute_fee": 1500}
            lines.append(
                line(
                    f"txn_d{n}",
                    "adjustment",
                    -amount,
                    dispute_fee,
                    category="dispute",
                    currency=currency,
                )
            )
            if draw(st.booleans()):
                back = {"dispute_fee": -1500}
                lines.append(
                    line(
                        f"txn_dr{n}",
                        "adjustment",
                        amount,
                        back,
                        category="dispute_reversal",
                        currency=currency,
                    )
                )
        elif roll == 2:
            lines.append(
                line(
                    f"txn_f{n}",
                    "stripe_fee",
                    -draw(st.integers(1, 500)),
                    category="fee",
                    currency=currency,
                )
            )
        elif roll == 3:
            lines.append(
                line(
                    f"txn_o{n}",
                    "transfer",
                    draw(st.integers(-500, 500)),
                    category="transfer",
                    currency=currency,
                )
            )
    return lines


@settings(max_examples=80, deadline=None)
@given(data=st.data(), currency=CURRENCIES)
def test_payout_entries_balance_and_empty_the_clearing_account(
    data: st.DataObject, currency: str
) -> None:
    lines = data.draw(balance_lines(currency))
    net = sum(t.net.to_minor() for t in lines)
    if net <= 0:
        return  # Stripe pays out only a positive balance
    payout = payout_of(*lines, currency=currency)

    # The breakdown nets to the payout, to the minor unit.
    assert payout.lines_net == payout.amount

    result = payout_entries(payout, ACCOUNTS)
    for entry in result.entries:
        assert entry.total_debit == entry.total_credit

    # Registering the receipts debits clearing by their gross; the rules must credit
    # exactly that back, so the clearing account ends the payout at zero.
    receipts = sum(
        t.amount.amount for t in lines if t.category == BalanceCategory.RECEIPT
    )
    balances = account_balances(list(result.entries))
    assert balances[ACCOUNTS.clearing] + receipts == 0
    assert balances[ACCOUNTS.bank] == payout.amount.amount
    keys = [e.idempotency_key for e in result.entries]
    assert len(keys) == len(set(keys))


# -- a payout the bank sends back ----------------------------------------------------


def test_failed_payout_reverses_its_transfer_from_the_bank_to_clearing() -> None:
    paid = payout_of(line("txn_1", "charge", 10000, {"stripe_fee": 320}))
    failed = paid.model_copy(
        update={"status": "failed", "failure_code": "account_closed"}
    )

    entry = failed_transfer_entry(failed, ACCOUNTS, on=date(2026, 11, 9))

    assert rows(entry) == [
        ("1150 Stripe clearing", "96.80", "0.00"),
        ("1010 Bank", "0.00", "96.80"),
    ]
    assert entry.idempotency_key == "o2c_hub.payout_failed.stripe.po_1"
    assert entry.idempotency_key != transfer_key("po_1")
    assert entry.date == date(2026, 11, 9)
    assert "account_closed" in entry.postings[0].label


@settings(max_examples=80, deadline=None)
@given(data=st.data(), currency=CURRENCIES)
def test_failed_payout_nets_its_transfer_to_zero_and_leaves_the_fees(
    data: st.DataObject, currency: str
) -> None:
    lines = data.draw(balance_lines(currency))
    if sum(t.net.to_minor() for t in lines) <= 0:
        return  # Stripe pays out only a positive balance
    paid = payout_of(*lines, currency=currency)
    posted = list(payout_entries(paid, ACCOUNTS).entries)
    failed = paid.model_copy(update={"status": "failed"})

    reversal = failed_transfer_entry(failed, ACCOUNTS, on=WHEN.date())

    assert reversal.total_debit == reversal.total_credit == paid.amount
    transfer = [e for e in posted if e.idempotency_key == transfer_key("po_1")]
    after = account_balances([*transfer, reversal])
    assert after[ACCOUNTS.bank] == 0
    assert after[ACCOUNTS.clearing] == 0
    # Everything but the transfer stays as posted: the fees are Stripe's to keep.
    others = [e for e in posted if e.idempotency_key != transfer_key("po_1")]
    without_transfer = account_balances(others)
    with_failure = account_balances([*posted, reversal])
    for account, balance in without_transfer.items():
        if account not in (ACCOUNTS.bank, ACCOUNTS.clearing):
            assert with_failure[account] == balance
    assert with_failure.get(ACCOUNTS.bank, 0) == 0


@settings(max_examples=60, deadline=None)
@given(data=st.data(), currency=CURRENCIES)
def test_failure_seen_before_or_after_posting_leaves_the_same_books(
    data: st.DataObject, currency: str
) -> None:
    lines = data.draw(balance_lines(currency))
    if sum(t.net.to_minor() for t in lines) <= 0:
        return
    paid = payout_of(*lines, currency=currency)
    failed = paid.model_copy(update={"status": "failed"})

    # Seen paid, posted, then failed: everything plus the transfer's reversal.
    after = [
        *payout_entries(paid, ACCOUNTS).entries,
        failed_transfer_entry(failed, ACCOUNTS, on=WHEN.date()),
    ]
    # Seen only once failed: the lines, no transfer.
    before = list(failed_payout_entries(failed, ACCOUNTS).entries)

    assert transfer_key("po_1") not in {e.idempotency_key for e in before}
    assert {k: v for k, v in account_balances(after).items() if v} == {
        k: v for k, v in account_balances(before).items() if v
    }
