/*
 * Lab 1 harness: checks the student's detect.c against the harness's own reads
 * of CPUID and the capability MSRs, and against decodings of made-up MSR values.
 *
 * Scenarios: "vmx" (a processor with VMX), "noept" (an older one whose VMX has
 * no secondary-control features such as EPT) and "novmx" (one without VMX:
 * Bochs' ryzen model or QEMU TCG).
 */
#include "detect.h"
#include "errno.h"
#include "harness.h"
#include "printf.h"
#include "string.h"
#include "vmcs_check.h"
#include "vmx.h"
#include "x86.h"

#define POISON 0xA5

/* The first field that differs, as "name is got, want want" in why; false if none. */
struct field_cmp {
	const char *name;
	u64 got, want;
};

static bool first_difference(const struct field_cmp *f, size_t n, char *why, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].got != f[i].want) {
			ksnprintf(why, size, "%s is %#lx, want %#lx", f[i].name, f[i].got, f[i].want);
			return true;
		}
	}
	return false;
}

/* --- Calls into the student's code, each run under trap_call() --- */

struct call {
	u64 msr;
	struct vmx_basic basic;
	struct vmx_caps caps;
	int ret;
};

static void call_basic_decode(void *p)
{
	struct call *c = p;
	vmx_basic_decode(c->msr, &c->basic);
}

static void call_detect(void *p)
{
	struct call *c = p;
	c->ret = vmx_detect(&c->caps);
}

/* --- The harness's own decoding, written independently of the solution --- */

static struct vmx_basic expect_basic(u64 v)
{
	return (struct vmx_basic){
		.revision_id = (u32)BITS(v, 30, 0),
		.region_size = (u32)BITS(v, 44, 32),
		.mem_type = (u8)BITS(v, 53, 50),
		.phys_addr_32 = BITS(v, 48, 48),
		.inout_info = BITS(v, 54, 54),
		.true_ctls = BITS(v, 55, 55),
	};
}

static bool basic_differs(const struct vmx_basic *got, const struct vmx_basic *want, char *why,
			  size_t size)
{
	const struct field_cmp f[] = {
		{ "revision_id", got->revision_id, want->revision_id },
		{ "region_size", got->region_size, want->region_size },
		{ "mem_type", got->mem_type, want->mem_type },
		{ "phys_addr_32", got->phys_addr_32, want->phys_addr_32 },
		{ "inout_info", got->inout_info, want->inout_info },
		{ "true_ctls", got->true_ctls, want->true_ctls },
	};
	return first_difference(f, ARRAY_SIZE(f), why, size);
}

/* Compares one control capability with the MSR it must come from. */
static bool ctl_differs(const char *field, const struct vmx_ctl_cap *got, u32 msr, char *why,
			size_t size)
{
	u64 v = rdmsr(msr);
	if (got->allowed0 == (u32)v && got->allowed1 == (u32)(v >> 32))
		return false;
	ksnprintf(why, size, "%s is {allowed0 %#x, allowed1 %#x}, want {%#x, %#x} from MSR %#x",
		  field, got->allowed0, got->allowed1, (u32)v, (u32)(v >> 32), msr);
	return true;
}

/* --- Checks --- */

static void check_basic_decode(void)
{
	static const u64 samples[] = {
		0x0000000000000000ULL,
		0xFFFFFFFFFFFFFFFFULL,
		0x00D8100000000004ULL,  /* rev 4, 4096 bytes, WB, INS/OUTS info, TRUE controls */
		0x000100008000002BULL,  /* bit 31 set (never on real hardware), bit 48 */
		0xFF00E00000000000ULL,  /* bits 63:56 (56: A.1) and reserved 47:45, none a field */
	};
	char why[160] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(samples); i++) {
		struct call c = { .msr = samples[i] };
		struct vmx_basic want = expect_basic(samples[i]);
		char diff[96];
		memset(&c.basic, POISON, sizeof(c.basic));
		if (!harness_call("vmx_basic_decode()", call_basic_decode, &c, why, sizeof(why)))
			ok = false;
		else if (basic_differs(&c.basic, &want, diff, sizeof(diff))) {
			ksnprintf(why, sizeof(why), "vmx_basic_decode(%#lx): %s", samples[i], diff);
			ok = false;
		}
	}
	check("basic_decode", ok, "%s", why);
}

static const char skipped[] = "not checked: vmx_detect() did not succeed";

