#ifndef RINGBUF_RINGBUF_H
#define RINGBUF_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct {
    volatile uint32_t head; /* written by the producer only */
    volatile uint32_t tail; /* written by the consumer only */
    uint8_t data[RINGBUF_CAPACITY];
} ringbuf_t;

void ringbuf_init(ringbuf_t *rb);
size_t ringbuf_size(const ringbuf_t *rb);
size_t ringbuf_free(const ringbuf_t *rb);
int ringbuf_put(ringbuf_t *rb, uint8_t byte);
int ringbuf_get(ringbuf_t *rb, uint8_t *byte);
size_t ringbuf_write(ringbuf_t *rb, const uint8_t *src, size_t len);
size_t ringbuf_read(ringbuf_t *rb, uint8_t *dst, size_t len);

#endif /* RINGBUF_RINGBUF_H */
