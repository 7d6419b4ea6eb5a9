/*
 * The VM-entry checks of SDM Vol. 3C, Chapter 27 "VM Entries", in plain words.
 *
 * VM entry checks the VMCS in three steps, and each step fails its own way:
 *   27.2.1 the VMX controls              -> VMfailValid, error 7
 *   27.2.2-27.2.4 the host-state area    -> VMfailValid, error 8
 *   27.3.1 the guest-state area          -> VM exit, reason 33 with bit 31 set
 * vmcs_check() walks the same rules over the current VMCS, in that order, and
 * prints each broken one as
 *   VMCS CHECK: <field> is <value>: VM entry needs <what> (SDM Vol. 3C, <section> "<title>")
 *
 * Organisation: the facts about the processor (capability MSRs, CPUID) and the
 * controls are read once into a struct ctx; then one function per SDM section
 * applies that section's rules, each rule one rule() line or one row of a table
 * (control capabilities, CR0/CR4 fixed bits, canonical addresses, host
 * selectors, guest segments) that a shared helper walks.
 *
 * Scope: the kernel runs outside SMM, so the SMM rules take that as given. Not
 * checked: rules on fields that kernel/vmx/vmcs_fields.def lacks (CET and SSP,
 * PKRS, BNDCFGS, PERF_GLOBAL_CTRL reserved bits, VM functions, the PML, shadow-
 * VMCS and posted-interrupt-descriptor addresses) and the MSR-load areas' contents
 * (27.4), which fail later in VM entry.
 */
#include "vmcs_check.h"
#include "detect.h"
#include "printf.h"
#include "trap.h"
#include "vmcs_access.h"
#include "vmx.h"
#include "x86.h"

/* ---- Bits the rules need that kernel/vmx/vmx.h does not name ---------------- */

/* Pin-based control (SDM Vol. 3C, 25.6.1 "Pin-Based VM-Execution Controls"). */
#define PIN_BASED_POSTED_INTR BIT(7)
/* Primary processor-based control (25.6.2). */
#define CPU_BASED_MONITOR_TRAP_FLAG BIT(27)
/* Secondary processor-based controls (25.6.2, Table "Definitions of Secondary Processor-Based VM-Execution Controls"). */
#define SECONDARY_EXEC_VIRT_APIC_ACCESSES BIT(0)
#define SECONDARY_EXEC_VIRT_X2APIC_MODE BIT(4)
#define SECONDARY_EXEC_APIC_REGISTER_VIRT BIT(8)
#define SECONDARY_EXEC_VIRT_INTR_DELIVERY BIT(9)
#define SECONDARY_EXEC_SHADOW_VMCS BIT(14)
#define SECONDARY_EXEC_ENABLE_PML BIT(17)
#define SECONDARY_EXEC_MODE_BASED_EPT_EXEC BIT(22)
/* Guest interruptibility state (25.4.2 "Guest Non-Register State", Table "Format of Interruptibility State"). */
#define BLOCK_STI BIT(0)
#define BLOCK_MOV_SS BIT(1)
#define BLOCK_SMI BIT(2)
#define BLOCK_NMI BIT(3)
#define BLOCK_ENCLAVE BIT(4)
/* Guest activity states (25.4.2). */
enum { ACT_ACTIVE = 0, ACT_HLT = 1, ACT_SHUTDOWN = 2, ACT_WAIT_SIPI = 3 };
/* Pending debug exceptions (25.4.2, Table "Format of Pending-Debug-Exceptions"). */
#define PDE_BS BIT(14)
#define PDE_RTM BIT(16)
#define PDE_RESERVED (~(BITS(~0ULL, 3, 0) | BIT(12) | PDE_BS | PDE_RTM))
/* Registers (SDM Vol. 3A, 2.5 "Control Registers"; Vol. 1, 3.4.3 "EFLAGS Register"; Vol. 4, 2.1). */
#define CR4_PCIDE BIT(17)
#define CR4_CET BIT(23)
#define RFLAGS_TF BIT(8)
#define RFLAGS_VM BIT(17)
#define RFLAGS_RESERVED (~BITS(~0ULL, 21, 0) | BIT(15) | BIT(5) | BIT(3))
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define DEBUGCTL_BTF BIT(1)
#define DEBUGCTL_RESERVED (~(BITS(~0ULL, 1, 0) | BITS(~0ULL, 15, 6) << 6))
/*
 * A PAE-paging PDPTE (SDM Vol. 3A, 4.4.1 "PDPTE Registers", Table "Format of a PAE
 * Page-Directory-Pointer-Table Entry (PDPTE)"): P is bit 0; bits 2:1 and 8:5 are
 * reserved, and so is every bit from the physical-address width up. The table of four
 * is at CR3 bits 31:5.
 */
#define PDPTE_P BIT(0)
#define PDPTE_RESERVED (BITS(~0ULL, 2, 1) << 1 | BITS(~0ULL, 8, 5) << 5)
#define PAE_CR3_PDPT(cr3) ((cr3) & 0xFFFFFFE0ULL)

/* ---- Where a rule comes from, and what breaking it does --------------------- */

enum sec {
	S_EXEC, S_EXIT, S_ENTRY,                        /* VMfailValid, error 7 */
	S_HOST_CR, S_HOST_SEG, S_ADDR_SIZE,             /* VMfailValid, error 8 */
	S_GUEST_CR, S_GUEST_SEG, S_GUEST_DTR, S_GUEST_RIP, S_GUEST_NONREG,  /* exit 33 */
	S_GUEST_PDPTE,
};

static const struct {
	const char *number, *title;
	enum vmcs_check_kind kind;
} sections[] = {
	[S_EXEC] = { "27.2.1.1", "VM-Execution Control Fields", VMCS_CHECK_CONTROL },
	[S_EXIT] = { "27.2.1.2", "VM-Exit Control Fields", VMCS_CHECK_CONTROL },
	[S_ENTRY] = { "27.2.1.3", "VM-Entry Control Fields", VMCS_CHECK_CONTROL },
	[S_HOST_CR] = { "27.2.2", "Checks on Host Control Registers, MSRs, and SSP", VMCS_CHECK_HOST },
	[S_HOST_SEG] = { "27.2.3", "Checks on Host Segment and Descriptor-Table Registers", VMCS_CHECK_HOST },
	[S_ADDR_SIZE] = { "27.2.4", "Checks Related to Address-Space Size", VMCS_CHECK_HOST },
	[S_GUEST_CR] = { "27.3.1.1", "Checks on Guest Control Registers, Debug Registers, and MSRs", VMCS_CHECK_GUEST },
	[S_GUEST_SEG] = { "27.3.1.2", "Checks on Guest Segment Registers", VMCS_CHECK_GUEST },
	[S_GUEST_DTR] = { "27.3.1.3", "Checks on Guest Descriptor-Table Registers", VMCS_CHECK_GUEST },
	[S_GUEST_RIP] = { "27.3.1.4", "Checks on Guest RIP, RFLAGS, and SSP", VMCS_CHECK_GUEST },
	[S_GUEST_NONREG] = { "27.3.1.5", "Checks on Guest Non-Register State", VMCS_CHECK_GUEST },
	[S_GUEST_PDPTE] = { "27.3.1.6", "Checks on Guest Page-Directory-Pointer-Table Entries", VMCS_CHECK_GUEST },
};

/* ---- The control fields and their capability MSRs (SDM Vol. 3D, A.3-A.5) ----- */

enum ctl { PIN, PROC, PROC2, EXIT, ENTRY, NCTL };

static const struct {
	u32 field;
	enum vmx_ctl ctl;               /* its capability MSR: vmx_ctl_msr(ctl, IA32_VMX_BASIC) */
	enum sec sec;
} ctls[NCTL] = {
	[PIN] = { PIN_BASED_VM_EXEC_CONTROL, VMX_CTL_PINBASED, S_EXEC },
	[PROC] = { CPU_BASED_VM_EXEC_CONTROL, VMX_CTL_PROCBASED, S_EXEC },
	[PROC2] = { SECONDARY_VM_EXEC_CONTROL, VMX_CTL_PROCBASED2, S_EXEC },
	[EXIT] = { VM_EXIT_CONTROLS, VMX_CTL_EXIT, S_EXIT },
	[ENTRY] = { VM_ENTRY_CONTROLS, VMX_CTL_ENTRY, S_ENTRY },
};

