/*
 * Lab 2 harness: IA32_FEATURE_CONTROL in the three states firmware can leave it
 * in, and CR0/CR4 against the fixed-bit MSRs, all compared with the harness's
 * own reads. Scenarios (each its own boot, since the lock holds until reset):
 *   locked_on     the BIOS locked the MSR with VMX enabled (Bochs' BIOS-bochs-latest: 0x5)
 *   unlocked      the BIOS left it unlocked (BIOS-bochs-legacy: 0x0); the harness sets
 *                 the SENTER bits, still unlocked, as firmware with TXT may
 *   locked_off    the harness locks it with VMX enabled only inside SMX (0x3)
 *   locked_other  the harness locks it with VMX enabled and other bits set (0xff07)
 * The last three make up firmware states on the unlocked MSR of BIOS-bochs-legacy
 * before the student's code runs. locked_on also judges vmx_enable() on made-up
 * fixed-bit values in caps, so that constants in place of caps show.
 */
#include "enable.h"
#include "errno.h"
#include "harness.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmx.h"
#include "vmxroot.h"
#include "x86.h"

/*
 * IA32_FEATURE_CONTROL bits 14:8 "SENTER local function enables" and bit 15 "SENTER
 * global enable" (SDM Vol. 4, Table 2-2 "IA-32 Architectural MSRs", MSR 3AH): firmware
 * that supports Intel TXT sets them; they do not concern VMXON outside SMX.
 */
#define FEAT_CTL_SENTER_BITS 0xFF00ULL

/* CR4.TSD (bit 2) and CR4.PCE (bit 8): SDM Vol. 3A, 2.5 "Control Registers". */
#define CR4_TSD BIT(2)
#define CR4_PCE BIT(8)

struct call {
	const struct vmx_caps *caps;
	int ret;
};

static void call_featctl(void *p)
{
	struct call *c = p;
	c->ret = vmx_feature_control_enable();
}

static void call_enable(void *p)
{
	struct call *c = p;
	c->ret = vmx_enable(c->caps);
}

struct fix_call {
	u64 value, fixed0, fixed1, ret;
};

static void call_fix_cr(void *p)
{
	struct fix_call *c = p;
	c->ret = vmx_fix_cr(c->value, c->fixed0, c->fixed1);
}

/* The harness's own fixed-bit rule (SDM Vol. 3D, A.7 and A.8). */
static u64 expect_fixed(u64 value, u32 msr_fixed0, u32 msr_fixed1)
{
	return (value | rdmsr(msr_fixed0)) & rdmsr(msr_fixed1);
}

static void check_fix_cr(void)
{
	/* value, fixed0, fixed1, want: must-be-1 bits set, must-be-0 bits cleared, the rest kept */
	static const u64 cases[][4] = {
		{ 0x0000000000000011ULL, 0x80000021ULL, 0xFFFFFFFFULL, 0x80000031ULL },
		{ 0x0000000000050080ULL, 0x00002000ULL, 0x000627FFULL, 0x0000000000042080ULL },
		{ 0xFFFFFFFFFFFFFFFFULL, 0x00000000ULL, 0x000627FFULL, 0x000627FFULL },
		{ 0x0000000000000000ULL, 0x00000000ULL, 0xFFFFFFFFFFFFFFFFULL, 0 },
		{ 0x0000000000080000ULL, 0x00002000ULL, 0x000627FFULL, 0x00002000ULL },
	};
	char why[160] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		struct fix_call c = { cases[i][0], cases[i][1], cases[i][2], 0 };
		if (!harness_call("vmx_fix_cr()", call_fix_cr, &c, why, sizeof(why))) {
			ok = false;
		} else if (c.ret != cases[i][3]) {
			ksnprintf(why, sizeof(why), "vmx_fix_cr(%#lx, fixed0 %#lx, fixed1 %#lx) = %#lx, "
				  "want %#lx", c.value, c.fixed0, c.fixed1, c.ret, cases[i][3]);
			ok = false;
		}
	}
	check("fix_cr", ok, "%s", why);
}

/* Calls vmx_enable(caps); true if it returned want without faulting, else why says what happened. */
static bool enable_returns(const struct vmx_caps *caps, int want, char *why, size_t size)
{
	struct call c = { .caps = caps };

	if (!harness_call("vmx_enable()", call_enable, &c, why, size))
		return false;
	if (c.ret != want)
		return why_not(why, size, "vmx_enable() returned %d (%s), want %d (%s)", c.ret,
			       hv_strerror(c.ret), want, hv_strerror(want));
	return true;
}

