/* Lab 11 "linux": the capstone's harness. */
#include "boot_info.h"
#include "ept.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "linux.h"
#include "linux_vm.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "x86.h"

static struct linux_vm vm;
static u16 com1_lcr;
static char console[LINUX_CONSOLE_MAX];
static size_t console_len;

/* The exit hook: every byte the guest writes to COM1's transmit register, seen before the student's handler. */
static void tee_console(u32 reason)
{
	if (reason != EXIT_REASON_IO_INSTRUCTION)
		return;
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	if (q & (VMX_IO_IN | VMX_IO_STRING))
		return;
	u8 v = (u8)vm.vcpu.regs.rax;
	if (VMX_IO_PORT(q) == LINUX_PORT_COM1_LCR)
		com1_lcr = v;
	else if (VMX_IO_PORT(q) == LINUX_PORT_COM1_THR && !(com1_lcr & 0x80) && console_len < sizeof(console) - 1)
		console[console_len++] = (char)v;
}

struct call {
	int ret;
	const char *cmdline;
};

static void call_load(void *p)
{
	struct call *c = p;
	c->ret = linux_load_kernel(&vm, (const u8 *)vm.kernel_module->start,
				   vm.kernel_module->end - vm.kernel_module->start);
}
static void call_map(void *p) { struct call *c = p; c->ret = linux_map_memory(&vm); }
static void call_start_info(void *p) { struct call *c = p; c->ret = linux_start_info(&vm, c->cmdline); }
static void call_vmcs(void *p) { struct call *c = p; c->ret = linux_vmcs_setup(&vm); }
static void call_run(void *p) { struct call *c = p; c->ret = linux_vm_run(&vm); }

/* `make linux`: Linux under the hypervisor, its console as it comes, then the exits it took. */
void lab11_boot(struct prereq *p)
{
	struct prereq_vm pvm;
	struct call c = { 0 };
	char why[240] = "", cmdline[LINUX_CMDLINE_MAX];
	ksnprintf(cmdline, sizeof(cmdline), "console=ttyS0 quiet mitigations=off nokaslr no_timer_check "
		  "tsc=reliable rodata=off cryptomgr.notests nosmp panic=-1 hvlabs.nonce=%lx", harness_nonce());
	if (!prereq_vm_new(&pvm, &p->caps, &guest_hello))
		return;
	int err = linux_vm_create(&vm, &p->caps, boot_info());
	if (err) {
		kprintf("linux: %s\n", hv_strerror(err));
		return;
	}
	c.cmdline = cmdline;
	if (!harness_call("linux_load_kernel()", call_load, &c, why, sizeof(why)) || c.ret ||
	    !harness_call("linux_map_memory()", call_map, &c, why, sizeof(why)) || c.ret ||
	    (c.ret = ept_vmcs_setup(&vm.ept, &p->caps, 1)) ||
	    !harness_call("linux_start_info()", call_start_info, &c, why, sizeof(why)) || c.ret ||
	    !harness_call("linux_vmcs_setup()", call_vmcs, &c, why, sizeof(why)) || c.ret) {
		kprintf("linux: the VM could not be built: %s\n", why[0] ? why : hv_strerror(c.ret));
		return;
	}
	kprintf("linux: kernel entry %#lx, initramfs at GPA %#lx (%lu KiB), %llu MiB of RAM at HPA %#lx\n",
		vm.entry, vm.initrd, vm.initrd_size >> 10, LINUX_RAM_SIZE >> 20, vm.ram_hpa);
	vmx_exit_stats_reset();
	vmx_set_exit_hook(tee_console);
	u64 t0 = rdtsc();
	bool ran = harness_call("linux_vm_run()", call_run, &c, why, sizeof(why));
	u64 ticks = rdtsc() - t0;
	vmx_set_exit_hook(NULL);
	const struct vmx_exit_stats *st = vmx_exit_stats();
	kprintf("linux: the guest %s after %lu VM entries, %lu M ticks; console %zu bytes\n",
		!ran ? why : c.ret ? hv_strerror(c.ret) : "powered off", st->entries, ticks >> 20, console_len);
	for (unsigned r = 0; r < VMX_STATS_REASONS; r++)
		if (st->exits[r])
			kprintf("linux:   %6lu x %s\n", st->exits[r], vmx_exit_reason_name(r));
}
