/*
 * Lab 9 harness: the student's real-mode VM, judged by the harness's own
 * reading of the bitmaps, by the exit loop's own logs (kernel/guest/rm_vm.c
 * records every I/O and MSR exit before any handler of the student runs), by
 * what the guest image leaves in its mailbox (values derived from the run's
 * nonce), by what it printed on its COM1, and by VM-entry and VM-exit hooks
 * that watch IA32_EFER and the "IA-32e mode guest" control around every trip.
 * Each VM gets a fresh VMCS from the student's lab 4, then the student's
 * rm_guest_state() and rm_vmcs_setup(); the EPT is the given code's, so that lab
 * 8 need not work. The "noug" scenario runs on core2_penryn_t9600, which has
 * VMX but neither EPT nor unrestricted guest.
 */
#include "capture.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "io.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "realmode.h"
#include "rm_vm.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "x86.h"

/* IA32_EFER (SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register"). */
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)

static const struct vmx_caps *lab_caps;

/* ---- calls into the student's code ---- */

struct call {
	const struct vmx_caps *caps;
	struct rm_vm *vm;
	u8 *a, *b;
	u16 port;
	u32 msr;
	bool x, y;
	int ret;
};

static void call_check_caps(void *p) { struct call *c = p; c->ret = rm_check_caps(c->caps); }
static void call_guest_state(void *p) { struct call *c = p; c->ret = rm_guest_state(c->caps); }
static void call_vmcs_setup(void *p) { struct call *c = p; c->ret = rm_vmcs_setup(c->vm); }
static void call_io_exit(void *p) { struct call *c = p; rm_io_exit(c->a, c->b, c->port, c->x); }
static void call_msr_exit(void *p) { struct call *c = p; rm_msr_exit(c->a, c->msr, c->x, c->y); }
static void call_run(void *p) { struct call *c = p; c->ret = rm_vm_run(c->vm); }

/* ---- exercise 1 ---- */

/* Exercise 1: this processor accepted, made-up ones each without one control refused. */
static void check_caps(void)
{
	char why[200] = "";
	struct call c = { .caps = lab_caps };
	bool ok = harness_call("rm_check_caps()", call_check_caps, &c, why, sizeof(why));
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "rm_check_caps() returned %d (%s) on this model, which has "
			     "everything the lab needs", c.ret, hv_strerror(c.ret));
	check("caps", ok, "%s", why);

	/* Made-up processors, each without one control the lab needs. */
	static const struct {
		enum { PROC, PROC2, EXIT, ENTRY, NO_PROC2 } field;
		u32 bit;
		const char *what;
	} missing[] = {
		{ PROC2, SECONDARY_EXEC_UNRESTRICTED_GUEST, "\"unrestricted guest\"" },
		{ PROC2, SECONDARY_EXEC_ENABLE_EPT, "\"enable EPT\"" },
		{ NO_PROC2, 0, "the secondary controls (IA32_VMX_PROCBASED_CTLS2 absent)" },
		{ PROC, CPU_BASED_USE_IO_BITMAPS, "\"use I/O bitmaps\"" },
		{ PROC, CPU_BASED_USE_MSR_BITMAPS, "\"use MSR bitmaps\"" },
		{ EXIT, VM_EXIT_SAVE_IA32_EFER, "\"save IA32_EFER\"" },
		{ EXIT, VM_EXIT_LOAD_IA32_EFER, "\"load IA32_EFER\" at VM exit" },
		{ ENTRY, VM_ENTRY_LOAD_IA32_EFER, "\"load IA32_EFER\" at VM entry" },
	};
	ok = true;
	for (size_t i = 0; ok && i < ARRAY_SIZE(missing); i++) {
		struct vmx_caps fake = *lab_caps;
		switch (missing[i].field) {
		case PROC: fake.procbased.allowed1 &= ~missing[i].bit; break;
		case PROC2: fake.procbased2.allowed1 &= ~missing[i].bit; break;
		case EXIT: fake.exit.allowed1 &= ~missing[i].bit; break;
		case ENTRY: fake.entry.allowed1 &= ~missing[i].bit; break;
		case NO_PROC2:
			fake.has_procbased2 = false;
			fake.procbased2 = (struct vmx_ctl_cap){ 0, 0 };
			fake.procbased.allowed1 &= ~CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
			break;
		}
		c = (struct call){ .caps = &fake };
		ok = harness_call("rm_check_caps()", call_check_caps, &c, why, sizeof(why));
		if (ok && c.ret != -HV_ENOEPT)
			ok = why_not(why, sizeof(why), "on a processor like this one but without %s, rm_check_caps() "
				     "returned %d (%s), want -HV_ENOEPT", missing[i].what, c.ret, hv_strerror(c.ret));
	}
	check("caps_refuse", ok, "%s", why);
}

