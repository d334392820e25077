#ifndef __GPIO_REGS_H
#define __GPIO_REGS_H
#define GPIO_BASE        0x40020000UL
#define GPIO_MODER(p)    (*(volatile unsigned int *)(GPIO_BASE + (p) * 0x400 + 0x00))
#define GPIO_ODR(p)      (*(volatile unsigned int *)(GPIO_BASE + (p) * 0x400 + 0x14))
#define PIN(n)           (1U << (n))
#endif
