package com.javalab.ledger.model;

import com.javalab.ledger.util.Money;

/** One line of a transaction: a signed amount on one account (debit > 0, credit < 0). */
public record Posting(Account account, Money amount) {

    public static Posting debit(Account account, Money amount) {
        return new Posting(account, amount);
    }

    public static Posting credit(Account account, Money amount) {
        return new Posting(account, amount.negate());
    }
}
