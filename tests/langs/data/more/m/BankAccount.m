classdef BankAccount < handle
    properties
        Balance = 0
    end
    methods
        function obj = BankAccount(initial)
            obj.Balance = initial;
        end
        function deposit(obj, amount)
            obj.Balance = obj.Balance + amount;
        end
    end
end
