/*
 * Lab 9, the maintainers' scenario "checker": vmcs_check()'s rules for an
 * unrestricted guest (SDM Vol. 3C, 27.2.1.1, 27.2.1.3, 27.3.1.1, 27.3.1.2,
 * 27.3.1.4) judged against the processor itself, as lab 4's scenario of the
 * same name does for a 64-bit guest. Each case starts from the reference's
 * real-mode VMCS (lab 4's vmcs_setup(), then rm_guest_state() and
 * rm_vmcs_setup() on the given VM), changes one field, and compares the
 * checker's verdict with what one VMLAUNCH does: VMfailValid with error 7
 * (controls), a VM exit with reason 0x80000021 (guest state), or a successful
 * entry (the guest's first VM exit). Legal values at the edge of a rule come
 * first: there the checker must not over-report.
 */
#include "guest.h"
#include "harness.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "realmode.h"
#include "rm_vm.h"
#include "vcpu.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "x86.h"

enum how { SET, OR, CLEAR };

struct rm_case {
	const char *name;
	u32 field;                      /* 0: the reference itself */
	enum how how;
	u64 arg;
	enum vmcs_check_kind sdm;       /* the SDM's verdict: what the checker must say */
	enum vmcs_check_kind bochs;     /* what Bochs 2.7 does (the same unless deviation) */
	const char *deviation;          /* NULL, or the SDM check Bochs 2.7 leaves out */
};

#define CASE(name, field, how, arg, kind) { name, field, how, arg, kind, kind, NULL }
#define OK VMCS_CHECK_OK
#define CONTROL VMCS_CHECK_CONTROL
#define GUEST VMCS_CHECK_GUEST
#define RFLAGS_VM BIT(17)      /* SDM Vol. 3A, 2.3 "System Flags and Fields in the EFLAGS Register" */
#define EFER_LME BIT(8)         /* SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register" */
#define EFER_LMA BIT(10)

static const struct rm_case cases[] = {
	CASE("reference", 0, SET, 0, OK),
	/* Legal only because the guest is unrestricted. */
	CASE("cs_read_write_data", GUEST_CS_AR_BYTES, SET, VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_P, OK),
	CASE("ss_rpl_3_dpl_0", GUEST_SS_SELECTOR, OR, 3, OK),
	CASE("ds_rpl_3_dpl_0", GUEST_DS_SELECTOR, OR, 3, OK),
	CASE("protected_mode_without_paging", GUEST_CR0, OR, CR0_PE, OK),
	CASE("tr_16bit_busy_tss", GUEST_TR_AR_BYTES, SET, VMX_AR_TYPE(3) | VMX_AR_P, OK),
	/* 27.2.1.1, 27.2.1.3: the controls. */
	CASE("unrestricted_guest_without_ept", SECONDARY_VM_EXEC_CONTROL, CLEAR, SECONDARY_EXEC_ENABLE_EPT, CONTROL),
	CASE("inject_gp_with_error_code_in_real_mode", VM_ENTRY_INTR_INFO_FIELD, SET,
	     BIT(31) | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_CODE_MASK | 13, CONTROL),
	/* 27.3.1.1: PE and PG are exempt from the fixed bits only for an unrestricted guest. */
	CASE("real_mode_without_unrestricted_guest", SECONDARY_VM_EXEC_CONTROL, CLEAR,
	     SECONDARY_EXEC_UNRESTRICTED_GUEST, GUEST),
	CASE("paging_without_protection", GUEST_CR0, OR, CR0_PG, GUEST),
	CASE("ia32e_mode_guest_in_real_mode", VM_ENTRY_CONTROLS, OR, VM_ENTRY_IA32E_MODE, GUEST),
	CASE("efer_lma_without_ia32e_mode_guest", GUEST_IA32_EFER, SET, EFER_LME | EFER_LMA, GUEST),
	/* 27.3.1.2: the segments of a guest in real mode. */
	CASE("cs_data_dpl_3", GUEST_CS_AR_BYTES, SET, VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_DPL(3) | VMX_AR_P, GUEST),
	CASE("cs_not_accessed", GUEST_CS_AR_BYTES, SET, VMX_AR_TYPE(10) | VMX_AR_S | VMX_AR_P, GUEST),
	CASE("cs_dpl_3_ss_dpl_0", GUEST_CS_AR_BYTES, SET, VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_DPL(3) | VMX_AR_P,
	     GUEST),
	CASE("ss_dpl_3_in_real_mode", GUEST_SS_AR_BYTES, SET, VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_DPL(3) | VMX_AR_P,
	     GUEST),
	CASE("ds_not_accessed", GUEST_DS_AR_BYTES, SET, VMX_AR_TYPE(2) | VMX_AR_S | VMX_AR_P, GUEST),
	CASE("tr_unusable", GUEST_TR_AR_BYTES, OR, VMX_AR_UNUSABLE, GUEST),
	CASE("cs_base_above_4g", GUEST_CS_BASE, SET, BIT(32), GUEST),
	/* 27.3.1.4: virtual-8086 mode needs protected mode. */
	CASE("rflags_vm_in_real_mode", GUEST_RFLAGS, OR, RFLAGS_VM, GUEST),
};

