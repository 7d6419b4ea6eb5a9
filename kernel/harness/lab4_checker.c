/*
 * Lab 4, the maintainers' scenario "checker": vmcs_check() (kernel/vmx/vmcs_check.c)
 * judged against the processor itself.
 *
 *   clean      the reference VMCS from vmcs_setup() breaks no rule;
 *   agreement  for every single-field breakage of that VMCS in cases[] below,
 *              the checker's verdict (controls, host state, guest state, or ok)
 *              is the SDM's, and a real VMLAUNCH ends the same way: VMfailValid
 *              with error 7 or 8, a VM exit with reason 0x80000021, or a
 *              successful entry (the guest's first CPUID exits).
 *
 * cases[] holds 13 legal values at the edge of a rule (both must say ok), 72
 * single-field breakages (14 controls, 13 host state, 45 guest state), and 3
 * breakages of checks that Bochs 2.7 does not implement. Those need one legal
 * change first for the rule to apply; the checker still follows the SDM there,
 * the case names the deviation and the outcome Bochs gives instead, and it
 * agrees only when the processor does exactly that.
 */
#include "guest.h"
#include "harness.h"
#include "page.h"
#include "printf.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "x86.h"

/* How a case derives its one broken value from the reference value of the field. */
enum how {
	SET,            /* arg */
	OR,             /* value | arg */
	CLEAR,          /* value & ~arg */
	CLEAR_MUST1,    /* a control with its lowest must-be-1 bit (allowed-0 settings) cleared */
	SET_MUST0,      /* a control with its lowest must-be-0 bit (allowed-1 settings) set */
	CURRENT_VMCS,   /* the physical address of the current VMCS itself */
};

/* One VMWRITE of a case: field := a value derived from its reference value. */
struct write {
	u32 field;                      /* 0: no write */
	enum how how;
	u64 arg;
};

struct breakage {
	const char *name;
	struct write pre;               /* a legal change that makes the broken rule apply, or none */
	struct write bad;               /* the one broken value */
	enum vmcs_check_kind sdm;       /* the SDM's verdict: what the checker must say */
	enum vmcs_check_kind bochs;     /* what Bochs 2.7 does (the same unless deviation) */
	const char *deviation;          /* NULL, or the SDM check that Bochs 2.7 leaves out */
};

#define NONE { 0, SET, 0 }
#define CASE(name, field, how, arg, kind) { name, NONE, { field, how, arg }, kind, kind, NULL }
#define DEVIATION(name, pfield, phow, parg, field, how, arg, kind, bochs, why) \
	{ name, { pfield, phow, parg }, { field, how, arg }, kind, bochs, why }

#define OK VMCS_CHECK_OK
#define CONTROL VMCS_CHECK_CONTROL
#define HOST VMCS_CHECK_HOST
#define GUEST VMCS_CHECK_GUEST

#define AR_DPL3 VMX_AR_DPL(3)
#define AR_CODE64 (VMX_AR_S | VMX_AR_P | VMX_AR_L | VMX_AR_G)  /* CS without its type */
#define AR_DATA (VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G)   /* SS..GS without the type */
#define NONCANONICAL 0x0000800000000000ULL      /* bit 47 set, bits 63:48 clear */
#define BEYOND_PHYS BIT(52)                     /* above any physical-address width */
#define INJECT(type, vector) (BIT(31) | (u64)(type) << 8 | (vector))

