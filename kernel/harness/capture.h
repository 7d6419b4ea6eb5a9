/*
 * Console capture: the harness records what the code under test prints, to check
 * that a failure was reported with the right name (the text still goes to COM1).
 * Built on the console's tee (console_set_tee() in printf.h).
 */
#ifndef HV_CAPTURE_H
#define HV_CAPTURE_H

#include "types.h"

/* Starts copying console output into buf (NUL-terminated, truncated to size). */
void capture_begin(char *buf, size_t size);

/* Stops copying; returns the number of characters captured. */
size_t capture_end(void);

#endif
