/* Lab 11 "linux": the capstone's harness (prototype: boots Linux under the reference). */
#include "boot_info.h"
#include "ept.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "linux_vm.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "x86.h"

static struct linux_vm vm;

/* `make run LAB=11`: Linux under the hypervisor, its console as it comes, then the exits it took. */
void lab11_boot(struct prereq *p)
{
	struct prereq_vm pvm;
	char cmdline[200];
	ksnprintf(cmdline, sizeof(cmdline), "console=ttyS0 quiet mitigations=off nokaslr no_timer_check "
		  "tsc=reliable rodata=off cryptomgr.notests nosmp panic=-1 hvlabs.nonce=%lx", harness_nonce());
	if (!prereq_vm_new(&pvm, &p->caps, &guest_hello))
		return;
	int err = linux_vm_create(&vm, &p->caps, boot_info(), cmdline, 1);
	if (!err)
		err = ept_vmcs_setup(&vm.ept, &p->caps, 1);
	if (!err)
		err = linux_vm_vmcs_setup(&vm, 1);
	if (err) {
		kprintf("linux: the VM could not be built: %s\n", hv_strerror(err));
		return;
	}
	vmx_exit_stats_reset();
	u64 t0 = rdtsc();
	err = linux_vm_run(&vm);
	u64 ticks = rdtsc() - t0;
	const struct vmx_exit_stats *st = vmx_exit_stats();
	kprintf("linux: the guest %s after %lu VM entries, %lu M ticks\n",
		err ? "stopped" : "powered off", st->entries, ticks >> 20);
	for (unsigned r = 0; r < VMX_STATS_REASONS; r++)
		if (st->exits[r])
			kprintf("linux:   %6lu x %s\n", st->exits[r], vmx_exit_reason_name(r));
	kprintf("linux: console bytes %zu\n", vm.console_len);
}
