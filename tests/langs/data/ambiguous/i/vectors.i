; interrupt vector table
org 0x0000
reset: jmp start
vectors db 0x10, 0x20