/* On core2_penryn_t9600 (VMX without EPT or unrestricted guest), the real processor must be refused. */
void lab9_noug(struct prereq *p)
{
	char why[200] = "";
	struct call c = { .caps = &p->caps };
	bool ok = harness_call("rm_check_caps()", call_check_caps, &c, why, sizeof(why));
	if (ok && c.ret != -HV_ENOEPT)
		ok = why_not(why, sizeof(why), "rm_check_caps() returned %d (%s) on a processor without unrestricted "
			     "guest, want -HV_ENOEPT", c.ret, hv_strerror(c.ret));
	check("refuse", ok, "%s", why);
}

/* ---- exercise 3, outside any VM: the harness's own reading of the bitmaps ---- */

static u8 want_a[4096], want_b[4096], want_msr[4096];

/* SDM Vol. 3C, 25.6.4 "I/O-Bitmap Addresses": A for ports 0-0x7FFF, B for 0x8000-0xFFFF, one bit per port. */
static void io_bit(u16 port, bool exit)
{
	u8 *map = port & 0x8000 ? want_b : want_a;
	unsigned n = port & 0x7FFF;
	map[n >> 3] = exit ? (u8)(map[n >> 3] | 1 << (n & 7)) : (u8)(map[n >> 3] & ~(1 << (n & 7)));
}

/* Compares a page with what it should hold; false with why naming the first byte that differs. */
static bool same_page(const u8 *got, const u8 *want, const char *what, const char *after, char *why, size_t size)
{
	for (unsigned i = 0; i < 4096; i++)
		if (got[i] != want[i])
			return why_not(why, size, "after %s, %s byte %#x is %#x, want %#x", after, what, i, got[i],
				       want[i]);
	return true;
}

/* Exercise 3: rm_io_exit() on pages of the harness, every byte compared after each call. */
static void check_io_bitmap(void)
{
	static const struct { u16 port; bool exit; } steps[] = {
		{ 0x0000, true }, { 0x0007, true }, { 0x0008, true }, { 0x03F8, true }, { 0x7FFF, true },
		{ 0x8000, true }, { 0x8009, true }, { 0xFFFF, true }, { 0x03F8, false }, { 0x8000, false },
	};
	char why[200] = "", after[64];
	u8 *a = page_alloc(), *b = page_alloc();
	bool ok = a && b;
	if (!ok)
		why_not(why, sizeof(why), "out of pages");
	memset(want_a, 0, sizeof(want_a));
	memset(want_b, 0, sizeof(want_b));
	/* Bits set before: they must stay. */
	for (u16 port = 0x3F0; ok && port < 0x3F8; port += 3) {
		io_bit(port, true);
		io_bit((u16)(port | 0x8000), true);
	}
	if (ok) {
		memcpy(a, want_a, 4096);
		memcpy(b, want_b, 4096);
	}
	for (size_t i = 0; ok && i < ARRAY_SIZE(steps); i++) {
		struct call c = { .a = a, .b = b, .port = steps[i].port, .x = steps[i].exit };
		io_bit(steps[i].port, steps[i].exit);
		ksnprintf(after, sizeof(after), "rm_io_exit(port %#x, %s)", steps[i].port,
			  steps[i].exit ? "exit" : "no exit");
		ok = harness_call("rm_io_exit()", call_io_exit, &c, why, sizeof(why)) &&
		     same_page(a, want_a, "bitmap A", after, why, sizeof(why)) &&
		     same_page(b, want_b, "bitmap B", after, why, sizeof(why));
	}
	check("io_bitmap", ok, "%s", why);
	if (a)
		page_free(a);
	if (b)
		page_free(b);
}

/* SDM Vol. 3C, 25.6.9 "MSR-Bitmap Address": read low, read high, write low, write high, 1 KiB each. */
static void msr_bits(u32 msr, bool read, bool write)
{
	unsigned half;
	if (msr <= 0x1FFF)
		half = 0;
	else if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
		half = 1024;
	else
		return;
	unsigned n = msr & 0x1FFF;
	u8 *r = &want_msr[half + (n >> 3)], *w = &want_msr[2048 + half + (n >> 3)], bit = (u8)(1 << (n & 7));
	*r = read ? (u8)(*r | bit) : (u8)(*r & ~bit);
	*w = write ? (u8)(*w | bit) : (u8)(*w & ~bit);
}

