DECLARE @i INT = 0;
WHILE @i < 10
BEGIN
    PRINT @i;
    SET @i = @i + 1;
END;
