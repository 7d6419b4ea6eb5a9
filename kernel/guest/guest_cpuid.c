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

/* Poison for the upper halves of RAX, RBX, RCX, RDX before a CPUID: it clears them all. */
#define UPPER_POISON 0xC0DE5EED00000000ULL

/* The note keys of the sub-leaf probes: RAX, RBX, RCX, RDX after CPUID, per GUEST_CPUID_SUBLEAVES row. */
static const char *const subleaf_keys[][4] = {
	{ "cpuid.sub0.rax", "cpuid.sub0.rbx", "cpuid.sub0.rcx", "cpuid.sub0.rdx" },
	{ "cpuid.sub1.rax", "cpuid.sub1.rbx", "cpuid.sub1.rcx", "cpuid.sub1.rdx" },
	{ "cpuid.sub2.rax", "cpuid.sub2.rbx", "cpuid.sub2.rcx", "cpuid.sub2.rdx" },
	{ "cpuid.sub3.rax", "cpuid.sub3.rbx", "cpuid.sub3.rcx", "cpuid.sub3.rdx" },
};

/*
 * CPUID of leaf and sub-leaf with garbage in the upper halves of all four
 * registers (CPUID reads only EAX and ECX, and writes all four 32-bit halves,
 * which clears bits 63:32); notes the four 64-bit registers after it.
 */
static void subleaf_probe(u32 leaf, u32 sub, const char *const keys[4])
{
	u64 a = UPPER_POISON | leaf, b = UPPER_POISON, c = UPPER_POISON | sub, d = UPPER_POISON;
	__asm__ volatile("cpuid" : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
	guest_note(keys[0], a);
	guest_note(keys[1], b);
	guest_note(keys[2], c);
	guest_note(keys[3], d);
}

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

	static const u32 subleaves[][2] = GUEST_CPUID_SUBLEAVES;
	_Static_assert(ARRAY_SIZE(subleaves) == ARRAY_SIZE(subleaf_keys), "a note key per sub-leaf");
	for (size_t i = 0; i < ARRAY_SIZE(subleaves); i++)
		subleaf_probe(subleaves[i][0], subleaves[i][1], subleaf_keys[i]);
	return 0;
}

GUEST_PROGRAM(guest_cpuid, "cpuid", cpuid_main, "CPUID: the hypervisor leaf and a hidden VMX bit");