/* The SDM's name of a control capability MSR, for the VMCS CHECK lines. */
static const char *ctl_msr_name(u32 msr)
{
	switch (msr) {
	case MSR_IA32_VMX_PINBASED_CTLS: return "IA32_VMX_PINBASED_CTLS";
	case MSR_IA32_VMX_PROCBASED_CTLS: return "IA32_VMX_PROCBASED_CTLS";
	case MSR_IA32_VMX_PROCBASED_CTLS2: return "IA32_VMX_PROCBASED_CTLS2";
	case MSR_IA32_VMX_EXIT_CTLS: return "IA32_VMX_EXIT_CTLS";
	case MSR_IA32_VMX_ENTRY_CTLS: return "IA32_VMX_ENTRY_CTLS";
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS: return "IA32_VMX_TRUE_PINBASED_CTLS";
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS: return "IA32_VMX_TRUE_PROCBASED_CTLS";
	case MSR_IA32_VMX_TRUE_EXIT_CTLS: return "IA32_VMX_TRUE_EXIT_CTLS";
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS: return "IA32_VMX_TRUE_ENTRY_CTLS";
	default: return "a capability MSR";
	}
}

/* ---- The guest's segment registers (SDM Vol. 3C, 25.4.1 "Guest Register State") ---- */

enum seg_id { ES, CS, SS, DS, FS, GS, LDTR, TR, NSEG };

