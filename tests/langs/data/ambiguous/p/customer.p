/* list customers */
FOR EACH Customer NO-LOCK WHERE Customer.Balance > 1000:
    DISPLAY Customer.Name Customer.Balance.
END.