/* Aborts the run unless IA32_FEATURE_CONTROL is unlocked; purpose says why the scenario needs that. */
static bool require_unlocked(const char *purpose)
{
	u64 fc = rdmsr(MSR_IA32_FEAT_CTL);

	if (!(fc & FEAT_CTL_LOCKED))
		return true;
	harness_abort("IA32_FEATURE_CONTROL is %#lx (locked), but this scenario needs it unlocked %s",
		      fc, purpose);
	return false;
}

/* Runs vmx_enable() and checks the return value, CR0 and CR4 against the fixed-bit MSRs. */
static void check_enable_locked_on(const struct vmx_caps *caps)
{
	char why[192] = "";
	u64 cr0 = read_cr0();

	/* Start from a CR0 that VMX does not accept, if the CPU lets us: CR0.NE is fixed to 1. */
	if (rdmsr(MSR_IA32_VMX_CR0_FIXED0) & CR0_NE) {
		cr0 &= ~CR0_NE;
		write_cr0(cr0);
	}
	u64 cr4 = read_cr4();
	u64 want_cr0 = expect_fixed(cr0, MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1);
	u64 want_cr4 = expect_fixed(cr4 | CR4_VMXE, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1);
	kprintf("before vmx_enable(): CR0 %#lx (NE cleared on purpose), CR4 %#lx\n", cr0, cr4);

	bool ok = enable_returns(caps, 0, why, sizeof(why));
	u64 got0 = read_cr0(), got4 = read_cr4();
	if (ok && got0 != want_cr0)
		ksnprintf(why, sizeof(why), "CR0 is %#lx, want %#lx (fixed bits applied, the rest kept)",
			  got0, want_cr0);
	check("cr0", ok && got0 == want_cr0, "%s", why);
	if (ok && got4 != want_cr4)
		ksnprintf(why, sizeof(why), "CR4 is %#lx, want %#lx (VMXE and the fixed bits, the rest kept)",
			  got4, want_cr4);
	check("cr4", ok && got4 == want_cr4, "%s", why);
}

/*
 * vmx_enable() with made-up fixed bits in caps, stricter than this CPU's (so that the
 * result still allows VMX operation): CR0.MP, CR4.TSD and CR4.PCE fixed to 1, CR0.CD and
 * CR0.NW fixed to 0 (all harmless to the kernel in ring 0; SDM Vol. 3A, 2.5 "Control
 * Registers"). CR0 and CR4 must follow these caps, not constants or the MSRs.
 * CR0 and CR4 are restored afterwards.
 */
static void check_enable_from_caps(const struct vmx_caps *caps)
{
	char why[192] = "";
	struct vmx_caps fake = *caps;

	fake.cr0_fixed0 |= CR0_MP;
	fake.cr0_fixed1 &= ~(u64)(CR0_CD | CR0_NW);
	fake.cr4_fixed0 |= CR4_TSD | CR4_PCE;
	u64 cr0 = read_cr0(), cr4 = read_cr4();
	u64 want_cr0 = (cr0 | fake.cr0_fixed0) & fake.cr0_fixed1;
	u64 want_cr4 = (cr4 | CR4_VMXE | fake.cr4_fixed0) & fake.cr4_fixed1;
	kprintf("made-up caps: CR0 fixed0 %#lx fixed1 %#lx, CR4 fixed0 %#lx fixed1 %#lx\n",
		fake.cr0_fixed0, fake.cr0_fixed1, fake.cr4_fixed0, fake.cr4_fixed1);

	bool ok = enable_returns(&fake, 0, why, sizeof(why));
	u64 got0 = read_cr0(), got4 = read_cr4();
	if (ok && (got0 != want_cr0 || got4 != want_cr4))
		ok = why_not(why, sizeof(why), "with made-up fixed bits in caps, CR0/CR4 became %#lx/%#lx, "
			     "want %#lx/%#lx: take the fixed bits from caps, not from constants", got0,
			     got4, want_cr0, want_cr4);
	check("cr_caps", ok, "%s", why);
	write_cr4(cr4);
	write_cr0(cr0);
}

/* Calls vmx_feature_control_enable(); want is its expected return value. Returns the check's verdict. */
static bool featctl_returns(int want, u64 want_msr, char *why, size_t size)
{
	struct call c = { 0 };

	if (!harness_call("vmx_feature_control_enable()", call_featctl, &c, why, size))
		return false;
	u64 msr = rdmsr(MSR_IA32_FEAT_CTL);
	if (c.ret != want)
		return why_not(why, size, "it returned %d (%s), want %d (%s)", c.ret,
			       hv_strerror(c.ret), want, hv_strerror(want));
	if (msr != want_msr)
		return why_not(why, size, "IA32_FEATURE_CONTROL is %#lx afterwards, want %#lx", msr,
			       want_msr);
	return true;
}