static const struct {
	u32 sel, base, limit, ar;
} seg_fields[NSEG] = {
	[ES] = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	[CS] = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	[SS] = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	[DS] = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	[FS] = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	[GS] = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	[LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
	[TR] = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
};

struct seg {
	u64 base;
	u32 limit, ar;
	u16 sel;
};

#define AR_TYPE(ar) ((ar) & 0xF)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define RPL(sel) ((sel) & 3)
#define SEL_TI BIT(2)
#define USABLE(s) (!((s).ar & VMX_AR_UNUSABLE))

/* ---- What one run of the checker knows ------------------------------------------ */

struct ctx {
	bool print;
	struct vmcs_check_result res;

	/* The processor: capability MSRs (SDM Vol. 3D, Appendix A) and CPUID. */
	struct vmx_ctl_cap cap[NCTL];   /* allowed0: must be 1; allowed1: may be 1 */
	u32 cap_msr[NCTL];              /* the MSR each cap[] was read from */
	bool has_proc2;
	u64 basic, misc, ept_vpid, efer; /* efer: the running IA32_EFER (27.2.4) */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned phys_bits, lin_bits;   /* CPUID.80000008H:EAX[7:0] and [15:8] */
	bool nx, sgx, rtm;

	/* The controls as VM entry sees them: the secondary ones count as 0 unless activated. */
	u32 ctl[NCTL];
	bool ia32e_guest, host64, unrestricted;

	/* Guest state that rules of several sections look at. */
	u64 cr0, cr4, rflags, debugctl;
	u32 intr_info, interruptibility, activity;
	bool v8086;
	struct seg seg[NSEG];
};

/*
 * The one place a rule is judged: if ok is false, counts a violation of section
 * s and prints field, value, what VM entry needs (need, printf-style) and the
 * SDM reference. Returns ok.
 */
__printf(6, 7) static bool rule(struct ctx *c, bool ok, enum sec s, u32 field, u64 value,
				const char *need, ...)
{
	if (ok)
		return true;
	c->res.violations++;
	if (c->res.first == VMCS_CHECK_OK || sections[s].kind < c->res.first)
		c->res.first = sections[s].kind;
	if (c->print) {
		const char *name = vmcs_field_name(field);
		va_list ap;
		if (name)
			kprintf(DIAG_TAG "VMCS CHECK: %s is %#lx: VM entry needs ", name, value);
		else
			kprintf(DIAG_TAG "VMCS CHECK: field %#x is %#lx: VM entry needs ", field, value);
		va_start(ap, need);
		kvprintf(need, ap);
		va_end(ap);
		kprintf(" (SDM Vol. 3C, %s \"%s\")\n", sections[s].number, sections[s].title);
	}
	return false;
}

/* VMREAD of a field that every VMX processor has. */
static u64 rd(u32 field)
{
	return vmcs_read(field);
}

/*
 * VMREAD of a field that exists only with some feature: 0 without reading when
 * exists is false, so that no failing VMREAD overwrites VM_INSTRUCTION_ERROR.
 */
static u64 rd_if(bool exists, u32 field)
{
	return exists ? vmcs_read(field) : 0;
}

/* True if control bit `bit` of field k may be 1 on this processor (so its fields exist). */
static bool may1(const struct ctx *c, enum ctl k, u32 bit)
{
	return (c->cap[k].allowed1 & bit) == bit;
}

/* ---- Address helpers (SDM Vol. 1, 3.3.7.1 "Canonical Addressing") ------------------ */

/* No bit set at or beyond the physical-address width. */
static bool phys_ok(const struct ctx *c, u64 a)
{
	return c->phys_bits >= 64 || (a >> c->phys_bits) == 0;
}

/* One rule for every "bits 11:0 are 0 and no bit beyond the physical-address width" address; returns it. */
static u64 page_addr_rule(struct ctx *c, enum sec s, u32 field)
{
	u64 a = rd(field);
	rule(c, IS_ALIGNED(a, PAGE_SIZE) && phys_ok(c, a), s, field, a,
	     "a 4-KiB-aligned physical address within the physical-address width (%u bits)",
	     c->phys_bits);
	return a;
}

/* One rule for every canonical-address field, by the section that asks for it. */
static const struct {
	u32 field;
	enum sec sec;
} canonical_fields[] = {
	{ HOST_IA32_SYSENTER_ESP, S_HOST_CR },
	{ HOST_IA32_SYSENTER_EIP, S_HOST_CR },
	{ HOST_FS_BASE, S_HOST_SEG },
	{ HOST_GS_BASE, S_HOST_SEG },
	{ HOST_GDTR_BASE, S_HOST_SEG },
	{ HOST_IDTR_BASE, S_HOST_SEG },
	{ HOST_TR_BASE, S_HOST_SEG },
	{ GUEST_SYSENTER_ESP, S_GUEST_CR },
	{ GUEST_SYSENTER_EIP, S_GUEST_CR },
	{ GUEST_FS_BASE, S_GUEST_SEG },
	{ GUEST_GS_BASE, S_GUEST_SEG },
	{ GUEST_TR_BASE, S_GUEST_SEG },
	{ GUEST_GDTR_BASE, S_GUEST_DTR },
	{ GUEST_IDTR_BASE, S_GUEST_DTR },
};

static void canonical_rule(struct ctx *c, enum sec s, u32 field, u64 a)
{
	rule(c, is_canonical(a, c->lin_bits), s, field, a,
	     "a canonical address (bits 63:%u all equal)", c->lin_bits - 1);
}

static void check_canonical_fields(struct ctx *c, enum sec s)
{
	for (size_t i = 0; i < ARRAY_SIZE(canonical_fields); i++)
		if (canonical_fields[i].sec == s)
			canonical_rule(c, s, canonical_fields[i].field, rd(canonical_fields[i].field));
}

/* ---- Shared register rules --------------------------------------------------------- */

/*
 * CR0 and CR4 against IA32_VMX_CR0/CR4_FIXED0/1 (SDM Vol. 3C, 24.8 "Restrictions
 * on VMX Operation"): host and guest alike. `exempt`: bits VM entry does not check.
 */
static void fixed_bits_rules(struct ctx *c, enum sec s, u32 field, const char *reg, u64 fixed0,
			     u64 fixed1, u64 exempt)
{
	u64 v = rd(field), must1 = fixed0 & ~exempt, must0 = ~fixed1 & ~exempt;
	rule(c, (v & must1) == must1, s, field, v, "bits %#lx set (IA32_VMX_%s_FIXED0 is %#lx)",
	     must1 & ~v, reg, fixed0);
	rule(c, !(v & must0), s, field, v, "bits %#lx clear (IA32_VMX_%s_FIXED1 is %#lx)",
	     v & must0, reg, fixed1);
}

/* IA32_PAT: each byte a memory type WRMSR accepts: 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB), 7 (UC-). */
static void pat_rule(struct ctx *c, enum sec s, u32 field)
{
	u64 pat = rd(field);
	bool ok = true;
	for (unsigned i = 0; i < 8; i++) {
		u64 type = BITS(pat, 8 * i + 7, 8 * i);
		ok = ok && (type < 8 && type != 2 && type != 3);
	}
	rule(c, ok, s, field, pat, "every byte a valid memory type (0, 1, 4, 5, 6 or 7)");
}

/* IA32_EFER: only the bits this processor has (SCE, LME, LMA, and NXE where supported). */
static void efer_reserved_rule(struct ctx *c, enum sec s, u32 field, u64 efer)
{
	u64 valid = EFER_SCE | EFER_LME | EFER_LMA | (c->nx ? EFER_NXE : 0);
	rule(c, !(efer & ~valid), s, field, efer, "reserved bits %#lx clear", efer & ~valid);
}

/* An MSR-load/store area: 16-byte aligned, and all count entries within the physical-address width. */
static void msr_area_rules(struct ctx *c, enum sec s, u32 count_field, u32 addr_field)
{
	u64 n = rd(count_field), a;
	if (n == 0)
		return;
	a = rd(addr_field);
	rule(c, IS_ALIGNED(a, 16) && phys_ok(c, a), s, addr_field, a,
	     "a 16-byte-aligned physical address within %u bits (%lu entries to transfer)",
	     c->phys_bits, n);
	rule(c, phys_ok(c, a + n * 16 - 1), s, addr_field, a,
	     "the last byte of its %lu entries (%#lx) within the physical-address width (%u bits)",
	     n, a + n * 16 - 1, c->phys_bits);
}

/* Reads 32 bits of physical memory (identity-mapped); false if that faults. */
struct phys_read {
	u64 pa;
	u32 value;
};

static void do_phys_read(void *p)
{
	struct phys_read *r = p;
	r->value = *(volatile u32 *)r->pa;
}

static bool read_phys32(u64 pa, u32 *value)
{
	struct phys_read r = { .pa = pa };
	struct fault f;
	if (!trap_call(do_phys_read, &r, &f))
		return false;
	*value = r.value;
	return true;
}

/* ---- 27.2.1.1 "VM-Execution Control Fields" ------------------------------------------ */

/* Every control field within its capability MSR (27.2.1.1-27.2.1.3): two rules per row of ctls[]. */
static void check_control_caps(struct ctx *c, enum sec s)
{
	for (enum ctl k = 0; k < NCTL; k++) {
		u32 v = c->ctl[k], must1 = c->cap[k].allowed0, may = c->cap[k].allowed1;
		const char *msr = ctl_msr_name(c->cap_msr[k]);
		if (ctls[k].sec != s || (k == PROC2 && !(c->ctl[PROC] & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)))
			continue;
		rule(c, (v & must1) == must1, s, ctls[k].field, v,
		     "bits %#x set (the allowed-0 settings in %s are %#x)", must1 & ~v, msr, must1);
		rule(c, !(v & ~may), s, ctls[k].field, v,
		     "bits %#x clear (the allowed-1 settings in %s are %#x)", v & ~may, msr, may);
	}
}

/* The EPT pointer (25.6.11 "Extended-Page-Table Pointer (EPTP)"), against IA32_VMX_EPT_VPID_CAP. */
static void check_eptp(struct ctx *c)
{
	u64 e = rd(EPT_POINTER), cap = c->ept_vpid, type = BITS(e, 2, 0), walk = BITS(e, 5, 3);

	rule(c, (type == VMX_MEM_TYPE_UC && (cap & BIT(8))) || (type == VMX_MEM_TYPE_WB && (cap & BIT(14))),
	     S_EXEC, EPT_POINTER, e, "a memory type (bits 2:0) that IA32_VMX_EPT_VPID_CAP allows "
	     "(UC 0 if its bit 8, WB 6 if its bit 14; it is %#lx)", cap);
	rule(c, (walk == 3 && (cap & BIT(6))) || (walk == 4 && (cap & BIT(7))), S_EXEC, EPT_POINTER, e,
	     "bits 5:3 one less than a supported page-walk length (3 for 4 levels)");
	rule(c, !(e & BIT(6)) || (cap & BIT(21)), S_EXEC, EPT_POINTER, e,
	     "bit 6 (accessed and dirty flags) clear: IA32_VMX_EPT_VPID_CAP bit 21 is 0");
	rule(c, !(e & BITS(~0ULL, 11, 7) << 7) && phys_ok(c, e), S_EXEC, EPT_POINTER, e,
	     "bits 11:7 and every bit beyond the physical-address width (%u bits) clear", c->phys_bits);
}

static void check_exec_controls(struct ctx *c)
{
	u32 pin = c->ctl[PIN], proc = c->ctl[PROC], p2 = c->ctl[PROC2];
	u64 v;

	check_control_caps(c, S_EXEC);
	v = rd(CR3_TARGET_COUNT);
	rule(c, v <= BITS(c->misc, 24, 16), S_EXEC, CR3_TARGET_COUNT, v,
	     "at most %lu CR3-target values (IA32_VMX_MISC bits 24:16)", (u64)BITS(c->misc, 24, 16));
	if ((proc & CPU_BASED_USE_IO_BITMAPS) && may1(c, PROC, CPU_BASED_USE_IO_BITMAPS)) {
		page_addr_rule(c, S_EXEC, IO_BITMAP_A);
		page_addr_rule(c, S_EXEC, IO_BITMAP_B);
	}
	if ((proc & CPU_BASED_USE_MSR_BITMAPS) && may1(c, PROC, CPU_BASED_USE_MSR_BITMAPS))
		page_addr_rule(c, S_EXEC, MSR_BITMAP);
	if (!(proc & CPU_BASED_TPR_SHADOW)) {
		rule(c, !(p2 & (SECONDARY_EXEC_VIRT_X2APIC_MODE | SECONDARY_EXEC_APIC_REGISTER_VIRT |
				SECONDARY_EXEC_VIRT_INTR_DELIVERY)), S_EXEC, SECONDARY_VM_EXEC_CONTROL, p2,
		     "\"virtualize x2APIC mode\", \"APIC-register virtualization\" and \"virtual-interrupt "
		     "delivery\" clear while \"use TPR shadow\" is 0");
	} else if (may1(c, PROC, CPU_BASED_TPR_SHADOW)) {
		u64 apic = page_addr_rule(c, S_EXEC, VIRTUAL_APIC_PAGE_ADDR), thr = rd(TPR_THRESHOLD);
		u32 vtpr = 0;
		if (!(p2 & SECONDARY_EXEC_VIRT_INTR_DELIVERY))
			rule(c, !(thr >> 4), S_EXEC, TPR_THRESHOLD, thr,
			     "bits 31:4 clear (\"use TPR shadow\" is 1, \"virtual-interrupt delivery\" 0)");
		if (!(p2 & (SECONDARY_EXEC_VIRT_INTR_DELIVERY | SECONDARY_EXEC_VIRT_APIC_ACCESSES)) &&
		    IS_ALIGNED(apic, PAGE_SIZE) && read_phys32(apic + 0x80, &vtpr))
			rule(c, BITS(thr, 3, 0) <= BITS(vtpr, 7, 4), S_EXEC, TPR_THRESHOLD, thr,
			     "bits 3:0 at most VTPR bits 7:4 (%lu, byte 80H of the virtual-APIC page)",
			     (u64)BITS(vtpr, 7, 4));
	}
	rule(c, !(pin & PIN_BASED_VIRTUAL_NMIS) || (pin & PIN_BASED_NMI_EXITING), S_EXEC,
	     PIN_BASED_VM_EXEC_CONTROL, pin, "\"NMI exiting\" (bit 3) set when \"virtual NMIs\" (bit 5) is set");
	rule(c, !(proc & CPU_BASED_NMI_WINDOW_EXITING) || (pin & PIN_BASED_VIRTUAL_NMIS), S_EXEC,
	     CPU_BASED_VM_EXEC_CONTROL, proc,
	     "\"NMI-window exiting\" (bit 22) clear while \"virtual NMIs\" is 0");
	if ((p2 & SECONDARY_EXEC_VIRT_APIC_ACCESSES) && may1(c, PROC2, SECONDARY_EXEC_VIRT_APIC_ACCESSES))
		page_addr_rule(c, S_EXEC, APIC_ACCESS_ADDR);
	rule(c, !(p2 & SECONDARY_EXEC_VIRT_X2APIC_MODE) || !(p2 & SECONDARY_EXEC_VIRT_APIC_ACCESSES),
	     S_EXEC, SECONDARY_VM_EXEC_CONTROL, p2,
	     "\"virtualize APIC accesses\" clear when \"virtualize x2APIC mode\" is set");
	rule(c, !(p2 & SECONDARY_EXEC_VIRT_INTR_DELIVERY) || (pin & PIN_BASED_EXT_INTR_MASK), S_EXEC,
	     PIN_BASED_VM_EXEC_CONTROL, pin,
	     "\"external-interrupt exiting\" (bit 0) set when \"virtual-interrupt delivery\" is set");
	if ((pin & PIN_BASED_POSTED_INTR) && may1(c, PIN, PIN_BASED_POSTED_INTR)) {
		v = rd(POSTED_INTR_NV);
		rule(c, (p2 & SECONDARY_EXEC_VIRT_INTR_DELIVERY) && (c->ctl[EXIT] & VM_EXIT_ACK_INTR_ON_EXIT),
		     S_EXEC, PIN_BASED_VM_EXEC_CONTROL, pin, "\"virtual-interrupt delivery\" and the exit "
		     "control \"acknowledge interrupt on exit\" set for \"process posted interrupts\"");
		rule(c, !(v >> 8), S_EXEC, POSTED_INTR_NV, v, "bits 15:8 clear (a vector in bits 7:0)");
	}
	if ((p2 & SECONDARY_EXEC_ENABLE_VPID) && may1(c, PROC2, SECONDARY_EXEC_ENABLE_VPID)) {
		v = rd(VIRTUAL_PROCESSOR_ID);
		rule(c, v != 0, S_EXEC, VIRTUAL_PROCESSOR_ID, v,
		     "a VPID other than 0 when \"enable VPID\" is set (0 is the host's)");
	}
	if ((p2 & SECONDARY_EXEC_ENABLE_EPT) && may1(c, PROC2, SECONDARY_EXEC_ENABLE_EPT))
		check_eptp(c);
	rule(c, !(p2 & (SECONDARY_EXEC_UNRESTRICTED_GUEST | SECONDARY_EXEC_ENABLE_PML |
			SECONDARY_EXEC_MODE_BASED_EPT_EXEC)) || (p2 & SECONDARY_EXEC_ENABLE_EPT), S_EXEC,
	     SECONDARY_VM_EXEC_CONTROL, p2, "\"enable EPT\" (bit 1) set for \"unrestricted guest\", "
	     "\"enable PML\" or \"mode-based execute control for EPT\"");
}

/* ---- 27.2.1.2 "VM-Exit Control Fields" ----------------------------------------------- */

static void check_exit_controls(struct ctx *c)
{
	u32 exit = c->ctl[EXIT];

	check_control_caps(c, S_EXIT);
	rule(c, !(exit & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER) || (c->ctl[PIN] & PIN_BASED_VMX_PREEMPTION_TIMER),
	     S_EXIT, VM_EXIT_CONTROLS, exit, "\"save VMX-preemption timer value\" (bit 22) clear while "
	     "the pin-based \"activate VMX-preemption timer\" is 0");
	msr_area_rules(c, S_EXIT, VM_EXIT_MSR_STORE_COUNT, VM_EXIT_MSR_STORE_ADDR);
	msr_area_rules(c, S_EXIT, VM_EXIT_MSR_LOAD_COUNT, VM_EXIT_MSR_LOAD_ADDR);
}

/* ---- 27.2.1.3 "VM-Entry Control Fields" ---------------------------------------------- */

/*
 * The hardware exceptions whose injection needs "deliver error code" = 1 (SDM Vol. 3C,
 * 27.2.1.3 "Checks on VM-Entry Control Fields"): #DF (8), #TS (10), #NP (11), #SS (12),
 * #GP (13), #PF (14) and #AC (17). That is the set of exceptions that push an error code
 * on delivery (kernel/arch/vectors.def, SDM Vol. 3A, Table 6-1 "Protected-Mode Exceptions
 * and Interrupts") below vector 21, and the sets legitimately differ above: the SDM adds
 * #CP (21) to this rule only for processors that support CET, which the checker does not
 * model (neither do the Bochs CPU models its verdicts are tested against), and vectors
 * 29 and 30 are reserved on Intel processors (AMD's #VC and #SX push an error code).
 */
static bool pushes_error_code(u64 vector)
{
	return vector < VEC_CP && exception_has_error_code((unsigned)vector);
}

/* Event injection (25.8.3 "VM-Entry Controls for Event Injection"), when the valid bit is set. */
static void check_event_injection(struct ctx *c)
{
	u32 info = c->intr_info;
	u64 type = info & INTR_INFO_INTR_TYPE_MASK, vec = info & INTR_INFO_VECTOR_MASK, len, code;
	bool pe = (c->cr0 & CR0_PE) || !c->unrestricted;  /* protected mode (CR0.PE is fixed 1 unless unrestricted) */
	bool any_vector = c->basic & BIT(56);   /* IA32_VMX_BASIC[56]: error codes with any vector */
	bool want_code = type == INTR_TYPE_HARD_EXCEPTION && pe && !any_vector && pushes_error_code(vec);
	bool no_code = type != INTR_TYPE_HARD_EXCEPTION || !pe || (!any_vector && !pushes_error_code(vec));

	rule(c, type != INTR_TYPE_RESERVED &&
		(type != INTR_TYPE_OTHER_EVENT || may1(c, PROC, CPU_BASED_MONITOR_TRAP_FLAG)),
	     S_ENTRY, VM_ENTRY_INTR_INFO_FIELD, info, "a supported interruption type (bits 10:8: not 1, "
	     "and 7 only with the monitor trap flag)");
	rule(c, (type != INTR_TYPE_NMI_INTR || vec == 2) &&
		(type != INTR_TYPE_HARD_EXCEPTION || vec <= 31) &&
		(type != INTR_TYPE_OTHER_EVENT || vec == 0), S_ENTRY, VM_ENTRY_INTR_INFO_FIELD, info,
	     "a vector (bits 7:0) that fits the type: 2 for an NMI, 0-31 for a hardware exception, "
	     "0 for another event");
	rule(c, (info & INTR_INFO_DELIVER_CODE_MASK) ? !no_code : !want_code, S_ENTRY, VM_ENTRY_INTR_INFO_FIELD,
	     info, "\"deliver error code\" (bit 11) %s for this event (type %lu, vector %lu, CR0.PE %d)",
	     (info & INTR_INFO_DELIVER_CODE_MASK) ? "clear" : "set", type >> 8, vec, pe);
	rule(c, !BITS(info, 30, 12), S_ENTRY, VM_ENTRY_INTR_INFO_FIELD, info, "bits 30:12 clear");
	if (info & INTR_INFO_DELIVER_CODE_MASK) {
		code = rd(VM_ENTRY_EXCEPTION_ERROR_CODE);
		rule(c, !(code >> 16), S_ENTRY, VM_ENTRY_EXCEPTION_ERROR_CODE, code,
		     "bits 31:16 clear when an error code is delivered");
	}
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SOFT_EXCEPTION) {
		len = rd(VM_ENTRY_INSTRUCTION_LEN);
		rule(c, (len >= 1 || (c->misc & BIT(30))) && len <= 15, S_ENTRY, VM_ENTRY_INSTRUCTION_LEN,
		     len, "an instruction length of 1 to 15 bytes for a software interrupt or exception");
	}
}

