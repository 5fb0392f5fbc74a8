#include "run-errors.h"

lg_errors_t g_err;