static const struct breakage cases[] = {
	/* The reference, and legal values at the edge of a rule: the checker must not over-report. */
	CASE("reference", 0, SET, 0, OK),
	CASE("cr3_target_count_4", CR3_TARGET_COUNT, SET, 4, OK),
	CASE("secondary_controls_all_0", CPU_BASED_VM_EXEC_CONTROL, OR, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, OK),
	CASE("entry_load_debug_controls", VM_ENTRY_CONTROLS, OR, VM_ENTRY_LOAD_DEBUG_CONTROLS, OK),
	CASE("guest_dr7_high_not_loaded", GUEST_DR7, OR, BIT(32), OK),
	CASE("guest_cr0_nw_not_checked", GUEST_CR0, OR, CR0_NW, OK),
	CASE("guest_cs_compatibility_mode", GUEST_CS_AR_BYTES, CLEAR, VMX_AR_L, OK),
	CASE("guest_cs_conforming_code", GUEST_CS_AR_BYTES, SET, VMX_AR_TYPE(15) | AR_CODE64, OK),
	CASE("guest_ds_readable_code", GUEST_DS_AR_BYTES, SET, VMX_AR_TYPE(11) | AR_DATA, OK),
	CASE("guest_ds_unusable", GUEST_DS_AR_BYTES, SET, VMX_AR_UNUSABLE, OK),
	CASE("guest_ldtr_usable_ldt", GUEST_LDTR_AR_BYTES, SET, VMX_AR_TYPE(2) | VMX_AR_P, OK),
	CASE("guest_unusable_ldtr_base_noncanonical", GUEST_LDTR_BASE, SET, NONCANONICAL, OK),
	CASE("guest_mov_ss_blocking", GUEST_INTERRUPTIBILITY_INFO, SET, BIT(1), OK),

	/* 27.2.1 VM-execution, VM-exit and VM-entry controls: VMfailValid, error 7. */
	CASE("pin_must1_cleared", PIN_BASED_VM_EXEC_CONTROL, CLEAR_MUST1, 0, CONTROL),
	CASE("proc_must0_set", CPU_BASED_VM_EXEC_CONTROL, SET_MUST0, 0, CONTROL),
	CASE("exit_must1_cleared", VM_EXIT_CONTROLS, CLEAR_MUST1, 0, CONTROL),
	CASE("entry_must1_cleared", VM_ENTRY_CONTROLS, CLEAR_MUST1, 0, CONTROL),
	CASE("cr3_target_count_5", CR3_TARGET_COUNT, SET, 5, CONTROL),
	CASE("virtual_nmis_without_nmi_exiting", PIN_BASED_VM_EXEC_CONTROL, OR, PIN_BASED_VIRTUAL_NMIS, CONTROL),
	CASE("nmi_window_without_virtual_nmis", CPU_BASED_VM_EXEC_CONTROL, OR, CPU_BASED_NMI_WINDOW_EXITING, CONTROL),
	CASE("save_preemption_timer_without_timer", VM_EXIT_CONTROLS, OR, VM_EXIT_SAVE_VMX_PREEMPTION_TIMER, CONTROL),
	CASE("entry_deactivate_dual_monitor", VM_ENTRY_CONTROLS, OR, VM_ENTRY_DEACT_DUAL_MONITOR, CONTROL),
	CASE("inject_reserved_type_1", VM_ENTRY_INTR_INFO_FIELD, SET, INJECT(1, 32), CONTROL),
	CASE("inject_nmi_vector_3", VM_ENTRY_INTR_INFO_FIELD, SET, INJECT(2, 3), CONTROL),
	CASE("inject_gp_without_error_code", VM_ENTRY_INTR_INFO_FIELD, SET, INJECT(3, 13), CONTROL),
	CASE("inject_external_interrupt_with_error_code", VM_ENTRY_INTR_INFO_FIELD, SET, INJECT(0, 32) | BIT(11), CONTROL),
	CASE("inject_reserved_bit_12", VM_ENTRY_INTR_INFO_FIELD, SET, INJECT(3, 6) | BIT(12), CONTROL),

	/* 27.2.2-27.2.4 host state and address-space size: VMfailValid, error 8. */
	CASE("host_cr0_without_ne", HOST_CR0, CLEAR, CR0_NE, HOST),
	CASE("host_cr4_without_vmxe", HOST_CR4, CLEAR, CR4_VMXE, HOST),
	CASE("host_cr4_without_pae", HOST_CR4, CLEAR, CR4_PAE, HOST),
	CASE("host_cr3_beyond_phys_width", HOST_CR3, OR, BEYOND_PHYS, HOST),
	CASE("host_sysenter_eip_noncanonical", HOST_IA32_SYSENTER_EIP, SET, NONCANONICAL, HOST),
	CASE("exit_load_efer_with_efer_0", VM_EXIT_CONTROLS, OR, VM_EXIT_LOAD_IA32_EFER, HOST),
	CASE("host_tr_selector_0", HOST_TR_SELECTOR, SET, 0, HOST),
	CASE("host_cs_selector_0", HOST_CS_SELECTOR, SET, 0, HOST),
	CASE("host_cs_selector_rpl_1", HOST_CS_SELECTOR, OR, 1, HOST),
	CASE("host_ds_selector_ti", HOST_DS_SELECTOR, OR, 4, HOST),
	CASE("host_fs_base_noncanonical", HOST_FS_BASE, SET, NONCANONICAL, HOST),
	CASE("host_gdtr_base_noncanonical", HOST_GDTR_BASE, SET, NONCANONICAL, HOST),
	CASE("exit_without_host_address_space_size", VM_EXIT_CONTROLS, CLEAR, VM_EXIT_HOST_ADDR_SPACE_SIZE, HOST),

	/* 27.3.1 guest state: a VM exit with reason 33 and bit 31 set. */
	CASE("guest_cr0_without_pg", GUEST_CR0, CLEAR, CR0_PG, GUEST),
	CASE("guest_cr4_without_pae", GUEST_CR4, CLEAR, CR4_PAE, GUEST),
	CASE("guest_cr4_without_vmxe", GUEST_CR4, CLEAR, CR4_VMXE, GUEST),
	CASE("guest_cr4_bit_31_not_in_fixed1", GUEST_CR4, OR, BIT(31), GUEST),
	CASE("guest_cr3_beyond_phys_width", GUEST_CR3, OR, BEYOND_PHYS, GUEST),
	CASE("guest_sysenter_esp_noncanonical", GUEST_SYSENTER_ESP, SET, NONCANONICAL, GUEST),
	CASE("entry_load_efer_with_efer_0", VM_ENTRY_CONTROLS, OR, VM_ENTRY_LOAD_IA32_EFER, GUEST),
	CASE("guest_tr_selector_ti", GUEST_TR_SELECTOR, OR, 4, GUEST),
	CASE("guest_ss_selector_rpl_3", GUEST_SS_SELECTOR, OR, 3, GUEST),
	CASE("guest_ds_selector_rpl_above_dpl", GUEST_DS_SELECTOR, OR, 3, GUEST),
	CASE("guest_cs_base_above_4g", GUEST_CS_BASE, SET, BIT(32), GUEST),
	CASE("guest_ss_base_above_4g", GUEST_SS_BASE, SET, BIT(32), GUEST),
	CASE("guest_fs_base_noncanonical", GUEST_FS_BASE, SET, NONCANONICAL, GUEST),
	CASE("guest_cs_l_and_db", GUEST_CS_AR_BYTES, OR, VMX_AR_DB, GUEST),
	CASE("guest_cs_data_type", GUEST_CS_AR_BYTES, SET, VMX_AR_TYPE(3) | AR_CODE64, GUEST),
	CASE("guest_cs_dpl_3", GUEST_CS_AR_BYTES, OR, AR_DPL3, GUEST),
	CASE("guest_ss_dpl_3", GUEST_SS_AR_BYTES, OR, AR_DPL3, GUEST),
	CASE("guest_unusable_ss_dpl_3", GUEST_SS_AR_BYTES, SET, VMX_AR_UNUSABLE | AR_DPL3, GUEST),
	CASE("guest_ss_code_type", GUEST_SS_AR_BYTES, SET, VMX_AR_TYPE(11) | AR_DATA, GUEST),
	CASE("guest_ds_not_accessed", GUEST_DS_AR_BYTES, CLEAR, VMX_AR_TYPE(1), GUEST),
	CASE("guest_es_system_segment", GUEST_ES_AR_BYTES, CLEAR, VMX_AR_S, GUEST),
	CASE("guest_gs_reserved_ar_bit_8", GUEST_GS_AR_BYTES, OR, BIT(8), GUEST),
	CASE("guest_es_limit_needs_g", GUEST_ES_AR_BYTES, CLEAR, VMX_AR_G, GUEST),
	CASE("guest_fs_g_with_limit_low_0", GUEST_FS_LIMIT, SET, 0xFFFFF000, GUEST),
	CASE("guest_tr_type_9_not_busy", GUEST_TR_AR_BYTES, SET, VMX_AR_TYPE(9) | VMX_AR_P, GUEST),
	CASE("guest_tr_16bit_busy_tss_in_ia32e", GUEST_TR_AR_BYTES, SET, VMX_AR_TYPE(3) | VMX_AR_P, GUEST),
	CASE("guest_tr_unusable", GUEST_TR_AR_BYTES, OR, VMX_AR_UNUSABLE, GUEST),
	CASE("guest_tr_g_with_small_limit", GUEST_TR_AR_BYTES, OR, VMX_AR_G, GUEST),
	CASE("guest_ldtr_usable_bad_type", GUEST_LDTR_AR_BYTES, SET, VMX_AR_TYPE(3) | VMX_AR_P, GUEST),
	CASE("guest_gdtr_limit_bits_31_16", GUEST_GDTR_LIMIT, OR, 0x10000, GUEST),
	CASE("guest_idtr_base_noncanonical", GUEST_IDTR_BASE, SET, NONCANONICAL, GUEST),
	CASE("guest_rflags_bit_1_clear", GUEST_RFLAGS, SET, 0, GUEST),
	CASE("guest_rflags_reserved_bit_15", GUEST_RFLAGS, OR, BIT(15), GUEST),
	CASE("guest_rflags_vm_in_ia32e", GUEST_RFLAGS, OR, BIT(17), GUEST),
	CASE("inject_external_interrupt_with_if_0", VM_ENTRY_INTR_INFO_FIELD, SET, INJECT(0, 32), GUEST),
	CASE("guest_activity_state_5", GUEST_ACTIVITY_STATE, SET, 5, GUEST),
	CASE("guest_interruptibility_reserved_bit_5", GUEST_INTERRUPTIBILITY_INFO, SET, BIT(5), GUEST),
	CASE("guest_interruptibility_enclave_without_sgx", GUEST_INTERRUPTIBILITY_INFO, SET, BIT(4), GUEST),
	CASE("guest_sti_blocking_with_if_0", GUEST_INTERRUPTIBILITY_INFO, SET, BIT(0), GUEST),
	CASE("guest_smi_blocking_outside_smm", GUEST_INTERRUPTIBILITY_INFO, SET, BIT(2), GUEST),
	CASE("guest_pending_dbg_reserved_bit_13", GUEST_PENDING_DBG_EXCEPTIONS, SET, BIT(13), GUEST),
	CASE("guest_vmcs_link_pointer_0", VMCS_LINK_POINTER, SET, 0, GUEST),
	CASE("guest_vmcs_link_pointer_unaligned", VMCS_LINK_POINTER, SET, 0x1008, GUEST),
	CASE("guest_vmcs_link_pointer_current", VMCS_LINK_POINTER, CURRENT_VMCS, 0, GUEST),
	/* Without "IA-32e mode guest", CR0.PG and CR4.PAE mean PAE paging: the kernel's PML4 read as PDPTEs. */
	CASE("entry_without_ia32e_mode_guest", VM_ENTRY_CONTROLS, CLEAR, VM_ENTRY_IA32E_MODE, GUEST),

	/*
	 * Checks Bochs 2.7 leaves out (bochs/cpu/vmx.cc, VMenterLoadCheckGuestState()). Each
	 * needs a legal change first (shown legal by a case above) for the rule to apply.
	 */
	DEVIATION("guest_debugctl_reserved_bit_2", VM_ENTRY_CONTROLS, OR, VM_ENTRY_LOAD_DEBUG_CONTROLS,
		  GUEST_IA32_DEBUGCTL, SET, BIT(2), GUEST, OK,
		  "the reserved bits of IA32_DEBUGCTL are not checked under \"load debug controls\""),
	DEVIATION("guest_tf_with_mov_ss_blocking_without_bs", GUEST_INTERRUPTIBILITY_INFO, SET, BIT(1),
		  GUEST_RFLAGS, OR, BIT(8) /* TF */, GUEST, OK,
		  "pending debug exceptions BS is not checked against RFLAGS.TF while events are blocked"),
	DEVIATION("guest_ds_readable_code_rpl_above_dpl", GUEST_DS_AR_BYTES, SET, VMX_AR_TYPE(11) | AR_DATA,
		  GUEST_DS_SELECTOR, OR, 3, GUEST, OK,
		  "the DS/ES/FS/GS rule DPL >= RPL covers types 0-10, not type 11 (readable code)"),
};

