/* COM1, a 16550 UART: the kernel's only output, read by the grader. */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include "types.h"

void serial_init(void);
void serial_putc(char c);
void serial_drain(void);

#endif
