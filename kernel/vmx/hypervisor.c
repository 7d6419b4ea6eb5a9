/* The hypervisor as one program (hypervisor.h): hypervisor_main() is its table of contents. */
#include "hypervisor.h"
#include "errno.h"
#include "page.h"
#include "printf.h"
#include "string.h"
#include "trap.h"
#include "vserial.h"
#include "x86.h"

/* A stage links the labs up to its own: a later lab's functions are NULL here. */
#pragma weak vmx_detect
#pragma weak vmx_enable
#pragma weak vmx_enter_root
#pragma weak vmcs_setup
#pragma weak vm_setup_exits
#pragma weak vm_run
#pragma weak vmx_vmcs_release
#pragma weak vmx_leave_root

/* One call into the labs' code: lab's function who, run as fn(hv). */
struct step {
	struct hypervisor *hv;
	int (*fn)(struct hypervisor *hv);
	int ret;
};

static void run_step(void *arg)
{
	struct step *s = arg;
	s->ret = s->fn(s->hv);
}

/*
 * Calls fn(hv), lab's function who, through hv->guard; returns its result, or
 * -HV_ENOSYS if this stage lacks that lab and -HV_EFAULT if it faulted, with
 * hv->failed_lab and hv->why saying so.
 */
static int step(struct hypervisor *hv, int lab, const char *who, bool linked,
		int (*fn)(struct hypervisor *hv))
{
	struct step s = { .hv = hv, .fn = fn };

	hv->failed_lab = lab;
	if (!linked) {
		ksnprintf(hv->why, sizeof(hv->why), "this stage has no %s", who);
		return -HV_ENOSYS;
	}
	if (hv->guard && !hv->guard(who, run_step, &s, hv->why, sizeof(hv->why)))
		return -HV_EFAULT;
	if (!hv->guard)
		run_step(&s);
	if (s.ret)
		ksnprintf(hv->why, sizeof(hv->why), "%s returned %d (%s)", who, s.ret, hv_strerror(s.ret));
	else
		hv->failed_lab = 0;
	return s.ret;
}

static int detect(struct hypervisor *hv) { return vmx_detect(&hv->caps); }
static int enable(struct hypervisor *hv) { return vmx_enable(&hv->caps); }
static int enter_root(struct hypervisor *hv) { return vmx_enter_root(&hv->caps, &hv->cpu.vmxon_region); }
static int setup_exits(struct hypervisor *hv) { return vm_setup_exits(&hv->caps); }
static int run(struct hypervisor *hv) { return vm_run(&hv->vcpu); }
static int release(struct hypervisor *hv) { return vmx_vmcs_release(&hv->cpu); }
static int leave_root(struct hypervisor *hv) { return vmx_leave_root(&hv->cpu); }

static int setup_vmcs(struct hypervisor *hv)
{
	return vmcs_setup(&hv->caps, hv->guest, &hv->cpu.vmcs, &hv->cpu.guest_stack);
}

static void vmptrst(void *p)
{
	vmx_vmptrst(p);
}

/* Whether VMX instructions still work, i.e. VMPTRST raises no #UD: proof of VMX operation. */
static bool in_vmx_operation(void)
{
	u64 current;
	struct fault f;
	return trap_call(vmptrst, &current, &f);
}

/* Labs 4-6 (and 7's release) for guest g; 0, or the error of a step that must stop everything. */
static int run_guest(struct hypervisor *hv, const struct guest_program *g)
{
	int err;

	kprintf("-- guest \"%s\": %s\n", g->name, g->about);
	hv->guest = g;
	if ((err = step(hv, 4, "vmcs_setup()", vmcs_setup, setup_vmcs)) ||
	    (err = step(hv, 6, "vm_setup_exits()", vm_setup_exits, setup_exits)))
		return err;
	vcpu_init(&hv->vcpu, &hv->caps, g, hv->nonce);
	vmx_exit_stats_reset();
	int ret = step(hv, 6, "vm_run()", vm_run, run);    /* the guest's own outcome */
	vserial_flush(&hv->vcpu.com1);
	u64 exits = 0;
	for (size_t i = 0; i < VMX_STATS_REASONS; i++)
		exits += vmx_exit_stats()->exits[i];
	kprintf("   %s after %lu VM exits: %s\n", hv->vcpu.shutdown ? "shut down" : "stopped", exits,
		ret == -HV_EFAULT || ret == -HV_ENOSYS ? hv->why : ret ? hv_strerror(ret) : "ok");
	if (ret == -HV_ENOSYS)
		return ret;
	return step(hv, 7, "vmx_vmcs_release()", vmx_vmcs_release, release);
}

int hypervisor_main(struct hypervisor *hv, const struct guest_program *const *guests, size_t n)
{
	int err;

	kprintf("== lab 1, detect: the processor's VMX capabilities\n");
	if ((err = step(hv, 1, "vmx_detect()", vmx_detect, detect)))
		return err;
	vmx_caps_print(&hv->caps);
	kprintf("== lab 2, enable: IA32_FEATURE_CONTROL %#lx, CR0 %#lx -> ", rdmsr(MSR_IA32_FEAT_CTL),
		read_cr0());
	if ((err = step(hv, 2, "vmx_enable()", vmx_enable, enable)))
		return err;
	kprintf("%#lx, CR4 VMXE set: %#lx\n", read_cr0(), read_cr4());
	size_t free_before = page_free_count();
	if ((err = step(hv, 3, "vmx_enter_root()", vmx_enter_root, enter_root)))
		return err;
	kprintf("== lab 3, vmxon: in VMX root operation, VMXON region at %p\n", hv->cpu.vmxon_region);
	kprintf("== labs 4-6: a VMCS per guest, VMLAUNCH, then the exit loop until the guest stops\n");
	for (size_t i = 0; i < n; i++)
		if ((err = run_guest(hv, guests[i])))
			return err;
	kprintf("== lab 7, vmxoff: ");
	err = step(hv, 7, "vmx_leave_root()", vmx_leave_root, leave_root);
	kprintf("%s; VMPTRST %s, CR4 %#lx, %zu pages free (%zu before VMXON)\n",
		err ? hv->why : "left VMX operation", in_vmx_operation() ? "still works" : "raises #UD",
		read_cr4(), page_free_count(), free_before);
	return err;
}