/* Exercise 3: rm_msr_exit() likewise, MSRs of both ranges, outside them, and bits cleared again. */
static void check_msr_bitmap(void)
{
	static const struct { u32 msr; bool read, write; } steps[] = {
		{ 0x00000000, true, true }, { 0x000001A0, true, false }, { 0x00001FFF, false, true },
		{ 0x00002000, true, true }, { 0xC0000000, true, true }, { 0xC0000080, true, false },
		{ 0xC0001FFF, false, true }, { 0xC0002000, true, true }, { 0x40000000, true, true },
		{ 0xC0000000, false, true }, { 0x00000000, true, false },
	};
	char why[200] = "", after[80];
	u8 *m = page_alloc();
	bool ok = m;
	if (!ok)
		why_not(why, sizeof(why), "out of pages");
	memset(want_msr, 0, sizeof(want_msr));
	msr_bits(0x174, true, true);            /* set before: must stay */
	msr_bits(0xC0000102, true, true);
	if (ok)
		memcpy(m, want_msr, 4096);
	for (size_t i = 0; ok && i < ARRAY_SIZE(steps); i++) {
		struct call c = { .a = m, .msr = steps[i].msr, .x = steps[i].read, .y = steps[i].write };
		msr_bits(steps[i].msr, steps[i].read, steps[i].write);
		ksnprintf(after, sizeof(after), "rm_msr_exit(MSR %#x, read %d, write %d)", steps[i].msr,
			  steps[i].read, steps[i].write);
		ok = harness_call("rm_msr_exit()", call_msr_exit, &c, why, sizeof(why)) &&
		     same_page(m, want_msr, "the MSR bitmap", after, why, sizeof(why));
	}
	check("msr_bitmap", ok, "%s", why);
	if (m)
		page_free(m);
}

/* ---- exercises 2, 4, 5: the VM ---- */

struct vm_run {
	struct rm_vm vm;
	struct prereq_vm pvm;
	size_t free_before;
	bool built, ran;
	int ret;
	bool clean;             /* vmcs_check() found no broken rule before the first VM entry */
	struct vmcs_check_result check;         /* ... what it found */
	char said[2048];        /* what the run printed */
	char why[240];
};

/* The hooks' view of the run (one VM at a time). */
static struct {
	struct rm_vm *vm;
	u64 host_efer;
	char efer_why[240];     /* the first inconsistency seen, or "" */
} watch;

static bool demo_counting;
static void demo_exit(u32 reason);

/* After each VM exit: the host must be back on its own IA32_EFER. */
static void watch_exit(u32 reason)
{
	if (demo_counting)
		demo_exit(reason);
	u64 efer = rdmsr(MSR_IA32_EFER);
	if (efer != watch.host_efer && !watch.efer_why[0])
		why_not(watch.efer_why, sizeof(watch.efer_why), "after a VM exit the host ran with IA32_EFER %#lx, "
			"its own is %#lx: the guest's EFER stayed in the processor", efer, watch.host_efer);
}

/* Before each VM entry: the guest's EFER in the VMCS must be what it wrote, and agree with "IA-32e mode guest". */
static void watch_entry(u64 entries)
{
	if (entries < 2 || watch.efer_why[0])
		return;
	u64 efer = vmcs_read(GUEST_IA32_EFER), entry = vmcs_read(VM_ENTRY_CONTROLS);
	u64 written = rm_vm_mailbox(watch.vm, RM_MB_EFER_WRITTEN);
	if (written && !(efer & EFER_LME))
		why_not(watch.efer_why, sizeof(watch.efer_why), "the guest wrote %#lx to IA32_EFER, and at the next VM "
			"entry GUEST_IA32_EFER is %#lx: the VM exit did not keep the guest's EFER", written, efer);
	else if (!(entry & VM_ENTRY_IA32E_MODE) != !(efer & EFER_LMA))
		why_not(watch.efer_why, sizeof(watch.efer_why), "before VM entry %lu, \"IA-32e mode guest\" is %d while "
			"GUEST_IA32_EFER.LMA is %d: the control was changed by hand after the processor set it",
			entries, !!(entry & VM_ENTRY_IA32E_MODE), !!(efer & EFER_LMA));
}

/* Builds and runs one VM for task; r->why says what went wrong before the run. */
static bool vm_go(struct vm_run *r, u64 task)
{
	struct call c = { .caps = lab_caps, .vm = &r->vm };
	memset(r, 0, sizeof(*r));
	r->free_before = page_free_count();
	if (!prereq_vm_new(&r->pvm, lab_caps, &guest_hello))
		return why_not(r->why, sizeof(r->why), "lab 4's vmcs_setup() failed (see the ABORT line)");
	int err = rm_vm_create(&r->vm, lab_caps, harness_nonce(), task);
	if (err)
		return why_not(r->why, sizeof(r->why), "the given VM could not be built: %s", hv_strerror(err));
	r->built = true;
	if (!harness_call("rm_guest_state()", call_guest_state, &c, r->why, sizeof(r->why)))
		return false;
	if (c.ret)
		return why_not(r->why, sizeof(r->why), "rm_guest_state() returned %d (%s)", c.ret, hv_strerror(c.ret));
	if (!harness_call("rm_vmcs_setup()", call_vmcs_setup, &c, r->why, sizeof(r->why)))
		return false;
	if (c.ret)
		return why_not(r->why, sizeof(r->why), "rm_vmcs_setup() returned %d (%s)", c.ret, hv_strerror(c.ret));
	/* A VMCS that breaks a VM-entry rule is dumped (bitmaps' addresses included) with the rules it breaks. */
	r->check = vmcs_check(false);
	r->clean = r->check.violations == 0;
	if (!r->clean) {
		vmcs_dump();
		vmcs_check(true);
	}
	watch.vm = &r->vm;
	watch.host_efer = rdmsr(MSR_IA32_EFER);
	watch.efer_why[0] = 0;
	vmx_set_exit_hook(watch_exit);
	vmx_set_entry_hook(watch_entry);
	capture_begin(r->said, sizeof(r->said));
	r->ran = harness_call("rm_vm_run()", call_run, &c, r->why, sizeof(r->why));
	capture_end();
	vmx_set_exit_hook(NULL);
	vmx_set_entry_hook(NULL);
	r->ret = c.ret;
	return r->ran;
}

