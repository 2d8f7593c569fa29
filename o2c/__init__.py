"""The o2c domain: money, orders, invoices, payments and ledger rules. Pure code."""
