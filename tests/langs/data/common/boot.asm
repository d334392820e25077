mov ax, 1
