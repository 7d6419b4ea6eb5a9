/* The guests' runtime, the C half (see runtime.h; the assembly half is trampoline.asm). */
#include "runtime.h"
#include "gdt.h"
#include "guest.h"
#include "printf.h"
#include "string.h"
#include "x86.h"

/* A 64-bit interrupt gate (SDM Vol. 3A, 6.14.1 "64-Bit Mode IDT"). */
struct idt_gate {
	u16 offset_low, selector;
	u8 ist, type_attr;
	u16 offset_mid;
	u32 offset_high, zero;
};

extern const u64 guest_isr_table[32];
static struct idt_gate guest_idt[32];

void guest_idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		u64 a = guest_isr_table[v];
		guest_idt[v] = (struct idt_gate){
			.offset_low = (u16)a, .selector = SEL_CODE64, .type_attr = 0x8E, /* P, DPL 0, type 14 */
			.offset_mid = (u16)(a >> 16), .offset_high = (u32)(a >> 32),
		};
	}
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

/* The 16550's transmit and line-status registers at COM1 (as kernel/console/serial.c). */
#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20

void guest_com1_printf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *p = buf; *p; p++) {
		while (!(inb(COM1_LSR) & LSR_THRE))
			;
		outb(COM1, (u8)*p);
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
static struct note notes[64];
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
