/* The guests' runtime, the C half (see runtime.h; the assembly half is trampoline.asm). */
#include "runtime.h"
#include "gdt.h"
#include "guest.h"
#include "printf.h"
#include "string.h"
#include "uart.h"
#include "x86.h"

extern const u64 guest_isr_table[32];
static struct idt_gate guest_idt[32];

void guest_idt_init(void)
{
	for (int v = 0; v < 32; v++)
		guest_idt[v] = idt_interrupt_gate(guest_isr_table[v], SEL_CODE64, 0);
	struct dtr idtr = { .limit = sizeof(guest_idt) - 1, .base = (u64)guest_idt };
	lidt(&idtr);
}

u64 guest_printf(const char *fmt, ...)
{
	char buf[HC_PRINT_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	return hypercall(HC_PRINT, (u64)buf, (u64)n, 0);
}

void guest_com1_printf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *p = buf; *p; p++) {
		while (!(inb(COM1_BASE + UART_LSR) & UART_LSR_THRE))
			;
		outb(COM1_BASE + UART_THR, (u8)*p);
	}
}

u64 guest_nonce(void)
{
	return hypercall(HC_READ, HC_VALUE_NONCE, 0, 0);
}

/* The guests' observations: written by guest code, read by the harness (guest.h). */
struct note {
	const char *key;
	u64 value;
};
static struct note notes[256];          /* room for every guest of the demo, which never resets them */
static unsigned note_count;

void guest_note(const char *key, u64 value)
{
	if (note_count < ARRAY_SIZE(notes))
		notes[note_count++] = (struct note){ key, value };
}

void guest_notes_reset(void)
{
	note_count = 0;
}

bool guest_note_get(const char *key, u64 *value)
{
	for (unsigned i = note_count; i-- > 0;)
		if (strcmp(notes[i].key, key) == 0) {
			*value = notes[i].value;
			return true;
		}
	return false;
}
