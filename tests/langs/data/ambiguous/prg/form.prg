DEFINE CLASS myform AS Form
   Caption = "Hello"
   PROCEDURE Init
      THISFORM.Caption = "Hi"
   ENDPROC
ENDDEFINE