static void check_entry_controls(struct ctx *c)
{
	u32 entry = c->ctl[ENTRY];

	check_control_caps(c, S_ENTRY);
	if (c->intr_info & INTR_INFO_VALID_MASK)
		check_event_injection(c);
	msr_area_rules(c, S_ENTRY, VM_ENTRY_MSR_LOAD_COUNT, VM_ENTRY_MSR_LOAD_ADDR);
	rule(c, !(entry & (VM_ENTRY_SMM | VM_ENTRY_DEACT_DUAL_MONITOR)), S_ENTRY, VM_ENTRY_CONTROLS, entry,
	     "\"entry to SMM\" (bit 10) and \"deactivate dual-monitor treatment\" (bit 11) clear "
	     "outside SMM");
}

/* ---- 27.2.2 "Checks on Host Control Registers, MSRs, and SSP" --------------------------- */

static void check_host_cr_msrs(struct ctx *c)
{
	u64 cr0 = rd(HOST_CR0), cr3 = rd(HOST_CR3), cr4 = rd(HOST_CR4);
	u32 exit = c->ctl[EXIT];

	fixed_bits_rules(c, S_HOST_CR, HOST_CR0, "CR0", c->cr0_fixed0, c->cr0_fixed1, CR0_NW | CR0_CD);
	fixed_bits_rules(c, S_HOST_CR, HOST_CR4, "CR4", c->cr4_fixed0, c->cr4_fixed1, 0);
	rule(c, phys_ok(c, cr3), S_HOST_CR, HOST_CR3, cr3,
	     "no bit set beyond the physical-address width (%u bits)", c->phys_bits);
	rule(c, !(cr4 & CR4_CET) || (cr0 & CR0_WP), S_HOST_CR, HOST_CR0, cr0,
	     "WP (bit 16) set while HOST_CR4.CET (bit 23) is set");
	check_canonical_fields(c, S_HOST_CR);
	if ((exit & VM_EXIT_LOAD_IA32_PAT) && may1(c, EXIT, VM_EXIT_LOAD_IA32_PAT))
		pat_rule(c, S_HOST_CR, HOST_IA32_PAT);
	if ((exit & VM_EXIT_LOAD_IA32_EFER) && may1(c, EXIT, VM_EXIT_LOAD_IA32_EFER)) {
		u64 efer = rd(HOST_IA32_EFER);
		efer_reserved_rule(c, S_HOST_CR, HOST_IA32_EFER, efer);
		rule(c, !(efer & EFER_LMA) == !c->host64 && !(efer & EFER_LME) == !c->host64, S_HOST_CR,
		     HOST_IA32_EFER, efer, "LMA (bit 10) and LME (bit 8) equal to \"host address-space "
		     "size\" (%d)", c->host64);
	}
}

