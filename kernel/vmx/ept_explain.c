/*
 * ept_explain(): an EPT misconfiguration in plain words, like vmcs_check() for
 * VM entry: the walk of the faulting GPA, entry by entry, and the first rule of
 * SDM Vol. 3C, 29.3.3.1 "EPT Misconfigurations" that an entry breaks.
 */
#include "ept_explain.h"
#include "vmx.h"
#include "printf.h"
#include "x86.h"

static const char *const level_names[5] = { "", "PTE", "PDE", "PDPTE", "PML4E" };

/* The first misconfiguration rule entry e (at level, a leaf if leaf) breaks, or NULL. */
static const char *broken_rule(u64 e, int level, bool leaf, const struct vmx_caps *caps, u64 maxphys)
{
	u64 rwx = e & EPT_RWX;
	if (rwx == EPT_WRITE || rwx == (EPT_WRITE | EPT_EXEC))
		return "it allows writes but not reads (bits 2:0 = 010b or 110b)";
	if (rwx == EPT_EXEC && !(caps->ept_vpid & VMX_EPT_EXECUTE_ONLY_BIT))
		return "it allows execute only (100b), which IA32_VMX_EPT_VPID_CAP bit 0 does not allow";
	if ((e & EPT_ADDR_MASK) >> maxphys)
		return "it sets an address bit above the processor's physical-address width (CPUID 80000008H)";
	if (leaf) {
		u64 mt = (e & EPT_MT_MASK) >> EPT_MT_SHIFT;
		if (mt == 2 || mt == 3 || mt == 7)
			return "its memory type (bits 5:3) is 2, 3 or 7, which are reserved (29.3.7 \"EPT and Memory Typing\")";
		if (level == 2 && (e & 0x1FF000))
			return "it maps a 2 MiB page but sets a bit of 20:12, which must be 0";
	} else if (e & 0xF8) {
		return "it references a table but sets a bit of 7:3, which must be 0 there";
	}
	return NULL;
}

int ept_explain(const struct ept *ept, const struct vmx_caps *caps, u64 gpa)
{
	u64 maxphys = cpuid(0x80000008, 0).eax & 0xFF;
	const u64 *table = ept->pml4;
	for (int level = 4; level >= 1 && table; level--) {
		unsigned idx = (gpa >> (12 + 9 * (level - 1))) & 511;
		u64 e = table[idx];
		bool leaf = level == 1 || (level == 2 && (e & EPT_LARGE));
		kprintf("  EPT %s[%u] = %#018lx\n", level_names[level], idx, e);
		if (!(e & EPT_RWX)) {
			kprintf("  not present: that is an EPT violation, not a misconfiguration\n");
			return 0;
		}
		const char *why = broken_rule(e, level, leaf, caps, maxphys);
		if (why) {
			kdiag("EPT misconfiguration: the %s for GPA %#lx is %#lx: %s (SDM Vol. 3C, 29.3.3.1 "
			      "\"EPT Misconfigurations\")", level_names[level], gpa, e, why);
			return level;
		}
		if (leaf)
			break;
		table = (const u64 *)(e & EPT_ADDR_MASK);
	}
	kprintf("  no entry breaks a rule this checker knows\n");
	return 0;
}
