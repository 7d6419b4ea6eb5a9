/*
 * Guest: MOV to and from CR0 and CR4, under the hypervisor's guest/host masks and read shadows.
 *
 * Transcript of "cr" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| CR4 reads 0x20; setting CR4.VMXE raised an exception
 *   guest| CR0 reads 0xe0000031; after clearing CR0.NE it reads 0xe0000011
 */
#include "runtime.h"
#include "x86.h"

static void set_cr4_vmxe(void *p)
{
	write_cr4(*(u64 *)p | CR4_VMXE);
}

static int cr_main(void)
{
	u64 cr4 = read_cr4();
	guest_note("cr.cr4", cr4);
	struct guest_fault f;
	bool faulted = !guest_call(set_cr4_vmxe, &cr4, &f);
	guest_note("cr.vmxe", guest_fault_code(faulted, &f));
	guest_printf("CR4 reads %#lx; setting CR4.VMXE %s\n", cr4,
		     faulted ? "raised an exception" : "worked");

	u64 cr0 = read_cr0();
	guest_note("cr.cr0", cr0);
	write_cr0(cr0 & ~CR0_NE);
	u64 after = read_cr0();
	guest_note("cr.cr0_after", after);
	guest_printf("CR0 reads %#lx; after clearing CR0.NE it reads %#lx\n", cr0, after);
	return 0;
}

GUEST_PROGRAM(guest_cr, "cr", cr_main, "MOV to CR0/CR4: guest/host masks and read shadows");
