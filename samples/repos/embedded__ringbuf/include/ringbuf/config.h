#ifndef RINGBUF_CONFIG_H
#define RINGBUF_CONFIG_H

/* Capacity must be a power of two so that index wrapping is a mask. */
#ifndef RINGBUF_CAPACITY
#define RINGBUF_CAPACITY 256u
#endif

#if (RINGBUF_CAPACITY & (RINGBUF_CAPACITY - 1u)) != 0
#error "RINGBUF_CAPACITY must be a power of two"
#endif

/* On single-core MCUs a compiler barrier is enough; override for SMP targets. */
#ifndef RINGBUF_BARRIER
#define RINGBUF_BARRIER() __asm__ volatile("" ::: "memory")
#endif

#endif /* RINGBUF_CONFIG_H */