/*
 * The capability of a pin-based, primary processor-based, VM-exit or VM-entry control
 * field, from the MSR vmx_ctl_msr() names; any other field: nothing forced either way.
 */
static u64 control_cap(u32 field)
{
	enum vmx_ctl ctl;
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL: ctl = VMX_CTL_PINBASED; break;
	case CPU_BASED_VM_EXEC_CONTROL: ctl = VMX_CTL_PROCBASED; break;
	case VM_EXIT_CONTROLS: ctl = VMX_CTL_EXIT; break;
	case VM_ENTRY_CONTROLS: ctl = VMX_CTL_ENTRY; break;
	default: return 0xFFFFFFFF00000000ULL;
	}
	return rdmsr(vmx_ctl_msr(ctl, rdmsr(MSR_IA32_VMX_BASIC)));
}

/*
 * Applies w to the current VMCS (at vmcs): VMWRITE of the value derived from the
 * field's reference value. False if this processor has no such control bit.
 */
static bool apply(const struct write *w, void *vmcs)
{
	u64 good, cap = control_cap(w->field), v = 0;
	u32 must1 = VMX_CTL_ALLOWED0(cap), must0 = ~VMX_CTL_ALLOWED1(cap);

	if (w->field == 0)
		return true;
	good = vmcs_read(w->field);
	switch (w->how) {
	case SET:
		v = w->arg;
		break;
	case OR:
		v = good | w->arg;
		break;
	case CLEAR:
		v = good & ~w->arg;
		break;
	case CLEAR_MUST1:
		if (!must1)
			return false;
		v = good & ~(u64)(must1 & -must1);
		break;
	case SET_MUST0:
		if (!must0)
			return false;
		v = good | (must0 & -must0);
		break;
	case CURRENT_VMCS:
		v = (u64)vmcs;
		break;
	}
	return vmcs_write(w->field, v) == 0;
}

