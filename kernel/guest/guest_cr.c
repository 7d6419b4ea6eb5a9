/*
 * Guest: MOV to and from CR0 and CR4, under the hypervisor's guest/host masks and read shadows.
 *
 * Transcript of "cr" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| CR4 reads 0x20; setting CR4.VMXE raised an exception
 *   guest| CR0 reads 0xe0000031; after clearing CR0.NE it reads 0xe0000011
 *   guest| CR0.NE cleared from R13: CR0 reads 0xe0000011; set from RSP: 0xe0000031
 *   guest| toggled CR0.TS and CR4.OSXMMEXCPT 3 times; CR4.VMXE from R10 raised an exception; CR4 bit 31 raised an exception
 */
#include "runtime.h"
#include "x86.h"

/* MOV to CR0 from RAX: the checks of the shadows do not depend on the register the compiler picks. */
static void write_cr0_rax(u64 value)
{
	__asm__ volatile("mov %0, %%cr0" : : "a"(value) : "memory");
}

/* MOV to CR4 from RAX. */
static void write_cr4_rax(u64 value)
{
	__asm__ volatile("mov %0, %%cr4" : : "a"(value) : "memory");
}

static void set_cr4_vmxe(void *p)
{
	write_cr4_rax(*(u64 *)p | CR4_VMXE);
}

/*
 * MOV to CR0 from R13 = value, with RBP = decoy meanwhile: R13 is register 13 in
 * the exit qualification, which a 3-bit register field would read as RBP (5).
 */
static void write_cr0_r13(u64 value, u64 decoy)
{
	__asm__ volatile("mov %[value], %%r13\n\tpush %%rbp\n\tmov %[decoy], %%rbp\n\t"
			 "mov %%r13, %%cr0\n\tpop %%rbp"
			 : : [value] "r"(value), [decoy] "r"(decoy) : "r13", "memory");
}

/* MOV to CR0 from RSP = value: RSP is register 4, whose value is GUEST_RSP in the VMCS. */
static void write_cr0_rsp(u64 value)
{
	__asm__ volatile("mov %%rsp, %%r11\n\tmov %[value], %%rsp\n\tmov %%rsp, %%cr0\n\tmov %%r11, %%rsp"
			 : : [value] "r"(value) : "r11", "memory");
}

/* MOV to CR4 from R10 = *p | VMXE, with RDX = *p meanwhile (register 10 read with 3 bits is RDX). */
static void set_cr4_vmxe_r10(void *p)
{
	u64 cr4 = *(u64 *)p;
	__asm__ volatile("mov %[value], %%r10\n\tmov %%r10, %%cr4"
			 : : [value] "r"(cr4 | CR4_VMXE), "d"(cr4) : "r10", "memory");
}

/* MOV to CR4 setting a bit the processor does not support. */
static void set_cr4_unsupported(void *p)
{
	write_cr4_rax(*(u64 *)p | GUEST_CR4_UNSUPPORTED_BIT);
}

/* Runs fn(arg) under guest_call() and notes its guest_fault_code() as key; true if it faulted. */
static bool try_note(void (*fn)(void *), void *arg, const char *key)
{
	struct guest_fault f;
	bool faulted = !guest_call(fn, arg, &f);
	guest_note(key, guest_fault_code(faulted, &f));
	return faulted;
}

static int cr_main(void)
{
	u64 cr4 = read_cr4();
	guest_note("cr.cr4", cr4);
	bool faulted = try_note(set_cr4_vmxe, &cr4, "cr.vmxe");
	guest_printf("CR4 reads %#lx; setting CR4.VMXE %s\n", cr4,
		     faulted ? "raised an exception" : "worked");

	/* CR0.NE (host-owned) cleared from R13, set again from RSP: registers a 3-bit field or the register array get wrong. */
	u64 cr0 = read_cr0();
	guest_note("cr.cr0", cr0);
	write_cr0_r13(cr0 & ~CR0_NE, cr0);
	u64 by_r13 = read_cr0();
	guest_note("cr.r13", by_r13);
	write_cr0_rsp(cr0);
	u64 by_rsp = read_cr0();
	guest_note("cr.rsp", by_rsp);

	write_cr0_rax(cr0 & ~CR0_NE);
	u64 after = read_cr0();
	guest_note("cr.cr0_after", after);
	guest_printf("CR0 reads %#lx; after clearing CR0.NE it reads %#lx\n", cr0, after);

	/* Bits no mask needs to own: each of these writes should run without a VM exit. */
	u64 toggles = 2 + guest_nonce() % 3;
	for (u64 i = 0; i < toggles; i++) {
		write_cr0(after | GUEST_CR0_FREE_BIT);
		write_cr0(after);
		write_cr4(cr4 | GUEST_CR4_FREE_BIT);
		write_cr4(cr4);
	}
	guest_note("cr.toggles", toggles);

	/* The values just read, written back: they change no bit the host owns, as the guest sees it. */
	for (u64 i = 0; i < toggles; i++) {
		write_cr0(read_cr0());
		write_cr4(read_cr4());
	}

	bool r10 = try_note(set_cr4_vmxe_r10, &cr4, "cr.r10");
	bool unsupported = try_note(set_cr4_unsupported, &cr4, "cr.unsupported");
	guest_printf("CR0.NE cleared from R13: CR0 reads %#lx; set from RSP: %#lx\n", by_r13, by_rsp);
	guest_printf("toggled CR0.TS and CR4.OSXMMEXCPT %lu times; CR4.VMXE from R10 %s; CR4 bit 31 %s\n",
		     toggles, r10 ? "raised an exception" : "worked",
		     unsupported ? "raised an exception" : "worked");
	return 0;
}

GUEST_PROGRAM(guest_cr, "cr", cr_main, "MOV to CR0/CR4: guest/host masks and read shadows");
