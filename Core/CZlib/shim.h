#ifndef FAULTLINE_CZLIB_H
#define FAULTLINE_CZLIB_H
#include <zlib.h>
#endif
