/**
 * @file ringbuf.h
 * @brief Lock-free single-producer/single-consumer ring buffer.
 *
 * This class of buffers is used by the audio driver; see the template
 * in docs/ for an overview of the namespace conventions.
 */
#ifndef RINGBUF_H_
#define RINGBUF_H_

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    volatile uint32_t head;
    volatile uint32_t tail;
    uint32_t size;
} ringbuf_t;

bool ringbuf_put(ringbuf_t *rb, uint8_t byte);
bool ringbuf_get(ringbuf_t *rb, uint8_t *byte);
static inline uint32_t ringbuf_count(const ringbuf_t *rb) { return rb->head - rb->tail; }

#endif
