package com.javalab.ledger;

import java.time.LocalDate;
import java.util.List;

import com.javalab.ledger.model.Account;
import com.javalab.ledger.model.Account.Kind;
import com.javalab.ledger.model.Posting;
import com.javalab.ledger.model.Transaction;
import static com.javalab.ledger.util.Money.of;

public final class App {
    private App() {
    }

    public static void main(String[] args) {
        Ledger ledger = new Ledger();
        Account cash = ledger.open(new Account("1000", "Cash", Kind.ASSET, "EUR"));
        Account sales = ledger.open(new Account("4000", "Sales", Kind.INCOME, "EUR"));
        ledger.post(new Transaction(LocalDate.of(2024, 3, 1), "First sale", List.of(
                Posting.debit(cash, of("120.00", "EUR")),
                Posting.credit(sales, of("120.00", "EUR")))));
        System.out.println("cash  = " + ledger.balance("1000"));
        System.out.println("sales = " + ledger.balance("4000"));
    }
}