/* Frees what vm_go() built: the VM, then lab 4's VMCS. */
static void vm_free(struct vm_run *r)
{
	if (r->built)
		rm_vm_destroy(&r->vm);
	if (r->pvm.vmcs)
		prereq_vm_free(&r->pvm);
}

/* The guest's mailbox slot (RM_MB_*). */
static u64 mb(const struct vm_run *r, unsigned slot)
{
	return rm_vm_mailbox(&r->vm, slot);
}

/* How the run ended, for a check that needs the guest to reach a point: "" if it shut down cleanly. */
static const char *ending(const struct vm_run *r, char *buf, size_t size)
{
	if (!r->ran)
		ksnprintf(buf, size, "%s", r->why);
	else if (r->ret)
		ksnprintf(buf, size, "rm_vm_run() returned %d (%s)", r->ret, hv_strerror(r->ret));
	else if (r->vm.vcpu.shutdown_code == RM_FAULT_REAL)
		ksnprintf(buf, size, "the guest took an exception in real mode (shutdown code %#x)", RM_FAULT_REAL);
	else if (r->vm.vcpu.shutdown_code)
		ksnprintf(buf, size, "the guest stopped with code %#lx", r->vm.vcpu.shutdown_code);
	else
		buf[0] = 0;
	return buf;
}

/* How many exits the log holds for accesses of size bytes at port, in or out. */
static unsigned io_exits(const struct rm_vm *vm, u16 port, u8 size, bool in)
{
	unsigned n = 0;
	for (size_t i = 0; i < vm->n_io; i++)
		n += vm->io[i].port == port && vm->io[i].size == size && vm->io[i].in == in;
	return n;
}

/* Whether the hypervisor emulates port (rm_io_policy[]). */
static bool policy_port(u16 port)
{
	for (size_t i = 0; i < rm_io_policy_count; i++)
		if (port >= rm_io_policy[i].port && port - rm_io_policy[i].port < rm_io_policy[i].ports)
			return true;
	return false;
}

/* Whether an access of size bytes at port touches a port the hypervisor emulates. */
static bool touches_policy(u16 port, unsigned size)
{
	for (unsigned k = 0; k < size; k++)
		if (policy_port((u16)(port + k)))
			return true;
	return false;
}

/* The machine's CMOS register reg, read by the harness itself. */
static u8 cmos_read(u8 reg)
{
	outb(RM_CMOS_INDEX, reg);
	return inb(RM_CMOS_DATA);
}

