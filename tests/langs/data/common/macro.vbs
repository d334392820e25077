MsgBox "hi"
