PROCEDURE Main()
   LOCAL cName := "World"
   ? "Hello, " + cName
   RETURN