/* What the processor did with one VMLAUNCH: a verdict like the checker's, or other (with the detail). */
struct outcome {
	bool other;                     /* none of the four: a surprise */
	enum vmcs_check_kind kind;
	char detail[64];
};

static struct outcome launch(void)
{
	struct guest_regs regs = { 0 };
	enum vmx_status s = vmx_enter_guest(&regs, false);
	struct outcome o = { .other = true };

	if (s == VMX_FAIL_VALID) {
		u64 err = vmcs_read(VM_INSTRUCTION_ERROR);
		o.other = err != VMXERR_ENTRY_INVALID_CONTROL_FIELD && err != VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
		o.kind = err == VMXERR_ENTRY_INVALID_CONTROL_FIELD ? VMCS_CHECK_CONTROL : VMCS_CHECK_HOST;
		ksnprintf(o.detail, sizeof(o.detail), "VMfailValid, error %lu", err);
	} else if (s == VMX_FAIL_INVALID) {
		ksnprintf(o.detail, sizeof(o.detail), "VMfailInvalid");
	} else {
		u64 reason = vmcs_read(VM_EXIT_REASON);
		if (reason == (BIT(31) | EXIT_REASON_INVALID_STATE)) {
			o.other = false;
			o.kind = VMCS_CHECK_GUEST;
			ksnprintf(o.detail, sizeof(o.detail), "exit reason %#lx", reason);
		} else if (reason & BIT(31)) {
			ksnprintf(o.detail, sizeof(o.detail), "entry failure, exit reason %#lx", reason);
		} else {
			o.other = false;
			o.kind = VMCS_CHECK_OK;
			ksnprintf(o.detail, sizeof(o.detail), "exit reason %lu, %s", reason,
				  vmx_exit_reason_name((u32)reason & 0xFFFF));
		}
	}
	return o;
}

