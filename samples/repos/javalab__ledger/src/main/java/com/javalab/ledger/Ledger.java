package com.javalab.ledger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.javalab.ledger.model.*;
import com.javalab.ledger.util.Money;

/** Holds accounts and the transactions posted to them. */
public class Ledger {
    private final Map<String, Account> accounts = new HashMap<>();
    private final List<Transaction> journal = new ArrayList<>();

    public Account open(Account account) {
        if (accounts.putIfAbsent(account.code(), account) != null) {
            throw new IllegalStateException("account already open: " + account.code());
        }
        return account;
    }

    public void post(Transaction transaction) {
        if (!transaction.isBalanced()) {
            throw new UnbalancedTransactionException(transaction);
        }
        for (Posting posting : transaction.postings()) {
            if (!accounts.containsKey(posting.account().code())) {
                throw new IllegalArgumentException("unknown account: " + posting.account().code());
            }
        }
        journal.add(transaction);
    }

    public Money balance(String code) {
        Account account = accounts.get(code);
        Money total = account.zero();
        for (Transaction transaction : journal) {
            for (Posting posting : transaction.postings()) {
                if (posting.account().code().equals(code)) {
                    total = total.plus(posting.amount());
                }
            }
        }
        return account.debitIncreases() ? total : total.negate();
    }

    public List<Transaction> journal() {
        return Collections.unmodifiableList(journal);
    }
}