/* ---- 27.2.3 "Checks on Host Segment and Descriptor-Table Registers" ------------------------ */

static const u32 host_selectors[] = {
	HOST_ES_SELECTOR, HOST_CS_SELECTOR, HOST_SS_SELECTOR, HOST_DS_SELECTOR,
	HOST_FS_SELECTOR, HOST_GS_SELECTOR, HOST_TR_SELECTOR,
};

static void check_host_segments(struct ctx *c)
{
	u64 cs = rd(HOST_CS_SELECTOR), ss = rd(HOST_SS_SELECTOR), tr = rd(HOST_TR_SELECTOR);

	for (size_t i = 0; i < ARRAY_SIZE(host_selectors); i++) {
		u64 sel = rd(host_selectors[i]);
		rule(c, !(sel & 7), S_HOST_SEG, host_selectors[i], sel,
		     "RPL (bits 1:0) and TI (bit 2) clear: the host runs at CPL 0 with GDT selectors");
	}
	rule(c, cs != 0, S_HOST_SEG, HOST_CS_SELECTOR, cs, "a code segment, not the null selector");
	rule(c, tr != 0, S_HOST_SEG, HOST_TR_SELECTOR, tr, "a valid TR; load a TSS");
	rule(c, c->host64 || ss != 0, S_HOST_SEG, HOST_SS_SELECTOR, ss,
	     "a stack segment, not the null selector, for a 32-bit host");
	check_canonical_fields(c, S_HOST_SEG);
}

/* ---- 27.2.4 "Checks Related to Address-Space Size" ----------------------------------------- */

static void check_address_space_size(struct ctx *c)
{
	bool lma = c->efer & EFER_LMA;
	u32 exit = c->ctl[EXIT], entry = c->ctl[ENTRY];
	u64 cr4 = rd(HOST_CR4), rip = rd(HOST_RIP);

	rule(c, !lma || c->host64, S_ADDR_SIZE, VM_EXIT_CONTROLS, exit,
	     "\"host address-space size\" (bit 9) set: the processor is in IA-32e mode (IA32_EFER.LMA = 1)");
	rule(c, lma || (!c->host64 && !c->ia32e_guest), S_ADDR_SIZE, VM_ENTRY_CONTROLS, entry,
	     "\"IA-32e mode guest\" and \"host address-space size\" clear outside IA-32e mode");
	if (!c->host64) {
		rule(c, !c->ia32e_guest, S_ADDR_SIZE, VM_ENTRY_CONTROLS, entry,
		     "\"IA-32e mode guest\" (bit 9) clear while \"host address-space size\" is 0");
		rule(c, !(cr4 & CR4_PCIDE), S_ADDR_SIZE, HOST_CR4, cr4,
		     "PCIDE (bit 17) clear for a 32-bit host");
		rule(c, !(rip >> 32), S_ADDR_SIZE, HOST_RIP, rip, "bits 63:32 clear for a 32-bit host");
	} else {
		rule(c, cr4 & CR4_PAE, S_ADDR_SIZE, HOST_CR4, cr4, "PAE (bit 5) set for a 64-bit host");
		rule(c, is_canonical(rip, c->lin_bits), S_ADDR_SIZE, HOST_RIP, rip,
		     "a canonical address (bits 63:%u equal) for a 64-bit host", c->lin_bits - 1);
	}
}

/* ---- 27.3.1.1 "Checks on Guest Control Registers, Debug Registers, and MSRs" ------------------ */

static void check_guest_cr_msrs(struct ctx *c)
{
	u64 cr3 = rd(GUEST_CR3), exempt = CR0_NW | CR0_CD;
	u32 entry = c->ctl[ENTRY];

	if (c->unrestricted)
		exempt |= CR0_PE | CR0_PG;
	fixed_bits_rules(c, S_GUEST_CR, GUEST_CR0, "CR0", c->cr0_fixed0, c->cr0_fixed1, exempt);
	rule(c, !(c->cr0 & CR0_PG) || (c->cr0 & CR0_PE), S_GUEST_CR, GUEST_CR0, c->cr0,
	     "PE (bit 0) set when PG (bit 31) is set");
	fixed_bits_rules(c, S_GUEST_CR, GUEST_CR4, "CR4", c->cr4_fixed0, c->cr4_fixed1, 0);
	rule(c, !(c->cr4 & CR4_CET) || (c->cr0 & CR0_WP), S_GUEST_CR, GUEST_CR0, c->cr0,
	     "WP (bit 16) set while GUEST_CR4.CET (bit 23) is set");
	if (entry & VM_ENTRY_LOAD_DEBUG_CONTROLS) {
		u64 dr7 = rd(GUEST_DR7);
		rule(c, !(c->debugctl & DEBUGCTL_RESERVED), S_GUEST_CR, GUEST_IA32_DEBUGCTL, c->debugctl,
		     "reserved bits %#lx clear (\"load debug controls\" is 1)", (u64)(c->debugctl & DEBUGCTL_RESERVED));
		rule(c, !(dr7 >> 32), S_GUEST_CR, GUEST_DR7, dr7,
		     "bits 63:32 clear (\"load debug controls\" is 1)");
	}
	if (c->ia32e_guest) {
		rule(c, c->cr0 & CR0_PG, S_GUEST_CR, GUEST_CR0, c->cr0,
		     "PG (bit 31) set for an IA-32e mode guest");
		rule(c, c->cr4 & CR4_PAE, S_GUEST_CR, GUEST_CR4, c->cr4,
		     "PAE (bit 5) set for an IA-32e mode guest");
	} else {
		rule(c, !(c->cr4 & CR4_PCIDE), S_GUEST_CR, GUEST_CR4, c->cr4,
		     "PCIDE (bit 17) clear unless the guest is in IA-32e mode");
	}
	rule(c, phys_ok(c, cr3), S_GUEST_CR, GUEST_CR3, cr3,
	     "no bit set beyond the physical-address width (%u bits)", c->phys_bits);
	check_canonical_fields(c, S_GUEST_CR);
	if ((entry & VM_ENTRY_LOAD_IA32_PAT) && may1(c, ENTRY, VM_ENTRY_LOAD_IA32_PAT))
		pat_rule(c, S_GUEST_CR, GUEST_IA32_PAT);
	if ((entry & VM_ENTRY_LOAD_IA32_EFER) && may1(c, ENTRY, VM_ENTRY_LOAD_IA32_EFER)) {
		u64 efer = rd(GUEST_IA32_EFER);
		efer_reserved_rule(c, S_GUEST_CR, GUEST_IA32_EFER, efer);
		rule(c, !(efer & EFER_LMA) == !c->ia32e_guest, S_GUEST_CR, GUEST_IA32_EFER, efer,
		     "LMA (bit 10) equal to \"IA-32e mode guest\" (%d)", c->ia32e_guest);
		rule(c, !(c->cr0 & CR0_PG) || !(efer & EFER_LMA) == !(efer & EFER_LME), S_GUEST_CR,
		     GUEST_IA32_EFER, efer, "LME (bit 8) equal to LMA (bit 10) when GUEST_CR0.PG is set");
	}
}

/* ---- 27.3.1.2 "Checks on Guest Segment Registers" ------------------------------------------ */

