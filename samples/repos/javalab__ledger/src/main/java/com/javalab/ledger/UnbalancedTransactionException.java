package com.javalab.ledger;

import com.javalab.ledger.model.Transaction;

public class UnbalancedTransactionException extends RuntimeException {
    private final transient Transaction transaction;

    public UnbalancedTransactionException(Transaction transaction) {
        super("postings do not balance: " + transaction.description());
        this.transaction = transaction;
    }

    public Transaction transaction() {
        return transaction;
    }
}
