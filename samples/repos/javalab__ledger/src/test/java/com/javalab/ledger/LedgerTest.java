package com.javalab.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.javalab.ledger.model.Account;
import com.javalab.ledger.model.Posting;
import com.javalab.ledger.model.Transaction;
import com.javalab.ledger.util.Money;

class LedgerTest {
    private final Account cash = new Account("1000", "Cash", Account.Kind.ASSET, "EUR");
    private final Account sales = new Account("4000", "Sales", Account.Kind.INCOME, "EUR");

    @Test
    void balancedTransactionUpdatesBothAccounts() {
        Ledger ledger = new Ledger();
        ledger.open(cash);
        ledger.open(sales);
        ledger.post(new Transaction(LocalDate.now(), "sale", List.of(
                Posting.debit(cash, Money.of("10", "EUR")),
                Posting.credit(sales, Money.of("10", "EUR")))));
        assertEquals(Money.of("10", "EUR"), ledger.balance("1000"));
        assertEquals(Money.of("10", "EUR"), ledger.balance("4000"));
    }

    @Test
    void unbalancedTransactionIsRefused() {
        Ledger ledger = new Ledger();
        ledger.open(cash);
        ledger.open(sales);
        Transaction bad = new Transaction(LocalDate.now(), "typo", List.of(
                Posting.debit(cash, Money.of("10", "EUR")),
                Posting.credit(sales, Money.of("9", "EUR"))));
        assertThrows(UnbalancedTransactionException.class, () -> ledger.post(bad));
    }
}
