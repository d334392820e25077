/* Reads bytes from stdin through the ring buffer and echoes them with a CRC trailer. */
#include <stdio.h>

#include "ringbuf/crc16.h"
#include "ringbuf/ringbuf.h"

int main(void)
{
    static ringbuf_t rb;
    uint8_t chunk[64];
    uint16_t crc = CRC16_INIT;
    size_t n;

    ringbuf_init(&rb);
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        size_t queued = ringbuf_write(&rb, chunk, n);
        if (queued < n) {
            fprintf(stderr, "echo: dropped %zu bytes\n", n - queued);
        }
        while ((n = ringbuf_read(&rb, chunk, sizeof chunk)) > 0) {
            crc = crc16_update(crc, chunk, n);
            fwrite(chunk, 1, n, stdout);
        }
    }
    fprintf(stderr, "crc16=0x%04x\n", crc);
    return 0;
}
