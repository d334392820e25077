CREATE PROCEDURE GetEmployee
    @EmployeeID int
AS
BEGIN
    SELECT FirstName, LastName FROM Employees WHERE EmployeeID = @EmployeeID
END
