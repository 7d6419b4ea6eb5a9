/* Polled output on COM1 (a 16550 UART at I/O port 0x3F8), 115200 baud, 8N1. */
#include "serial.h"
#include "io.h"
#include "uart.h"

/* Programs COM1 for polled transmission; call once, before any output. */
void serial_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
	outb(COM1_BASE + UART_DLL, 1);          /* 115200 / 1 */
	outb(COM1_BASE + UART_DLM, 0);
	outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
	outb(COM1_BASE + UART_FCR, 0x07);       /* enable and clear both FIFOs */
	outb(COM1_BASE + UART_MCR, 0x03);       /* DTR, RTS */
}

/* Sends one byte. */
void serial_putc(char c)
{
	while (!(inb(COM1_BASE + UART_LSR) & UART_LSR_THRE))
		cpu_relax();
	outb(COM1_BASE + UART_THR, (u8)c);
}

/* Waits until every byte has left the UART: call before powering off. */
void serial_drain(void)
{
	while (!(inb(COM1_BASE + UART_LSR) & UART_LSR_TEMT))
		cpu_relax();
}