/* Exercises 2, 4, 5: one run of the guest, judged by the exit logs, the mailbox, the console and the hooks. */
static void check_vm(void)
{
	static struct vm_run r;
	char why[240] = "", end[240];
	u64 nonce = harness_nonce();
	u32 lo = (u32)nonce;

	bool ran = vm_go(&r, RM_TASK_RUN);
	const char *stop = ran ? ending(&r, end, sizeof(end)) : r.why;

	/* entry: VM entry accepted the state, and the guest ran its first instructions in real mode at 0000:7C00. */
	bool ok = r.built && r.why[0] == 0 ? true : why_not(why, sizeof(why), "%s", r.why);
	if (ok && !r.clean)
		ok = why_not(why, sizeof(why), "before the first VM entry, vmcs_check() finds %u VM-entry rule%s broken, "
			     "the first in the %s checks: its \"VMCS CHECK:\" lines name %s", r.check.violations,
			     r.check.violations == 1 ? "" : "s", vmcs_check_kind_name(r.check.first),
			     r.check.violations == 1 ? "it" : "them");
	else if (ok && mb(&r, RM_MB_REAL) != lo)
		ok = why_not(why, sizeof(why), "the guest never reached its first hypercall in real mode (%s)",
			     stop[0] ? stop : "no nonce in its mailbox");
	else if (ok && (mb(&r, RM_MB_CS) & 0xFFFF) != 0)
		ok = why_not(why, sizeof(why), "the guest started with CS = %#lx, want 0", mb(&r, RM_MB_CS) & 0xFFFF);
	else if (ok && (mb(&r, RM_MB_IP) & 0xFFFF) != RM_GUEST_IMAGE)
		ok = why_not(why, sizeof(why), "the guest started at IP %#lx, want %#x", mb(&r, RM_MB_IP) & 0xFFFF,
			     RM_GUEST_IMAGE);
	else if (ok && (mb(&r, RM_MB_MSW) & CR0_PE))
		ok = why_not(why, sizeof(why), "the guest's SMSW shows PE set (%#lx): it did not start in real mode",
			     mb(&r, RM_MB_MSW) & 0xFFFF);
	check("entry", ok, "%s", why);

	/* modes: real, protected and long mode each reached, each proven with the nonce. */
	ok = true;
	if (mb(&r, RM_MB_REAL) != lo)
		ok = why_not(why, sizeof(why), "the guest did not get through real mode (%s)", stop[0] ? stop : "?");
	else if (mb(&r, RM_MB_PROTECTED) != (lo ^ 0x50524F54))
		ok = why_not(why, sizeof(why), "the guest did not reach protected mode (%s)",
			     stop[0] ? stop : "no note in its mailbox");
	else if (mb(&r, RM_MB_LONG) != (nonce ^ 0x4C4F4E47))
		ok = why_not(why, sizeof(why), "the guest reached protected mode but not long mode (%s)",
			     stop[0] ? stop : "no note in its mailbox");
	check("modes", ok, "%s", why);

	/* console: the lines it printed through the emulated COM1, one from each mode. */
	char line[3][80];
	ksnprintf(line[0], sizeof(line[0]), "guest| real mode, CS:IP 0000:7C00, nonce %08x\n", lo);
	ksnprintf(line[1], sizeof(line[1]), "guest| protected mode, nonce %08x\n", lo);
	ksnprintf(line[2], sizeof(line[2]), "guest| long mode, nonce %016lx\n", nonce);
	const char *at = r.said;
	ok = true;
	for (int i = 0; ok && i < 3; i++) {
		const char *found = strstr(at, line[i]);
		if (!found)
			ok = why_not(why, sizeof(why), "the console never showed \"%.*s\" (after what came before "
				     "it)%s%s%s", (int)strlen(line[i]) - 1, line[i], stop[0] ? " (" : "", stop,
				     stop[0] ? ")" : "");
		else
			at = found + strlen(line[i]);
	}
	check("console", ok, "%s", why);

	/* io_exits: every access to an emulated port exited; none that touches none. */
	ok = true;
	for (size_t i = 0; ok && i < r.vm.n_io; i++)
		if (!touches_policy(r.vm.io[i].port, r.vm.io[i].size))
			ok = why_not(why, sizeof(why), "the guest's %u-byte %s at port %#x exited, and the hypervisor "
				     "emulates none of its ports: it should have gone to the machine", r.vm.io[i].size,
				     r.vm.io[i].in ? "IN" : "OUT", r.vm.io[i].port);
	u64 lsr = mb(&r, RM_MB_LSR) & 0xFFFFFFFF, thr = mb(&r, RM_MB_THR) & 0xFFFFFFFF;
	/* A VM that stopped may have taken the exit of an access it never got to count. */
	u64 lsr_exits = io_exits(&r.vm, RM_COM1 + 5, 1, true), thr_exits = io_exits(&r.vm, RM_COM1, 1, false);
	u64 slack = stop[0] ? 1 : 0;
	if (ok && (lsr_exits < lsr || lsr_exits > lsr + slack || thr_exits < thr || thr_exits > thr + slack))
		ok = why_not(why, sizeof(why), "the guest read COM1's line status %lu times and wrote its transmit "
			     "register %lu times; %lu and %lu of those exited", lsr, thr, lsr_exits, thr_exits);
	else if (ok && mb(&r, RM_MB_PROTECTED) == (lo ^ 0x50524F54) &&
		 (io_exits(&r.vm, RM_DEVICE_PORT, 4, true) != 1 || io_exits(&r.vm, RM_DEVICE_PORT, 4, false) != 1))
		ok = why_not(why, sizeof(why), "the guest read and wrote the device's 4 ports once each; %u and %u of "
			     "those exited", io_exits(&r.vm, RM_DEVICE_PORT, 4, true),
			     io_exits(&r.vm, RM_DEVICE_PORT, 4, false));
	else if (ok && !lsr)
		ok = why_not(why, sizeof(why), "the guest never got to print (%s)", stop[0] ? stop : "?");
	check("io_exits", ok, "%s", why);

	/* io_straddle: 2- and 4-byte accesses across COM1's first port and the A/B boundary. */
	u32 in3f7 = (u32)mb(&r, RM_MB_IN_3F7_2), in7ffe = (u32)mb(&r, RM_MB_IN_7FFE_4);
	u32 want3f7 = 0xFFFF0000 | inb(RM_FLOPPY_DIR);
	u32 want7ffe = inb(RM_DEVICE_PORT - 2) | (u32)inb(RM_DEVICE_PORT - 1) << 8 | (u32)r.vm.device[0] << 16 |
		       (u32)r.vm.device[1] << 24;
	ok = true;
	if (mb(&r, RM_MB_REAL) != lo || !r.vm.n_io)
		ok = why_not(why, sizeof(why), "the guest did not get to its boundary accesses (%s)", stop[0] ? stop : "?");
	else if (io_exits(&r.vm, RM_FLOPPY_DIR, 2, true) != 1)
		ok = why_not(why, sizeof(why), "the guest's 2-byte IN at port %#x (ports %#x and %#x, COM1's first) "
			     "exited %u times, want once", RM_FLOPPY_DIR, RM_FLOPPY_DIR, RM_COM1,
			     io_exits(&r.vm, RM_FLOPPY_DIR, 2, true));
	else if (io_exits(&r.vm, RM_DEVICE_PORT - 2, 4, true) != 1)
		ok = why_not(why, sizeof(why), "the guest's 4-byte IN at port %#x (ports %#x-%#x: two in bitmap A, "
			     "two of the device's in bitmap B) exited %u times, want once", RM_DEVICE_PORT - 2,
			     RM_DEVICE_PORT - 2, RM_DEVICE_PORT + 1, io_exits(&r.vm, RM_DEVICE_PORT - 2, 4, true));
	else if (io_exits(&r.vm, RM_DEVICE_PORT - 2, 2, true) || io_exits(&r.vm, RM_VOID_PORT, 4, true))
		ok = why_not(why, sizeof(why), "the guest's accesses to ports %#x-%#x, which nobody emulates, exited",
			     RM_VOID_PORT, RM_DEVICE_PORT - 1);
	else if (in3f7 != want3f7)
		ok = why_not(why, sizeof(why), "after EAX = 0xffffffff and IN AX from port %#x, the guest's EAX is %#x, "
			     "want %#x: port %#x's byte, COM1's receive register (0), and bits 31:16 untouched",
			     RM_FLOPPY_DIR, in3f7, want3f7, RM_FLOPPY_DIR);
	else if (in7ffe != want7ffe)
		ok = why_not(why, sizeof(why), "the guest's 4-byte IN at port %#x read %#x, want %#x: the machine's "
			     "ports %#x and %#x, then the device's first two", RM_DEVICE_PORT - 2, in7ffe, want7ffe,
			     RM_DEVICE_PORT - 2, RM_DEVICE_PORT - 1);
	check("io_straddle", ok, "%s", why);

	/* io_values: what the exits carried, both ways. */
	u32 id = RM_DEVICE_ID ^ lo, out = 0;
	memcpy(&out, r.vm.device_out, sizeof(out));
	ok = true;
	if (mb(&r, RM_MB_PROTECTED) != (lo ^ 0x50524F54))
		ok = why_not(why, sizeof(why), "the guest did not reach the device in protected mode (%s)",
			     stop[0] ? stop : "?");
	else if ((u32)mb(&r, RM_MB_DEVICE) != id)
		ok = why_not(why, sizeof(why), "the guest's IN EAX from the device read %#x, want its identification "
			     "%#x", (u32)mb(&r, RM_MB_DEVICE), id);
	else if (out != ~lo)
		ok = why_not(why, sizeof(why), "the guest wrote %#x to the device with OUT; the device's ports hold "
			     "%#x", ~lo, out);
	else if (r.vm.vcpu.com1.bytes != thr)
		ok = why_not(why, sizeof(why), "the guest wrote %lu bytes to COM1; the emulated port got %lu", thr,
			     r.vm.vcpu.com1.bytes);
	check("io_values", ok, "%s", why);

	/* rtc: the guest read the real CMOS itself. */
	u8 reg = (u8)mb(&r, RM_MB_RTC_REG);
	ok = true;
	if (mb(&r, RM_MB_REAL) != lo)
		ok = why_not(why, sizeof(why), "the guest did not get to the RTC (%s)", stop[0] ? stop : "?");
	else if (reg != (0x10 | (lo & 0xF)) || (u8)mb(&r, RM_MB_RTC_VALUE) != cmos_read(reg))
		ok = why_not(why, sizeof(why), "the guest read %#x from CMOS register %#x; the machine's holds %#x",
			     (u8)mb(&r, RM_MB_RTC_VALUE), reg, cmos_read(reg));
	check("rtc", ok, "%s", why);

	/* msr_exits: exactly the policy's MSR accesses exited, and the rest reached the processor. */
	static const struct { u32 msr; bool write; unsigned n; } want_msrs[] = {
		{ MSR_IA32_MISC_ENABLE, false, 2 }, { MSR_IA32_MISC_ENABLE, true, 1 }, { MSR_IA32_APIC_BASE, true, 1 },
		{ MSR_IA32_STAR, true, 1 }, { MSR_IA32_STAR, false, 1 },
	};
	ok = true;
	if (mb(&r, RM_MB_LONG) != (nonce ^ 0x4C4F4E47))
		ok = why_not(why, sizeof(why), "the guest did not reach long mode, where it uses its MSRs (%s)",
			     stop[0] ? stop : "?");
	for (size_t i = 0; ok && i < r.vm.n_msr; i++) {
		bool wanted = false;
		for (size_t k = 0; k < ARRAY_SIZE(want_msrs); k++)
			wanted |= want_msrs[k].msr == r.vm.msr[i].msr && want_msrs[k].write == r.vm.msr[i].write;
		if (!wanted)
			ok = why_not(why, sizeof(why), "the guest's %s of MSR %#x exited: the policy lets it go to the "
				     "processor", r.vm.msr[i].write ? "WRMSR" : "RDMSR", r.vm.msr[i].msr);
	}
	for (size_t k = 0; ok && k < ARRAY_SIZE(want_msrs); k++) {
		unsigned n = 0;
		for (size_t i = 0; i < r.vm.n_msr; i++)
			n += want_msrs[k].msr == r.vm.msr[i].msr && want_msrs[k].write == r.vm.msr[i].write;
		if (n != want_msrs[k].n)
			ok = why_not(why, sizeof(why), "the guest's %s of MSR %#x exited %u times of %u: the policy "
				     "says each must", want_msrs[k].write ? "WRMSR" : "RDMSR", want_msrs[k].msr, n,
				     want_msrs[k].n);
	}
	if (ok && (mb(&r, RM_MB_SYSENTER_CS) != (lo & 0xFFF8) || vmcs_read(GUEST_SYSENTER_CS) != (lo & 0xFFF8)))
		ok = why_not(why, sizeof(why), "the guest wrote %#x to IA32_SYSENTER_CS and read back %#lx; the VMCS "
			     "saved %#lx", lo & 0xFFF8, mb(&r, RM_MB_SYSENTER_CS), vmcs_read(GUEST_SYSENTER_CS));
	else if (ok && mb(&r, RM_MB_APIC_BASE) != rdmsr(MSR_IA32_APIC_BASE))
		ok = why_not(why, sizeof(why), "the guest read IA32_APIC_BASE as %#lx; the processor's is %#lx",
			     mb(&r, RM_MB_APIC_BASE), rdmsr(MSR_IA32_APIC_BASE));
	check("msr_exits", ok, "%s", why);

	/* masks: the mode changes cost no exit, and the guest sees CR0 and CR4 as it wrote them. */
	ok = true;
	if (r.vm.cr_exits)
		ok = why_not(why, sizeof(why), "a MOV to a control register exited while the guest changed mode "
			     "(printed above): the masks claim a bit the guest changes, with a shadow that disagrees");
	else if (mb(&r, RM_MB_PROTECTED) != (lo ^ 0x50524F54))
		ok = why_not(why, sizeof(why), "the guest did not get through its MOV to CR0 (%s)", stop[0] ? stop : "?");
	else if ((u32)mb(&r, RM_MB_CR0) != 0x11)
		ok = why_not(why, sizeof(why), "the guest wrote 0x11 to CR0 and read back %#x: VMX's fixed bits show "
			     "through", (u32)mb(&r, RM_MB_CR0));
	else if ((u32)mb(&r, RM_MB_CR4) != 0x20)
		ok = why_not(why, sizeof(why), "the guest wrote 0x20 to CR4 and read back %#x: VMX's fixed bits show "
			     "through", (u32)mb(&r, RM_MB_CR4));
	check("masks", ok, "%s", why);

	/* efer: IA32_EFER went with the guest, the host kept its own, and "IA-32e mode guest" followed. */
	u64 gefer = vmcs_read(GUEST_IA32_EFER), entry = vmcs_read(VM_ENTRY_CONTROLS);
	u64 lm = EFER_LME | EFER_LMA | EFER_SCE;
	ok = true;
	if (watch.efer_why[0])
		ok = why_not(why, sizeof(why), "%s", watch.efer_why);
	else if (mb(&r, RM_MB_LONG) != (nonce ^ 0x4C4F4E47))
		ok = why_not(why, sizeof(why), "the guest did not reach long mode (%s)", stop[0] ? stop : "?");
	else if ((mb(&r, RM_MB_EFER) & lm) != lm || (gefer & lm) != lm || !(entry & VM_ENTRY_IA32E_MODE))
		ok = why_not(why, sizeof(why), "in long mode the guest read IA32_EFER %#lx; at the end GUEST_IA32_EFER "
			     "is %#lx and \"IA-32e mode guest\" is %d; want LME, LMA and SCE set, and 1",
			     mb(&r, RM_MB_EFER), gefer, !!(entry & VM_ENTRY_IA32E_MODE));
	check("efer", ok, "%s", why);
	vm_free(&r);
	if (page_free_count() != r.free_before)
		kprintf("the VM leaked %zu pages\n", r.free_before - page_free_count());
}

