/* config.h.  Generated from config.h.in by configure.  */
#define HAVE_UNISTD_H 1
#define HAVE_STRING_H 1
#define PACKAGE_NAME "libfoo"
#define PACKAGE_VERSION "2.1.0"
#define SIZEOF_LONG 8
#ifdef __cplusplus
extern "C" {
#endif
int foo_init(int flags);
#ifdef __cplusplus
}
#endif
