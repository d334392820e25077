/* hash.h -- FNV-1a string hashing */
#ifndef HASH_H
#define HASH_H
static unsigned long hash_str(const char *s)
{
    unsigned long h = 2166136261u;
    while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
    return h;
}
#endif
