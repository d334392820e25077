package com.javalab.ledger.model;

import java.time.LocalDate;
import java.util.List;

import com.javalab.ledger.util.Money;

/** A dated set of postings whose amounts sum to zero in each currency. */
public record Transaction(LocalDate date, String description, List<Posting> postings) {

    public Transaction {
        postings = List.copyOf(postings);
        if (postings.size() < 2) {
            throw new IllegalArgumentException("a transaction needs at least two postings");
        }
    }

    public boolean isBalanced() {
        return postings.stream()
                .map(Posting::amount)
                .collect(java.util.stream.Collectors.groupingBy(Money::currency,
                        java.util.stream.Collectors.reducing(null, (a, b) -> a == null ? b : a.plus(b))))
                .values().stream()
                .allMatch(Money::isZero);
    }
}
