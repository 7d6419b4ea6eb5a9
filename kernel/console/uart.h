/*
 * The 16550 UART as the PC wires it at COM1 (I/O ports 0x3F8-0x3FF): register
 * offsets from the base port and the bits the kernel uses (PC16550D data sheet).
 * The console drives the real one (serial.c); the hypervisor emulates one for
 * its guests (kernel/vmx/vserial.c), which drive it (kernel/guest/runtime.c).
 */
#ifndef HV_UART_H
#define HV_UART_H

#define COM1_BASE 0x3F8
#define UART_PORTS 8            /* base + 0 ... base + 7 */

#define UART_THR 0              /* transmit holding register (DLAB 0) */
#define UART_DLL 0              /* divisor latch, low byte (DLAB 1) */
#define UART_IER 1              /* interrupt enable (DLAB 0) */
#define UART_DLM 1              /* divisor latch, high byte (DLAB 1) */
#define UART_FCR 2              /* FIFO control */
#define UART_LCR 3              /* line control */
#define UART_MCR 4              /* modem control */
#define UART_LSR 5              /* line status */

#define UART_LCR_8N1 0x03       /* 8 data bits, no parity, 1 stop bit */
#define UART_LCR_DLAB 0x80      /* divisor latch access: base + 0/+1 become the divisor */
#define UART_LSR_THRE 0x20      /* the transmit holding register can take a byte */
#define UART_LSR_TEMT 0x40      /* the holding and shift registers are both empty */

#endif
