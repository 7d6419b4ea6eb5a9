/*
 * The guest's serial port: a 16550 UART at COM1 (I/O ports 0x3F8-0x3FF), reduced
 * to what a polling driver needs. The guest's bytes come out on the real console
 * a line at a time, each line prefixed with "guest| ".
 */
#ifndef HV_VSERIAL_H
#define HV_VSERIAL_H

#include "types.h"
#include "uart.h"

#define VSERIAL_BASE COM1_BASE
#define VSERIAL_PORTS UART_PORTS
#define VSERIAL_PREFIX "guest| "

struct vserial {
	char line[120];         /* the line being written */
	u32 len;
	u8 lcr;                 /* line control: bit 7 (DLAB) maps the divisor latch at base+0/+1 */
	u64 bytes;              /* bytes the guest has written, all told */
};

/* True for the ports of the emulated COM1. */
static inline bool vserial_owns(u16 port)
{
	return port >= VSERIAL_BASE && port < VSERIAL_BASE + VSERIAL_PORTS;
}

/* An IN from one of its ports: the line status register says "ready to send"; the rest read 0. */
u8 vserial_in(struct vserial *s, u16 port);

/* An OUT to one of its ports: a byte to the transmit register is output; the rest are ignored. */
void vserial_out(struct vserial *s, u16 port, u8 value);

/* Outputs n bytes as if the guest had written them to the transmit register. */
void vserial_write(struct vserial *s, const char *buf, size_t n);

/* Prints what is left of an unfinished line. */
void vserial_flush(struct vserial *s);

#endif
