#include <asm/linkage.h>
	.section .text
	.align 4
ENTRY(memcpy)
	mov	x4, x0
1:	ldrb	w3, [x1], #1
	strb	w3, [x4], #1
	subs	x2, x2, #1
	b.ne	1b
	ret
