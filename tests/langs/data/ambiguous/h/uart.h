#pragma once
#include <stdint.h>

#define UART_BAUD 115200
#define UART_BUF_SIZE 256

enum uart_status { UART_OK = 0, UART_BUSY, UART_ERROR };

void uart_init(uint32_t baud);
enum uart_status uart_write(const uint8_t *data, uint16_t len);
int uart_read_byte(void);
