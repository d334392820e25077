CREATE PROCEDURE dbo.usp_GetOrders
    @CustomerId INT
AS
BEGIN
    SET NOCOUNT ON;
    SELECT TOP 10 OrderId, OrderDate FROM dbo.Orders WHERE CustomerId = @CustomerId;
END
GO
