#pragma once
#include "lexer.h"
struct ast_node;
typedef struct parser parser_t;
parser_t *parser_new(lexer_t *lx);
struct ast_node *parser_parse(parser_t *p);
void parser_free(parser_t *p);
const char *parser_error(const parser_t *p);
