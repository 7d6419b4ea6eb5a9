/*
 * Guest: CPUID, answered by the hypervisor (the hvlabs leaf, VMX hidden).
 *
 * Transcript of "cpuid" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| CPUID 0x40000000: max leaf 0x40000000, signature "hvlabs"
 *   guest| CPUID 1: ECX 0x979ae39f: VMX no, hypervisor present yes
 *   guest| CPUID 0: max leaf 0xd, vendor "GenuineIntel"
 */
#include "runtime.h"
#include "string.h"
#include "x86.h"

/* The 12 characters in registers a, b, c (CPUID's way of returning text), NUL-terminated. */
static void text_of(char out[13], u32 a, u32 b, u32 c)
{
	memcpy(out, &a, 4);
	memcpy(out + 4, &b, 4);
	memcpy(out + 8, &c, 4);
	out[12] = '\0';
}

static int cpuid_main(void)
{
	struct cpuid_regs hv = cpuid(0x40000000, 0);
	char sig[13];
	text_of(sig, hv.ebx, hv.ecx, hv.edx);
	guest_note("cpuid.hv.eax", hv.eax);
	guest_note("cpuid.hv.ebx", hv.ebx);
	guest_note("cpuid.hv.ecx", hv.ecx);
	guest_note("cpuid.hv.edx", hv.edx);
	guest_printf("CPUID 0x40000000: max leaf %#x, signature \"%s\"\n", hv.eax, sig);

	struct cpuid_regs one = cpuid(1, 0);
	guest_note("cpuid.1.ecx", one.ecx);
	guest_printf("CPUID 1: ECX %#x: VMX %s, hypervisor present %s\n", one.ecx,
		     one.ecx & BIT(5) ? "yes" : "no", one.ecx & BIT(31) ? "yes" : "no");

	struct cpuid_regs zero = cpuid(0, 0);
	char vendor[13];
	text_of(vendor, zero.ebx, zero.edx, zero.ecx);
	guest_note("cpuid.0.eax", zero.eax);
	guest_note("cpuid.0.ebx", zero.ebx);
	guest_printf("CPUID 0: max leaf %#x, vendor \"%s\"\n", zero.eax, vendor);
	return 0;
}

GUEST_PROGRAM(guest_cpuid, "cpuid", cpuid_main, "CPUID: the hypervisor leaf and a hidden VMX bit");