/* basic, controls, fixed: *caps against this processor's MSRs (detected: vmx_detect() succeeded). */
static void check_caps(const struct vmx_caps *caps, bool detected)
{
	char why[192] = "";
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);
	struct vmx_basic want_basic = expect_basic(basic);

	check("basic", detected && !basic_differs(&caps->basic, &want_basic, why, sizeof(why)),
	      "%s", detected ? why : skipped);

	bool bad = !detected ||
		   ctl_differs("pinbased", &caps->pinbased, vmx_ctl_msr(VMX_CTL_PINBASED, basic),
			       why, sizeof(why)) ||
		   ctl_differs("procbased", &caps->procbased, vmx_ctl_msr(VMX_CTL_PROCBASED, basic),
			       why, sizeof(why)) ||
		   ctl_differs("exit", &caps->exit, vmx_ctl_msr(VMX_CTL_EXIT, basic), why,
			       sizeof(why)) ||
		   ctl_differs("entry", &caps->entry, vmx_ctl_msr(VMX_CTL_ENTRY, basic), why,
			       sizeof(why));
	check("controls", !bad, "%s", detected ? why : skipped);

	const struct field_cmp fixed[] = {
		{ "misc", caps->misc, rdmsr(MSR_IA32_VMX_MISC) },
		{ "cr0_fixed0", caps->cr0_fixed0, rdmsr(MSR_IA32_VMX_CR0_FIXED0) },
		{ "cr0_fixed1", caps->cr0_fixed1, rdmsr(MSR_IA32_VMX_CR0_FIXED1) },
		{ "cr4_fixed0", caps->cr4_fixed0, rdmsr(MSR_IA32_VMX_CR4_FIXED0) },
		{ "cr4_fixed1", caps->cr4_fixed1, rdmsr(MSR_IA32_VMX_CR4_FIXED1) },
	};
	check("fixed", detected && !first_difference(fixed, ARRAY_SIZE(fixed), why, sizeof(why)),
	      "%s", detected ? why : skipped);
}

/*
 * secondary, ept_vpid: the MSRs that exist only on some processors are read exactly
 * when they exist, and their fields are zero otherwise.
 */
static void check_optional_caps(const struct vmx_caps *caps, bool detected)
{
	char why[192] = "";
	u32 primary = vmx_ctl_msr(VMX_CTL_PROCBASED, rdmsr(MSR_IA32_VMX_BASIC));
	bool want2 = VMX_CTL_ALLOWED1(rdmsr(primary)) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	bool bad = true;

	if (!detected)
		ksnprintf(why, sizeof(why), "%s", skipped);
	else if (caps->has_procbased2 != want2)
		ksnprintf(why, sizeof(why), "has_procbased2 is %d, want %d (primary allowed-1 bit 31)",
			  caps->has_procbased2, want2);
	else if (!want2 && (caps->procbased2.allowed0 || caps->procbased2.allowed1))
		ksnprintf(why, sizeof(why), "procbased2 is {%#x, %#x}, want zeros: this CPU has no "
			  "secondary controls", caps->procbased2.allowed0, caps->procbased2.allowed1);
	else
		bad = want2 && ctl_differs("procbased2", &caps->procbased2,
					   MSR_IA32_VMX_PROCBASED_CTLS2, why, sizeof(why));
	check("secondary", !bad, "%s", why);

	u32 sec = want2 ? VMX_CTL_ALLOWED1(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2)) : 0;
	u64 want_ept = sec & (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID)
			       ? rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
	const struct field_cmp ept[] = { { "ept_vpid", caps->ept_vpid, want_ept } };
	check("ept_vpid", detected && !first_difference(ept, 1, why, sizeof(why)),
	      "%s", detected ? why : skipped);
}

/* Calls vmx_detect() on poisoned *c and reports the "detect" check; returns its success. */
static bool check_detect(struct call *c)
{
	char why[160] = "";

	memset(&c->caps, POISON, sizeof(c->caps));
	bool ok = harness_call("vmx_detect()", call_detect, c, why, sizeof(why));
	if (ok && c->ret != 0)
		ksnprintf(why, sizeof(why), "it returned %d (%s), want 0%s", c->ret,
			  hv_strerror(c->ret), c->ret == -HV_ENOVMX ?
			  ": this CPU has VMX (look again at how you test CPUID)" : "");
	return check("detect", ok && c->ret == 0, "%s", why);
}

void lab1_vmx(struct prereq *p)
{
	(void)p;
	struct call c = { 0 };
	check_basic_decode();

	bool detected = check_detect(&c);
	check_caps(&c.caps, detected);
	check_optional_caps(&c.caps, detected);
	if (detected)
		vmx_caps_print(&c.caps);
}

/* An older processor (Bochs' core2_penryn_t9600): VMX without EPT, VPID or unrestricted guest. */
void lab1_noept(struct prereq *p)
{
	(void)p;
	struct call c = { 0 };
	bool detected = check_detect(&c);
	check_optional_caps(&c.caps, detected);
	if (detected)
		vmx_caps_print(&c.caps);
}

/*
 * Without VMX the capability MSRs do not exist and RDMSR of one raises #GP(0)
 * (SDM Vol. 3D, Appendix A); the check names that fault. Emulator deviation:
 * Bochs 2.7's models without VMX return the VMX values instead, and QEMU TCG
 * returns 0, so there only the return value gives a wrong solution away.
 */
void lab1_novmx(struct prereq *p)
{
	char why[192] = "";

	(void)p;
	struct call c = { 0 };
	memset(&c.caps, POISON, sizeof(c.caps));
	bool ok = harness_call("vmx_detect()", call_detect, &c, why, sizeof(why));
	if (!ok)
		ksnprintf(why + strlen(why), sizeof(why) - strlen(why),
			  ": VMX capability MSRs do not exist without VMX; test CPUID first");
	else if (c.ret != -HV_ENOVMX) {
		ksnprintf(why, sizeof(why), "vmx_detect() returned %d (%s), want -HV_ENOVMX",
			  c.ret, hv_strerror(c.ret));
		ok = false;
	}
	check("novmx", ok, "%s", why);
	if (ok)
		kprintf("VMX not supported by this processor.\n");
}
