find_path(FOO_INCLUDE foo.h)
