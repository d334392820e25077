#include "ringbuf/ringbuf.h"

#define MASK (RINGBUF_CAPACITY - 1u)

void ringbuf_init(ringbuf_t *rb)
{
    rb->head = 0;
    rb->tail = 0;
}

size_t ringbuf_size(const ringbuf_t *rb)
{
    return (size_t)(rb->head - rb->tail);
}

size_t ringbuf_free(const ringbuf_t *rb)
{
    return RINGBUF_CAPACITY - ringbuf_size(rb);
}

int ringbuf_put(ringbuf_t *rb, uint8_t byte)
{
    if (ringbuf_free(rb) == 0) {
        return -1;
    }
    rb->data[rb->head & MASK] = byte;
    RINGBUF_BARRIER();
    rb->head++;
    return 0;
}

int ringbuf_get(ringbuf_t *rb, uint8_t *byte)
{
    if (ringbuf_size(rb) == 0) {
        return -1;
    }
    *byte = rb->data[rb->tail & MASK];
    RINGBUF_BARRIER();
    rb->tail++;
    return 0;
}

size_t ringbuf_write(ringbuf_t *rb, const uint8_t *src, size_t len)
{
    size_t n = 0;
    while (n < len && ringbuf_put(rb, src[n]) == 0) {
        n++;
    }
    return n;
}

size_t ringbuf_read(ringbuf_t *rb, uint8_t *dst, size_t len)
{
    size_t n = 0;
    while (n < len && ringbuf_get(rb, &dst[n]) == 0) {
        n++;
    }
    return n;
}
