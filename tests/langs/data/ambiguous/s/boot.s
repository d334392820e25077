bits 16
section .text
start:
    mov ax, 0x07c0
    mov ds, ax
    jmp $