void lab9_vmx(struct prereq *p)
{
	lab_caps = &p->caps;
	check_caps();
	check_io_bitmap();
	check_msr_bitmap();
	check_vm();
}

/* make bench: the guest's own TSC figures for a 4-byte IN that passes through and one that exits. */
void lab9_bench(struct prereq *p)
{
	static struct vm_run r;
	char end[240];
	lab_caps = &p->caps;
	if (!vm_go(&r, RM_TASK_BENCH) || ending(&r, end, sizeof(end))[0] || mb(&r, RM_MB_DONE) != RM_DONE)
		harness_abort("the bench guest did not finish: %s", r.why[0] ? r.why : end);
	else
		kprintf("BENCH: io_pass %lu ticks per IN passed to the machine\nBENCH: io_exit %lu ticks per IN that exits\n",
			mb(&r, RM_MB_BENCH_PASS), mb(&r, RM_MB_BENCH_EXIT));
	vm_free(&r);
}

/* ---- make run: the lab 9 guest, narrated ---- */

enum demo_mode { DEMO_REAL, DEMO_PROTECTED, DEMO_LONG, DEMO_MODES };

/* VM exits by the guest's mode at the exit and the basic exit reason (the hook's own count). */
static u64 demo_exits[DEMO_MODES][VMX_STATS_REASONS];

