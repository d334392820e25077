package com.javalab.ledger.model;

import com.javalab.ledger.util.Money;

/** A named account. Its balance is derived from the ledger, never stored here. */
public record Account(String code, String name, Kind kind, String currency) {

    public enum Kind { ASSET, LIABILITY, EQUITY, INCOME, EXPENSE }

    public Account {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("account code is required");
        }
    }

    /** Debits increase assets and expenses; credits increase the others. */
    public boolean debitIncreases() {
        return kind == Kind.ASSET || kind == Kind.EXPENSE;
    }

    public Money zero() {
        return Money.zero(currency);
    }
}