/* What one VMLAUNCH did: a verdict like the checker's, or other (with the detail). */
static bool launch(enum vmcs_check_kind *kind, char *detail, size_t size)
{
	struct guest_regs regs = { 0 };
	enum vmx_status s = vmx_enter_guest(&regs, false);
	if (s == VMX_FAIL_VALID) {
		u64 err = vmcs_read(VM_INSTRUCTION_ERROR);
		ksnprintf(detail, size, "VMfailValid, error %lu", err);
		*kind = err == VMXERR_ENTRY_INVALID_CONTROL_FIELD ? CONTROL : VMCS_CHECK_HOST;
		return err == VMXERR_ENTRY_INVALID_CONTROL_FIELD || err == VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
	}
	if (s != VMX_SUCCEED) {
		ksnprintf(detail, size, "VMfailInvalid");
		return false;
	}
	u64 reason = vmcs_read(VM_EXIT_REASON);
	ksnprintf(detail, size, "exit reason %#lx", reason);
	if (reason == (BIT(31) | EXIT_REASON_INVALID_STATE)) {
		*kind = GUEST;
		return true;
	}
	*kind = OK;
	return !(reason & BIT(31));
}

/* One case on a fresh reference VM: true if the checker, the SDM and the processor agree. */
static bool run_case(const struct vmx_caps *caps, const struct rm_case *k)
{
	static struct rm_vm vm;
	struct prereq_vm pvm;
	bool ok = false;
	if (!prereq_vm_new(&pvm, caps, &guest_hello))
		return false;
	if (rm_vm_create(&vm, caps, harness_nonce(), RM_TASK_RUN) || rm_guest_state(caps) || rm_vmcs_setup(&vm)) {
		kprintf("CASE %s: the reference VM could not be set up -- DISAGREE\n", k->name);
	} else {
		if (k->field) {
			u64 v = vmcs_read(k->field);
			vmcs_write(k->field, k->how == SET ? k->arg : k->how == OR ? v | k->arg : v & ~k->arg);
		}
		struct vmcs_check_result r = vmcs_check(true);
		enum vmcs_check_kind cpu = OK;
		char detail[64];
		bool known = launch(&cpu, detail, sizeof(detail));
		enum vmcs_check_kind want = k->deviation ? k->bochs : k->sdm;
		ok = r.first == k->sdm && known && cpu == want;
		kprintf("CASE %s: checker %s, cpu %s (%s) -- %s", k->name, vmcs_check_kind_name(r.first),
			known ? vmcs_check_kind_name(cpu) : "other", detail, ok ? "agree" : "DISAGREE");
		if (k->deviation)
			kprintf(" (Bochs deviation: %s; the SDM says %s)", k->deviation, vmcs_check_kind_name(k->sdm));
		else if (r.first != k->sdm)
			kprintf(" (the SDM says %s)", vmcs_check_kind_name(k->sdm));
		kprintf("\n");
	}
	rm_vm_destroy(&vm);
	prereq_vm_free(&pvm);
	return ok;
}

void lab9_checker(struct prereq *p)
{
	size_t pages = page_free_count();
	unsigned agree = 0;
	char why[96];
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		agree += run_case(&p->caps, &cases[i]);
	bool leak = page_free_count() != pages;
	if (leak)
		ksnprintf(why, sizeof(why), "the cases leaked %ld pages", (long)(pages - page_free_count()));
	else
		ksnprintf(why, sizeof(why), "%zu of %zu cases disagree", ARRAY_SIZE(cases) - agree, ARRAY_SIZE(cases));
	check("agreement", agree == ARRAY_SIZE(cases) && !leak, "%s", why);
	kprintf("checker agrees with the CPU on %u of %zu real-mode cases\n", agree, ARRAY_SIZE(cases));
}
