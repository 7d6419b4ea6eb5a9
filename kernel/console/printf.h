/* Formatted output: kprintf to COM1 (and the VGA screen), ksnprintf into a buffer. */
#ifndef HV_PRINTF_H
#define HV_PRINTF_H

#include "types.h"

/*
 * Supported: %d %i %u %x %X %o %c %s %p %%, the length modifiers hh h l ll z,
 * the flags '-' '0' '#' '+' ' ', a width and a precision (a number or '*').
 */
__printf(1, 2) int kprintf(const char *fmt, ...);
int kvprintf(const char *fmt, va_list ap);

/*
 * The tag that starts every line meant for the grade report: a TODO, a caught
 * fault, a failed VMX instruction, a broken VM-entry rule. The grader shows the
 * tagged lines of a run (without the tag) and no others.
 */
#define DIAG_TAG "! "

/* Prints one line for the grade report: DIAG_TAG, then fmt formatted, then a newline. */
__printf(1, 2) void kdiag(const char *fmt, ...);
__printf(3, 4) int ksnprintf(char *buf, size_t size, const char *fmt, ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Receives each character the console prints, with the context it was installed with. */
typedef void console_tee_fn(char c, void *ctx);

/*
 * Installs fn (NULL: none), called with ctx for every character kprintf() prints,
 * before it goes to COM1: one tee at a time, e.g. to record what some code prints.
 */
void console_set_tee(console_tee_fn *fn, void *ctx);

#endif
