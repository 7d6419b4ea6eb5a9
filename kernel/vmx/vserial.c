/* The emulated COM1 (the 16550 registers of kernel/console/uart.h). */
#include "vserial.h"
#include "printf.h"
#include "uart.h"

u8 vserial_in(struct vserial *s, u16 port)
{
	switch (port - VSERIAL_BASE) {
	case UART_LCR:
		return s->lcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT;
	default:
		return 0;
	}
}

/* Prints the line so far (possibly empty) with its prefix, and starts a new one. */
static void vserial_end_line(struct vserial *s)
{
	kprintf(VSERIAL_PREFIX "%.*s\n", (int)s->len, s->line);
	s->len = 0;
}

void vserial_flush(struct vserial *s)
{
	if (s->len)
		vserial_end_line(s);
}

static void vserial_putc(struct vserial *s, char c)
{
	s->bytes++;
	if (c == '\n' || s->len == sizeof(s->line))
		vserial_end_line(s);
	if (c != '\n')
		s->line[s->len++] = c;
}

void vserial_out(struct vserial *s, u16 port, u8 value)
{
	switch (port - VSERIAL_BASE) {
	case UART_THR:
		if (!(s->lcr & UART_LCR_DLAB))
			vserial_putc(s, (char)value);
		break;
	case UART_LCR:
		s->lcr = value;
		break;
	default:
		break;
	}
}

void vserial_write(struct vserial *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vserial_putc(s, buf[i]);
}
