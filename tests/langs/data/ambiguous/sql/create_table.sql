IF OBJECT_ID('[dbo].[Products]', 'U') IS NOT NULL DROP TABLE [dbo].[Products];
CREATE TABLE [dbo].[Products] (
    [Id] INT IDENTITY(1,1) NOT NULL PRIMARY KEY,
    [Name] NVARCHAR(100) NOT NULL
);