/*
 * Judges the current VMCS twice, by vmcs_check() and by VMLAUNCH, and prints the
 * CASE line. After a failed entry the checker runs once more: it must see the
 * same VMCS and leave VM_INSTRUCTION_ERROR as it was (lab 5 runs it just then).
 */
static bool judge(const struct breakage *b)
{
	struct vmcs_check_result r = vmcs_check(true);
	struct outcome cpu = launch();
	enum vmcs_check_kind want_cpu = b->deviation ? b->bochs : b->sdm;
	bool ok = r.first == b->sdm && !cpu.other && cpu.kind == want_cpu;
	bool stable = true;

	if (!cpu.other && cpu.kind != VMCS_CHECK_OK) {
		u64 err = vmcs_read(VM_INSTRUCTION_ERROR);
		struct vmcs_check_result again = vmcs_check(false);
		stable = again.first == r.first && again.violations == r.violations &&
			 vmcs_read(VM_INSTRUCTION_ERROR) == err;
		ok = ok && stable;
	}
	kprintf("CASE %s: checker %s, cpu %s (%s) -- %s", b->name, vmcs_check_kind_name(r.first),
		cpu.other ? "other" : vmcs_check_kind_name(cpu.kind), cpu.detail, ok ? "agree" : "DISAGREE");
	if (b->deviation)
		kprintf(" (Bochs deviation: %s; the SDM says %s)", b->deviation, vmcs_check_kind_name(b->sdm));
	else if (r.first != b->sdm)
		kprintf(" (the SDM says %s)", vmcs_check_kind_name(b->sdm));
	if (!stable)
		kprintf(" (after the failed entry the checker's verdict or VM_INSTRUCTION_ERROR changed)");
	kprintf("\n");
	return ok;
}

