/* Polled output on COM1 (a 16550 UART at I/O port 0x3F8), 115200 baud, 8N1. */
#include "serial.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_DATA 0          /* transmit holding register (DLAB = 0) */
#define UART_DLL 0           /* divisor latch, low byte (DLAB = 1) */
#define UART_IER 1           /* interrupt enable (DLAB = 0) */
#define UART_DLM 1           /* divisor latch, high byte (DLAB = 1) */
#define UART_FCR 2           /* FIFO control */
#define UART_LCR 3           /* line control */
#define UART_MCR 4           /* modem control */
#define UART_LSR 5           /* line status */
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define LSR_THRE 0x20        /* the holding register can take a byte */
#define LSR_TEMT 0x40        /* the holding and shift registers are both empty */

/* Programs COM1 for polled transmission; call once, before any output. */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);          /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07);       /* enable and clear both FIFOs */
	outb(COM1 + UART_MCR, 0x03);       /* DTR, RTS */
}

/* Sends one byte. */
void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(COM1 + UART_DATA, (u8)c);
}

/* Waits until every byte has left the UART: call before powering off. */
void serial_drain(void)
{
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
		cpu_relax();
}
