#ifndef FAULTLINE_CSQLITE_H
#define FAULTLINE_CSQLITE_H
#include <sqlite3.h>
#endif
