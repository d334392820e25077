CFLAGS += -g