/*
 * What every checked segment shares, code, data and system alike: reserved
 * access-rights bits 11:8 and 31:17 clear, and G consistent with the limit.
 */
static void segment_common_rules(struct ctx *c, enum seg_id id)
{
	const struct seg *s = &c->seg[id];
	u32 f = seg_fields[id].ar;

	rule(c, !(s->ar & 0xF00), S_GUEST_SEG, f, s->ar, "reserved bits 11:8 clear");
	rule(c, (s->limit & 0xFFF) == 0xFFF || !(s->ar & VMX_AR_G), S_GUEST_SEG, f, s->ar,
	     "G (bit 15) clear: the limit %#x has a 0 in bits 11:0", s->limit);
	rule(c, !(s->limit >> 20) || (s->ar & VMX_AR_G), S_GUEST_SEG, f, s->ar,
	     "G (bit 15) set: the limit %#x has a 1 in bits 31:20", s->limit);
	rule(c, !(s->ar >> 17), S_GUEST_SEG, f, s->ar, "reserved bits 31:17 clear");
}

/* CS, SS, DS, ES, FS, GS outside virtual-8086 mode: type, S, DPL, P, D/B, then the common rules. */
static void code_data_segment_rules(struct ctx *c, enum seg_id id)
{
	const struct seg *s = &c->seg[id], *ss = &c->seg[SS];
	u32 f = seg_fields[id].ar, type = AR_TYPE(s->ar), dpl = AR_DPL(s->ar);

	if (id != CS && !USABLE(*s))
		return;
	if (id == CS) {
		rule(c, type == 9 || type == 11 || type == 13 || type == 15 || (c->unrestricted && type == 3),
		     S_GUEST_SEG, f, s->ar, "an accessed code segment type (9, 11, 13 or 15%s)",
		     c->unrestricted ? ", or 3 for an unrestricted guest" : "");
		rule(c, type != 3 || dpl == 0, S_GUEST_SEG, f, s->ar, "DPL 0 for a data-segment CS");
		rule(c, (type != 9 && type != 11) || dpl == AR_DPL(ss->ar), S_GUEST_SEG, f, s->ar,
		     "DPL equal to the DPL of SS (%u) for a non-conforming code segment", AR_DPL(ss->ar));
		rule(c, (type != 13 && type != 15) || dpl <= AR_DPL(ss->ar), S_GUEST_SEG, f, s->ar,
		     "DPL at most the DPL of SS (%u) for a conforming code segment", AR_DPL(ss->ar));
		rule(c, !(c->ia32e_guest && (s->ar & VMX_AR_L) && (s->ar & VMX_AR_DB)), S_GUEST_SEG, f,
		     s->ar, "D/B (bit 14) clear when L (bit 13) is set in an IA-32e mode guest");
	} else if (id == SS) {
		rule(c, type == 3 || type == 7, S_GUEST_SEG, f, s->ar,
		     "a read/write accessed data type (3 or 7) for a usable SS");
	} else {
		rule(c, type & 1, S_GUEST_SEG, f, s->ar, "the accessed bit (type bit 0) set");
		rule(c, !(type & 8) || (type & 2), S_GUEST_SEG, f, s->ar,
		     "a readable code segment (type bit 1) if it is code");
		rule(c, c->unrestricted || type > 11 || dpl >= RPL(s->sel), S_GUEST_SEG, f, s->ar,
		     "DPL at least the selector's RPL (%u)", RPL(s->sel));
	}
	rule(c, s->ar & VMX_AR_S, S_GUEST_SEG, f, s->ar, "S (bit 4) set: a code or data segment");
	rule(c, s->ar & VMX_AR_P, S_GUEST_SEG, f, s->ar, "P (bit 7) set: a present segment");
	segment_common_rules(c, id);
}

/* TR and a usable LDTR: a system segment of the right type, present, then the common rules. */
static void system_segment_rules(struct ctx *c, enum seg_id id)
{
	const struct seg *s = &c->seg[id];
	u32 f = seg_fields[id].ar, type = AR_TYPE(s->ar);

	if (id == TR) {
		rule(c, type == 11 || (!c->ia32e_guest && type == 3), S_GUEST_SEG, f, s->ar,
		     "a busy TSS type (%s)", c->ia32e_guest ? "11 in IA-32e mode" : "3 or 11");
		rule(c, USABLE(*s), S_GUEST_SEG, f, s->ar, "the unusable bit (16) clear: TR is always usable");
	} else {
		rule(c, type == 2, S_GUEST_SEG, f, s->ar, "type 2 (LDT) for a usable LDTR");
	}
	rule(c, !(s->ar & VMX_AR_S), S_GUEST_SEG, f, s->ar, "S (bit 4) clear: a system segment");
	rule(c, s->ar & VMX_AR_P, S_GUEST_SEG, f, s->ar, "P (bit 7) set: a present segment");
	segment_common_rules(c, id);
}

static void check_guest_segments(struct ctx *c)
{
	const struct seg *s = c->seg;

	/* Selectors. */
	rule(c, !(s[TR].sel & SEL_TI), S_GUEST_SEG, GUEST_TR_SELECTOR, s[TR].sel,
	     "TI (bit 2) clear: the TSS descriptor is in the GDT");
	rule(c, !USABLE(s[LDTR]) || !(s[LDTR].sel & SEL_TI), S_GUEST_SEG, GUEST_LDTR_SELECTOR,
	     s[LDTR].sel, "TI (bit 2) clear for a usable LDTR");
	rule(c, c->v8086 || c->unrestricted || RPL(s[SS].sel) == RPL(s[CS].sel), S_GUEST_SEG,
	     GUEST_SS_SELECTOR, s[SS].sel, "an RPL equal to the RPL of GUEST_CS_SELECTOR (%u)",
	     RPL(s[CS].sel));
	/* Bases. */
	check_canonical_fields(c, S_GUEST_SEG);
	if (USABLE(s[LDTR]))
		canonical_rule(c, S_GUEST_SEG, GUEST_LDTR_BASE, s[LDTR].base);
	for (enum seg_id id = ES; id <= DS; id++)
		if (id == CS || USABLE(s[id]))
			rule(c, !(s[id].base >> 32), S_GUEST_SEG, seg_fields[id].base, s[id].base,
			     "bits 63:32 clear%s", id == CS ? "" : " for a usable segment");
	/* Limits and access rights. */
	for (enum seg_id id = ES; id <= GS; id++) {
		if (!c->v8086) {
			code_data_segment_rules(c, id);
			continue;
		}
		rule(c, s[id].base == (u64)s[id].sel << 4, S_GUEST_SEG, seg_fields[id].base, s[id].base,
		     "the selector times 16 (%#x) in virtual-8086 mode", s[id].sel << 4);
		rule(c, s[id].limit == 0xFFFF, S_GUEST_SEG, seg_fields[id].limit, s[id].limit,
		     "0xffff in virtual-8086 mode");
		rule(c, s[id].ar == 0xF3, S_GUEST_SEG, seg_fields[id].ar, s[id].ar,
		     "0xf3 (present DPL-3 read/write accessed data) in virtual-8086 mode");
	}
	/* The SS DPL rules that apply whether or not SS is usable. */
	if (!c->v8086) {
		rule(c, c->unrestricted || AR_DPL(s[SS].ar) == RPL(s[SS].sel), S_GUEST_SEG, GUEST_SS_AR_BYTES,
		     s[SS].ar, "a DPL equal to the RPL of GUEST_SS_SELECTOR (%u)", RPL(s[SS].sel));
		rule(c, (AR_TYPE(s[CS].ar) != 3 && (c->cr0 & CR0_PE)) || AR_DPL(s[SS].ar) == 0, S_GUEST_SEG,
		     GUEST_SS_AR_BYTES, s[SS].ar, "DPL 0 when CS is a data segment or CR0.PE is 0");
	}
	system_segment_rules(c, TR);
	if (USABLE(s[LDTR]))
		system_segment_rules(c, LDTR);
}

/* ---- 27.3.1.3 "Checks on Guest Descriptor-Table Registers" -------------------------------- */

static void check_guest_dtrs(struct ctx *c)
{
	static const u32 limits[] = { GUEST_GDTR_LIMIT, GUEST_IDTR_LIMIT };

	check_canonical_fields(c, S_GUEST_DTR);
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		u64 v = rd(limits[i]);
		rule(c, !(v >> 16), S_GUEST_DTR, limits[i], v, "bits 31:16 clear (a 16-bit limit)");
	}
}

