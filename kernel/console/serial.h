/* COM1, a 16550 UART: the kernel's only output, read by the grader. */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include "types.h"

/* Programs COM1 for polled output; call once, first. */
void serial_init(void);
/* Sends one byte, waiting until the UART can take it. */
void serial_putc(char c);
/* Waits until every byte has left the UART (call before power-off). */
void serial_drain(void);

#endif
