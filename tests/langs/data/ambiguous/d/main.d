main.o: src/main.c include/config.h \
  include/util.h
include/config.h:
include/util.h:
