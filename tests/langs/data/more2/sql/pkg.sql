CREATE OR REPLACE PACKAGE BODY emp_pkg AS
  PROCEDURE raise_salary(p_id NUMBER, p_pct NUMBER) IS
  BEGIN
    UPDATE employees SET salary = salary * (1 + p_pct / 100) WHERE employee_id = p_id;
  END raise_salary;
END emp_pkg;
/
