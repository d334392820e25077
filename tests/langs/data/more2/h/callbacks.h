#ifndef CALLBACKS_H
#define CALLBACKS_H
/* Event callbacks. Each handler receives the user pointer registered with it. */
typedef void (*on_event_fn)(int code, void *user);
typedef struct handler { on_event_fn fn; void *user; struct handler *next; } handler;
int register_handler(handler **list, on_event_fn fn, void *user);
#endif