/* ---- 27.3.1.4 "Checks on Guest RIP, RFLAGS, and SSP" ----------------------------------------- */

static void check_guest_rip_rflags(struct ctx *c)
{
	u64 rip = rd(GUEST_RIP), f = c->rflags;
	bool long64 = c->ia32e_guest && (c->seg[CS].ar & VMX_AR_L);

	rule(c, long64 || !(rip >> 32), S_GUEST_RIP, GUEST_RIP, rip,
	     "bits 63:32 clear unless the guest starts in 64-bit mode (IA-32e mode guest and CS.L)");
	rule(c, !long64 || c->lin_bits >= 64 || !BITS(rip, 63, c->lin_bits) || !BITS(~rip, 63, c->lin_bits),
	     S_GUEST_RIP, GUEST_RIP, rip, "bits 63:%u all equal in 64-bit mode", c->lin_bits);
	rule(c, !(f & RFLAGS_RESERVED), S_GUEST_RIP, GUEST_RFLAGS, f,
	     "reserved bits 63:22, 15, 5 and 3 clear");
	rule(c, f & BIT(1), S_GUEST_RIP, GUEST_RFLAGS, f, "reserved bit 1 set");
	rule(c, !(f & RFLAGS_VM) || (!c->ia32e_guest && (c->cr0 & CR0_PE)), S_GUEST_RIP, GUEST_RFLAGS, f,
	     "VM (bit 17) clear in an IA-32e mode guest or with CR0.PE clear");
	rule(c, !((c->intr_info & INTR_INFO_VALID_MASK) &&
		  (c->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR) ||
		(f & RFLAGS_IF), S_GUEST_RIP, GUEST_RFLAGS, f,
	     "IF (bit 9) set when injecting an external interrupt");
}

/* ---- 27.3.1.5 "Checks on Guest Non-Register State" ------------------------------------------ */

/* May the event in the VM-entry interruption information be injected in this activity state? */
static bool injection_fits_activity(u32 info, u32 activity)
{
	u64 type = info & INTR_INFO_INTR_TYPE_MASK, vec = info & INTR_INFO_VECTOR_MASK;
	switch (activity) {
	case ACT_HLT:
		return type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI_INTR ||
		       (type == INTR_TYPE_HARD_EXCEPTION && (vec == 1 || vec == 18)) ||
		       (type == INTR_TYPE_OTHER_EVENT && vec == 0);
	case ACT_SHUTDOWN:
		return type == INTR_TYPE_NMI_INTR || (type == INTR_TYPE_HARD_EXCEPTION && vec == 18);
	case ACT_WAIT_SIPI:
		return false;
	default:
		return true;
	}
}

static void check_link_pointer(struct ctx *c)
{
	u64 lp = rd(VMCS_LINK_POINTER), current = ~0ULL;
	u32 want = (u32)c->basic & VMX_BASIC_REVISION_ID_MASK, rev = 0;
	bool shadow = c->ctl[PROC2] & SECONDARY_EXEC_SHADOW_VMCS;

	if (lp == ~0ULL)
		return;
	if (!rule(c, IS_ALIGNED(lp, PAGE_SIZE) && phys_ok(c, lp), S_GUEST_NONREG, VMCS_LINK_POINTER, lp,
		  "all ones (no shadow VMCS), or a 4-KiB-aligned physical address within %u bits",
		  c->phys_bits))
		return;
	if (read_phys32(lp, &rev))
		rule(c, rev == (want | (shadow ? 0x80000000u : 0)), S_GUEST_NONREG, VMCS_LINK_POINTER, lp,
		     "all ones (no shadow VMCS), or a region that starts with the revision id %#x%s "
		     "(it holds %#x)", want, shadow ? " and bit 31 set" : "", rev);
	vmx_vmptrst(&current);
	rule(c, lp != current, S_GUEST_NONREG, VMCS_LINK_POINTER, lp,
	     "all ones (no shadow VMCS), or another region than the current VMCS");
}

static void check_guest_non_register(struct ctx *c)
{
	u32 act = c->activity, intr = c->interruptibility, info = c->intr_info;
	bool inject = info & INTR_INFO_VALID_MASK;
	u64 pde = rd(GUEST_PENDING_DBG_EXCEPTIONS);

	/* Activity state. */
	rule(c, act == ACT_ACTIVE || (act <= ACT_WAIT_SIPI && (c->misc & BIT(5 + act))), S_GUEST_NONREG,
	     GUEST_ACTIVITY_STATE, act, "a supported activity state (0 active, or 1-3 as IA32_VMX_MISC "
	     "bits 8:6 allow: %#lx)", (u64)BITS(c->misc, 8, 6));
	rule(c, act != ACT_HLT || AR_DPL(c->seg[SS].ar) == 0, S_GUEST_NONREG, GUEST_ACTIVITY_STATE, act,
	     "SS.DPL 0 for the HLT state");
	rule(c, act == ACT_ACTIVE || !(intr & (BLOCK_STI | BLOCK_MOV_SS)), S_GUEST_NONREG,
	     GUEST_ACTIVITY_STATE, act, "the active state while blocking by STI or MOV SS is in effect");
	rule(c, !inject || injection_fits_activity(info, act), S_GUEST_NONREG, GUEST_ACTIVITY_STATE, act,
	     "a state that accepts the injected event (type %lu, vector %lu)",
	     (u64)((info & INTR_INFO_INTR_TYPE_MASK) >> 8), (u64)(info & INTR_INFO_VECTOR_MASK));
	rule(c, act != ACT_WAIT_SIPI || !(c->ctl[ENTRY] & VM_ENTRY_SMM), S_GUEST_NONREG,
	     GUEST_ACTIVITY_STATE, act, "no wait-for-SIPI state with \"entry to SMM\"");
	/* Interruptibility state. */
	rule(c, !(intr >> 5), S_GUEST_NONREG, GUEST_INTERRUPTIBILITY_INFO, intr, "reserved bits 31:5 clear");
	rule(c, !(intr & BLOCK_ENCLAVE) || (c->sgx && !(intr & BLOCK_MOV_SS)), S_GUEST_NONREG,
	     GUEST_INTERRUPTIBILITY_INFO, intr,
	     "bit 4 (enclave interruption) clear: the processor has no SGX, or MOV-SS blocking is set");
	rule(c, (intr & (BLOCK_STI | BLOCK_MOV_SS)) != (BLOCK_STI | BLOCK_MOV_SS), S_GUEST_NONREG,
	     GUEST_INTERRUPTIBILITY_INFO, intr, "not both blocking by STI (bit 0) and by MOV SS (bit 1)");
	rule(c, !(intr & BLOCK_STI) || (c->rflags & RFLAGS_IF), S_GUEST_NONREG, GUEST_INTERRUPTIBILITY_INFO,
	     intr, "blocking by STI (bit 0) clear while GUEST_RFLAGS.IF is 0");
	rule(c, !(inject && (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR) ||
		!(intr & (BLOCK_STI | BLOCK_MOV_SS)),
	     S_GUEST_NONREG, GUEST_INTERRUPTIBILITY_INFO, intr,
	     "no blocking by STI or MOV SS when injecting an external interrupt");
	rule(c, !(inject && (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) ||
		!(intr & BLOCK_MOV_SS), S_GUEST_NONREG,
	     GUEST_INTERRUPTIBILITY_INFO, intr, "no blocking by MOV SS when injecting an NMI");
	rule(c, !(inject && (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR &&
		  (c->ctl[PIN] & PIN_BASED_VIRTUAL_NMIS)) ||
		!(intr & BLOCK_NMI), S_GUEST_NONREG, GUEST_INTERRUPTIBILITY_INFO, intr,
	     "no blocking by NMI when injecting an NMI with \"virtual NMIs\"");
	rule(c, !(intr & BLOCK_SMI), S_GUEST_NONREG, GUEST_INTERRUPTIBILITY_INFO, intr,
	     "blocking by SMI (bit 2) clear outside SMM");
	/* Pending debug exceptions. */
	rule(c, !(pde & PDE_RESERVED), S_GUEST_NONREG, GUEST_PENDING_DBG_EXCEPTIONS, pde,
	     "reserved bits 11:4, 13, 15 and 63:17 clear");
	if ((intr & (BLOCK_STI | BLOCK_MOV_SS)) || act == ACT_HLT) {
		bool tf = c->rflags & RFLAGS_TF, btf = c->debugctl & DEBUGCTL_BTF;
		rule(c, !(tf && !btf) || (pde & PDE_BS), S_GUEST_NONREG, GUEST_PENDING_DBG_EXCEPTIONS, pde,
		     "BS (bit 14) set: RFLAGS.TF is 1 and IA32_DEBUGCTL.BTF 0 with events blocked or HLT");
		rule(c, (tf && !btf) || !(pde & PDE_BS), S_GUEST_NONREG, GUEST_PENDING_DBG_EXCEPTIONS, pde,
		     "BS (bit 14) clear: RFLAGS.TF is 0 or IA32_DEBUGCTL.BTF 1 with events blocked or HLT");
	}
	rule(c, !(pde & PDE_RTM) || (c->rtm && (pde & BIT(12)) && !(pde & (BITS(~0ULL, 11, 0) | PDE_BS)) &&
				     !(intr & BLOCK_MOV_SS)), S_GUEST_NONREG, GUEST_PENDING_DBG_EXCEPTIONS, pde,
	     "RTM (bit 16) only on a processor with RTM, with bit 12 set, bits 11:0 and 14 clear and "
	     "no blocking by MOV SS");
	/* The VMCS link pointer. */
	check_link_pointer(c);
}

/* ---- 27.3.1.6 "Checks on Guest Page-Directory-Pointer-Table Entries" ------------------------ */

/*
 * A guest with CR0.PG and CR4.PAE set whose "IA-32e mode guest" control is 0 uses PAE
 * paging, not 4-level paging: VM entry then checks its four PDPTEs as MOV to CR3
 * would, in the PDPT at GUEST_CR3 bits 31:5 ("enable EPT" 0) or in the GUEST_PDPTR0-3
 * fields ("enable EPT" 1). A present PDPTE with a reserved bit set fails the entry;
 * with an IA-32e (64-bit) CR3 the table is a PML4, whose entries set bits 2:1 (R/W, U/S).
 */
static void check_guest_pdptes(struct ctx *c)
{
	static const u32 pdptr_fields[] = { GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3 };
	bool ept = c->ctl[PROC2] & SECONDARY_EXEC_ENABLE_EPT;
	u64 cr3 = rd(GUEST_CR3), pdpt = PAE_CR3_PDPT(cr3);

	if (c->ia32e_guest || !(c->cr0 & CR0_PG) || !(c->cr4 & CR4_PAE))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(pdptr_fields); i++) {
		u32 lo = 0, hi = 0;
		u64 e;
		if (ept) {
			e = rd(pdptr_fields[i]);
		} else if (read_phys32(pdpt + 8 * i, &lo) && read_phys32(pdpt + 8 * i + 4, &hi)) {
			e = (u64)hi << 32 | lo;
		} else {
			continue;
		}
		if (!(e & PDPTE_P))
			continue;
		if (ept)
			rule(c, !(e & PDPTE_RESERVED) && phys_ok(c, e), S_GUEST_PDPTE, pdptr_fields[i], e,
			     "reserved bits 2:1, 8:5 and 63:%u clear in a present PDPTE: \"IA-32e mode "
			     "guest\" is 0, so CR0.PG and CR4.PAE make this a PAE-paging guest", c->phys_bits);
		else
			rule(c, !(e & PDPTE_RESERVED) && phys_ok(c, e), S_GUEST_PDPTE, GUEST_CR3, cr3,
			     "a table of four PAE PDPTEs at bits 31:5, each present one with reserved bits "
			     "2:1, 8:5 and 63:%u clear (entry %u is %#lx): \"IA-32e mode guest\" is 0, so "
			     "CR0.PG and CR4.PAE make this a PAE-paging guest, not a 64-bit one",
			     c->phys_bits, i, e);
	}
}

/* ---- The walk ----------------------------------------------------------------------------- */

/* A control capability MSR, split (the checker reads its own rather than trust lab 1's code). */
static struct vmx_ctl_cap ctl_cap(u32 msr)
{
	u64 v = rdmsr(msr);
	return (struct vmx_ctl_cap){ VMX_CTL_ALLOWED0(v), VMX_CTL_ALLOWED1(v) };
}

/* Reads the processor's VMX capabilities and CPUID facts into c. */
static void read_processor(struct ctx *c)
{
	u32 max_ext = cpuid(0x80000000, 0).eax, max_std = cpuid(0, 0).eax;

	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	for (enum ctl k = 0; k < NCTL; k++) {
		c->cap_msr[k] = vmx_ctl_msr(ctls[k].ctl, c->basic);
		if (k != PROC2)
			c->cap[k] = ctl_cap(c->cap_msr[k]);
	}
	/* IA32_VMX_PROCBASED_CTLS2 exists only if the secondary controls can be activated. */
	c->has_proc2 = c->cap[PROC].allowed1 & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	if (c->has_proc2)
		c->cap[PROC2] = ctl_cap(c->cap_msr[PROC2]);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->ept_vpid = c->has_proc2 && (c->cap[PROC2].allowed1 & (SECONDARY_EXEC_ENABLE_EPT |
								  SECONDARY_EXEC_ENABLE_VPID))
			      ? rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	c->efer = rdmsr(MSR_IA32_EFER);
	struct addr_widths w = addr_widths();
	c->phys_bits = w.phys;
	c->lin_bits = w.lin;
	c->nx = max_ext >= 0x80000001 && (cpuid(0x80000001, 0).edx & BIT(20));
	if (max_std >= 7) {
		u32 ebx = cpuid(7, 0).ebx;
		c->sgx = ebx & BIT(2);
		c->rtm = ebx & BIT(11);
	}
}

/* Reads the controls and the guest state that several sections share. */
static void read_vmcs(struct ctx *c)
{
	for (enum ctl k = 0; k < NCTL; k++)
		if (k != PROC2)
			c->ctl[k] = (u32)rd(ctls[k].field);
	c->ctl[PROC2] = (u32)rd_if(c->has_proc2 && (c->ctl[PROC] & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS),
				   SECONDARY_VM_EXEC_CONTROL);
	c->ia32e_guest = c->ctl[ENTRY] & VM_ENTRY_IA32E_MODE;
	c->host64 = c->ctl[EXIT] & VM_EXIT_HOST_ADDR_SPACE_SIZE;
	c->unrestricted = c->ctl[PROC2] & SECONDARY_EXEC_UNRESTRICTED_GUEST;
	c->cr0 = rd(GUEST_CR0);
	c->cr4 = rd(GUEST_CR4);
	c->rflags = rd(GUEST_RFLAGS);
	c->debugctl = rd(GUEST_IA32_DEBUGCTL);
	c->v8086 = c->rflags & RFLAGS_VM;
	c->intr_info = (u32)rd(VM_ENTRY_INTR_INFO_FIELD);
	c->interruptibility = (u32)rd(GUEST_INTERRUPTIBILITY_INFO);
	c->activity = (u32)rd(GUEST_ACTIVITY_STATE);
	for (enum seg_id id = ES; id < NSEG; id++) {
		c->seg[id].sel = (u16)rd(seg_fields[id].sel);
		c->seg[id].base = rd(seg_fields[id].base);
		c->seg[id].limit = (u32)rd(seg_fields[id].limit);
		c->seg[id].ar = (u32)rd(seg_fields[id].ar);
	}
}

struct vmcs_check_result vmcs_check(bool print)
{
	static void (*const steps[])(struct ctx *c) = {
		check_exec_controls,            /* 27.2.1.1 */
		check_exit_controls,            /* 27.2.1.2 */
		check_entry_controls,           /* 27.2.1.3 */
		check_host_cr_msrs,             /* 27.2.2 */
		check_host_segments,            /* 27.2.3 */
		check_address_space_size,       /* 27.2.4 */
		check_guest_cr_msrs,            /* 27.3.1.1 */
		check_guest_segments,           /* 27.3.1.2 */
		check_guest_dtrs,               /* 27.3.1.3 */
		check_guest_rip_rflags,         /* 27.3.1.4 */
		check_guest_non_register,       /* 27.3.1.5 */
		check_guest_pdptes,             /* 27.3.1.6 */
	};
	struct ctx c = { .print = print, .res = { 0, VMCS_CHECK_OK } };

	read_processor(&c);
	read_vmcs(&c);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		steps[i](&c);
	return c.res;
}

const char *vmcs_check_kind_name(enum vmcs_check_kind k)
{
	static const char *const names[] = {
		[VMCS_CHECK_OK] = "ok",
		[VMCS_CHECK_CONTROL] = "control",
		[VMCS_CHECK_HOST] = "host",
		[VMCS_CHECK_GUEST] = "guest",
	};
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}
