USE [Sales]
GO

CREATE VIEW [dbo].[vw_RecentOrders]
AS
SELECT o.OrderID, o.OrderDate, c.CompanyName
FROM dbo.Orders o
INNER JOIN dbo.Customers c ON c.CustomerID = o.CustomerID
WHERE o.OrderDate > DATEADD(day, -30, GETDATE())
GO
