/* Kernel panic: one grep-able line, then power-off (the grader reports the missing SUMMARY). */
#include "panic.h"
#include "power.h"
#include "printf.h"

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf(DIAG_TAG "PANIC: ");
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
	power_off();
}