void lab2_locked_on(struct prereq *p)
{
	const struct vmx_caps *caps = &p->caps;
	char why[192] = "";
	u64 fc = rdmsr(MSR_IA32_FEAT_CTL);

	if ((fc & (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) !=
	    (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		harness_abort("IA32_FEATURE_CONTROL is %#lx, but this scenario needs firmware that "
			      "locked it with VMX enabled (Bochs' BIOS-bochs-latest)", fc);
		return;
	}
	check_fix_cr();
	check("featctl", featctl_returns(0, fc, why, sizeof(why)), "%s", why);
	check_enable_locked_on(caps);
	check_enable_from_caps(caps);
}

void lab2_unlocked(struct prereq *p)
{
	const struct vmx_caps *caps = &p->caps;
	char why[192] = "";

	if (!require_unlocked("by the firmware (Bochs' BIOS-bochs-legacy)"))
		return;
	wrmsr(MSR_IA32_FEAT_CTL, rdmsr(MSR_IA32_FEAT_CTL) | FEAT_CTL_SENTER_BITS);
	u64 fc = rdmsr(MSR_IA32_FEAT_CTL);
	kprintf("the harness set other bits of IA32_FEATURE_CONTROL, still unlocked: %#lx\n", fc);
	check("featctl", featctl_returns(0, fc | FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX,
					 why, sizeof(why)),
	      "%s", why);

	bool ok = enable_returns(caps, 0, why, sizeof(why));
	/* The proof: VMXON now succeeds (the harness's own VMXON and region). */
	void *region = ok ? vmxroot_region((u32)rdmsr(MSR_IA32_VMX_BASIC)) : NULL;
	if (ok && region) {
		enum vmx_status s;
		struct fault f;
		char desc[96];
		if (!vmxroot_vmxon((u64)region, &s, &f)) {
			trap_describe(&f, desc, sizeof(desc));
			ok = why_not(why, sizeof(why), "VMXON afterwards raised %s: CR0, CR4 or "
				     "IA32_FEATURE_CONTROL still forbid VMX operation", desc);
		} else if (s != VMX_SUCCEED || !vmxroot_active()) {
			ok = why_not(why, sizeof(why), "VMXON afterwards ended in %s", vmx_status_name(s));
		}
		vmxroot_leave();
	}
	if (region)
		page_free(region);
	check("vmxon_allowed", ok, "%s", why);
}

/*
 * The harness locks IA32_FEATURE_CONTROL with value (described as state), then
 * vmx_feature_control_enable() and vmx_enable() must both return want; when they
 * refuse, CR0 and CR4 must be left as they were.
 */
static void locked_by_harness(const struct vmx_caps *caps, const char *purpose, u64 value,
			      const char *state, int want)
{
	char why[192] = "";

	if (!require_unlocked(purpose))
		return;
	wrmsr(MSR_IA32_FEAT_CTL, value);
	u64 fc = rdmsr(MSR_IA32_FEAT_CTL);
	kprintf("the harness locked IA32_FEATURE_CONTROL with %s: %#lx\n", state, fc);

	check("featctl", featctl_returns(want, fc, why, sizeof(why)), "%s", why);

	u64 cr0 = read_cr0(), cr4 = read_cr4();
	bool ok = enable_returns(caps, want, why, sizeof(why));
	if (ok && want && (read_cr0() != cr0 || read_cr4() != cr4))
		ok = why_not(why, sizeof(why), "CR0/CR4 changed from %#lx/%#lx to %#lx/%#lx", cr0, cr4,
			     read_cr0(), read_cr4());
	check("enable", ok, "%s", why);
}

/* VMX enabled inside SMX only: VMXON outside SMX stays forbidden (SDM Vol. 3C, 24.7). */
void lab2_locked_off(struct prereq *p)
{
	locked_by_harness(&p->caps, "so that the harness can lock it with VMX off",
			  FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_INSIDE_SMX,
			  "VMX disabled outside SMX", -HV_EDISABLED);
}

/*
 * Firmware that locked the MSR with VMX enabled and more bits set (VMX inside SMX and
 * the SENTER bits, as with Intel TXT): bit 2 and the lock bit are what VMXON outside
 * SMX needs (SDM Vol. 3C, 24.7), whatever else is set.
 */
void lab2_locked_other(struct prereq *p)
{
	locked_by_harness(&p->caps, "so that the harness can lock it with more bits set",
			  FEAT_CTL_SENTER_BITS | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX |
			  FEAT_CTL_VMX_ENABLED_INSIDE_SMX | FEAT_CTL_LOCKED,
			  "VMX enabled and other bits set", 0);
}
