/* panic(): report a kernel bug on COM1 and power off. */
#ifndef HV_PANIC_H
#define HV_PANIC_H

#include "types.h"

/* Prints "PANIC: <message>" and powers the machine off. */
__printf(1, 2) __noreturn void panic(const char *fmt, ...);

#endif