/*
 * One case on a fresh reference VMCS: break it, judge it, VMCLEAR and free it.
 * Returns agreement; *skipped if this processor lacks the control bit the case needs.
 */
static bool run_case(const struct vmx_caps *caps, const struct breakage *b, bool *skipped)
{
	void *vmcs = NULL, *stack = NULL;
	bool ok = true;

	*skipped = false;
	if (vmcs_setup(caps, &guest_hello, &vmcs, &stack) != 0) {
		kprintf("CASE %s: vmcs_setup() failed -- DISAGREE\n", b->name);
		return false;
	}
	if (apply(&b->pre, vmcs) && apply(&b->bad, vmcs)) {
		ok = judge(b);
	} else {
		kprintf("CASE %s: skipped (this processor has no such control bit)\n", b->name);
		*skipped = true;
	}
	vmx_vmclear((u64)vmcs);
	page_free(vmcs);
	page_free(stack);
	return ok;
}

/* "clean": the reference VMCS, checked loudly; true if no rule is broken. */
static void check_clean(const struct vmx_caps *caps)
{
	void *vmcs = NULL, *stack = NULL;
	struct vmcs_check_result r;
	char why[96] = "";
	bool ok = false;

	if (vmcs_setup(caps, &guest_hello, &vmcs, &stack) != 0) {
		ksnprintf(why, sizeof(why), "vmcs_setup() failed");
	} else {
		r = vmcs_check(true);
		ok = r.violations == 0;
		if (!ok)
			ksnprintf(why, sizeof(why), "%u violations, the first in the %s checks", r.violations,
				  vmcs_check_kind_name(r.first));
		vmx_vmclear((u64)vmcs);
		page_free(vmcs);
		page_free(stack);
	}
	check("clean", ok, "%s", why);
}

void lab4_checker(struct prereq *p)
{
	const struct vmx_caps *caps = &p->caps;
	size_t pages = page_free_count();
	unsigned agree = 0, total = 0;
	char why[96];

	check_clean(caps);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool skipped, ok = run_case(caps, &cases[i], &skipped);
		total += !skipped;
		agree += !skipped && ok;
	}
	bool leak = page_free_count() != pages;
	if (leak)
		ksnprintf(why, sizeof(why), "the cases leaked %ld pages", (long)(pages - page_free_count()));
	else
		ksnprintf(why, sizeof(why), "%u of %u cases disagree%s", total - agree, total,
			  total < 30 ? ", and fewer than 30 cases ran" : "");
	check("agreement", agree == total && total >= 30 && !leak, "%s", why);
	kprintf("checker agrees with the CPU on %u of %u cases\n", agree, total);
}
