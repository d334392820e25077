#ifndef LIST_H
#define LIST_H

#include <stddef.h>
#include <stdlib.h>

typedef struct node {
    void *value;
    struct node *next;
} node_t;

/* Appends a value; returns NULL when out of memory. */
node_t *list_push(node_t *head, void *value);
size_t list_length(const node_t *head);
void list_free(node_t *head, void (*free_value)(void *));

#endif /* LIST_H */