/* The exit hook's count for make run: the exit's reason, in the guest's mode at the exit. */
static void demo_exit(u32 reason)
{
	u64 cr0 = vmcs_read(GUEST_CR0), efer = vmcs_read(GUEST_IA32_EFER);
	enum demo_mode m = !(cr0 & CR0_PE) ? DEMO_REAL : (efer & EFER_LMA) ? DEMO_LONG : DEMO_PROTECTED;
	demo_exits[m][reason < VMX_STATS_REASONS ? reason : VMX_STATS_REASONS - 1]++;
}

/*
 * `make run`: the hypervisor of labs 1-8 (lab 8's demo, which runs lab 7's first),
 * then this lab's guest from real mode to long mode, with the exits it took in
 * each mode and what passed straight to the machine.
 */
void lab9_demo(struct prereq *p)
{
	static struct vm_run r;
	static const char *const modes[] = { "real mode", "protected mode", "long mode" };
	char end[240];
	lab8_demo(p);
	lab_caps = &p->caps;
	kprintf("== lab 9, realmode: a guest that boots like a PC, from 0000:7C00 to 64-bit mode\n");
	struct call c = { .caps = lab_caps };
	char why[200] = "";
	if (!harness_call("rm_check_caps()", call_check_caps, &c, why, sizeof(why)) || c.ret) {
		kprintf("   rm_check_caps(): %s\n", why[0] ? why : hv_strerror(c.ret));
		return;
	}
	kprintf("-- guest \"realmode\": kernel/guest/images/rm_guest.asm, a boot sector's world\n");
	memset(demo_exits, 0, sizeof(demo_exits));
	demo_counting = true;
	bool ran = vm_go(&r, RM_TASK_RUN);
	demo_counting = false;
	kprintf("   the guest %s\n", !ran ? r.why : ending(&r, end, sizeof(end))[0] ? end : "shut down from long mode");
	for (size_t i = 0; i < r.vm.n_io; i++)
		if (r.vm.io[i].port != RM_COM1 && r.vm.io[i].port != RM_COM1 + 5)
			kprintf("   I/O exit: %u-byte %s at port %#x\n", r.vm.io[i].size, r.vm.io[i].in ? "IN" : "OUT",
				r.vm.io[i].port);
	for (size_t i = 0; i < r.vm.n_msr; i++)
		kprintf("   MSR exit: %s of %#x\n", r.vm.msr[i].write ? "WRMSR" : "RDMSR", r.vm.msr[i].msr);
	kprintf("   passed to the machine without an exit: the RTC (CMOS register %#lx = %#lx), ports %#x-%#x, "
		"IA32_EFER (now %#lx), IA32_SYSENTER_CS, the RDMSR of IA32_APIC_BASE; no CR exit (%lu)\n",
		mb(&r, RM_MB_RTC_REG), mb(&r, RM_MB_RTC_VALUE) & 0xFF, RM_VOID_PORT, RM_DEVICE_PORT - 1,
		vmcs_read(GUEST_IA32_EFER), r.vm.cr_exits);
	for (int m = 0; m < DEMO_MODES; m++) {
		kprintf("   VM exits in %s:", modes[m]);
		for (u32 reason = 0; reason < VMX_STATS_REASONS; reason++)
			if (demo_exits[m][reason])
				kprintf(" %s %lu", vmx_exit_reason_name(reason), demo_exits[m][reason]);
		kprintf("\n");
	}
	vm_free(&r);
}
