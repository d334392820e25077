enum {
    ERR_OK = 0,
    ERR_NOMEM = -1,
    ERR_IO = -2,
    ERR_PARSE = -3,
};
const char *err_str(int code);
