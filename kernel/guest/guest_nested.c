/*
 * Guest: a guest hypervisor (L1), lab 12. It enters VMX operation, loads a VMCS
 * of its own, writes and reads its fields, and tries to launch it, noting each
 * instruction's status and each value read back for the harness. Every value it
 * writes depends on the nonce (guest_nested.h).
 *
 * Transcript of "nested" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| L1: VMXON ok, VMPTRLD ok, 8 of 8 fields read back, 4 of 4 intercepted, VMLAUNCH error 7
 */
#include "guest_nested.h"
#include "runtime.h"

static u8 vmxon_region[4096] __attribute__((aligned(4096)));
static u8 vmcs12[4096] __attribute__((aligned(4096)));

/* VMREAD of field into *value (register form; *value is the register's old content). Returns NESTED_STATUS. */
static u64 l1_vmread(u64 field, u64 *value)
{
	bool cf, zf;
	u64 v = *value;
	__asm__ volatile("vmread %[f], %[v]" : [v] "+r"(v), "=@ccc"(cf), "=@ccz"(zf) : [f] "r"(field) : "memory");
	*value = v;
	return NESTED_STATUS(cf, zf);
}

/* VMWRITE of value into field (register form). Returns NESTED_STATUS. */
static u64 l1_vmwrite(u64 field, u64 value)
{
	bool cf, zf;
	__asm__ volatile("vmwrite %[v], %[f]" : "=@ccc"(cf), "=@ccz"(zf) : [f] "r"(field), [v] "r"(value) : "memory");
	return NESTED_STATUS(cf, zf);
}

/* VMREAD of field into memory at *value (memory form). Returns NESTED_STATUS. */
static u64 l1_vmread_mem(u64 field, u64 *value)
{
	bool cf, zf;
	__asm__ volatile("vmread %[f], %[m]" : [m] "+m"(*value), "=@ccc"(cf), "=@ccz"(zf) : [f] "r"(field) : "memory");
	return NESTED_STATUS(cf, zf);
}

/* VMWRITE of the 64 bits at *value into field (memory form). Returns NESTED_STATUS. */
static u64 l1_vmwrite_mem(u64 field, const u64 *value)
{
	bool cf, zf;
	__asm__ volatile("vmwrite %[m], %[f]" : "=@ccc"(cf), "=@ccz"(zf) : [f] "r"(field), [m] "m"(*value) : "memory");
	return NESTED_STATUS(cf, zf);
}

/*
 * VMWRITE (register form) with CF, PF, AF, ZF, SF and OF all set before it;
 * returns RFLAGS right after it (SDM Vol. 3C, 31.2 "Conventions": each outcome
 * sets all six).
 */
static u64 l1_vmwrite_flags(u64 field, u64 value)
{
	u64 flags;
	__asm__ volatile("pushfq\n\torq %[set], (%%rsp)\n\tpopfq\n\tvmwrite %[v], %[f]\n\tpushfq\n\tpopq %[fl]"
			 : [fl] "=r"(flags) : [f] "r"(field), [v] "r"(value), [set] "i"(NESTED_RFLAGS_STATUS)
			 : "memory", "cc");
	return flags;
}

static u64 l1_vmxon(u64 pa)
{
	bool cf, zf;
	__asm__ volatile("vmxon %[p]" : "=@ccc"(cf), "=@ccz"(zf) : [p] "m"(pa) : "memory");
	return NESTED_STATUS(cf, zf);
}

static u64 l1_vmptrld(u64 pa)
{
	bool cf, zf;
	__asm__ volatile("vmptrld %[p]" : "=@ccc"(cf), "=@ccz"(zf) : [p] "m"(pa) : "memory");
	return NESTED_STATUS(cf, zf);
}

static u64 l1_vmlaunch(void)
{
	bool cf, zf;
	__asm__ volatile("vmlaunch" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return NESTED_STATUS(cf, zf);
}

static void vmptrld_early(void *p)
{
	(void)p;
	l1_vmptrld((u64)vmcs12);
}

/* The VMLAUNCH below, whose address the #UD must report. */
extern const char nested_early_vmlaunch[];

static void vmlaunch_early(void *p)
{
	(void)p;
	__asm__ volatile(".global nested_early_vmlaunch\nnested_early_vmlaunch: vmlaunch" : : : "memory", "cc");
}

/* A field the bitmaps intercept, so that the instruction exits although L1 has no VMCS. */
static void vmread_early(void *p)
{
	u64 v = 0;
	(void)p;
	l1_vmread(PIN_BASED_VM_EXEC_CONTROL, &v);
}

static void vmwrite_early(void *p)
{
	(void)p;
	l1_vmwrite(PIN_BASED_VM_EXEC_CONTROL, 0);
}

/* VM_INSTRUCTION_ERROR of L1's VMCS, or NESTED_PREFILL if the VMREAD failed. */
static u64 l1_error(void)
{
	u64 e = NESTED_PREFILL;
	if (l1_vmread(VM_INSTRUCTION_ERROR, &e))
		e = NESTED_PREFILL;
	return e;
}

static int nested_main(void)
{
	u64 nonce = guest_nonce(), v;
	struct guest_fault f;

	/* Outside VMX operation, every VMX instruction but VMXON raises #UD. */
	bool faulted = !guest_call(vmptrld_early, NULL, &f);
	guest_note("nested.ud", guest_fault_code(faulted, &f));
	faulted = !guest_call(vmlaunch_early, NULL, &f);
	guest_note("nested.ud_launch", guest_fault_code(faulted, &f));
	guest_note("nested.ud_rip_off", faulted ? f.rip - (u64)nested_early_vmlaunch : NESTED_PREFILL);
	faulted = !guest_call(vmread_early, NULL, &f);
	guest_note("nested.ud_read", guest_fault_code(faulted, &f));
	faulted = !guest_call(vmwrite_early, NULL, &f);
	guest_note("nested.ud_write", guest_fault_code(faulted, &f));

	u64 vmxon = l1_vmxon((u64)vmxon_region);
	guest_note("nested.vmxon", vmxon);

	/* No current VMCS yet: a read (which the bitmaps pass) and a launch both fail invalid. */
	v = NESTED_PREFILL;
	guest_note("nested.early_read", l1_vmread(GUEST_RIP, &v));
	guest_note("nested.early_launch", l1_vmlaunch());

	u64 vmptrld = l1_vmptrld((u64)vmcs12);
	guest_note("nested.vmptrld", vmptrld);

	/* The fields the bitmaps pass both ways: written, then read back. */
	static const u32 rw[NESTED_NRW] = NESTED_RW_FIELDS;
	u64 bad = 0, equal = 0;
	for (unsigned i = 0; i < NESTED_NRW; i++)
		bad |= l1_vmwrite(rw[i], nested_value(nonce, i));
	hypercall(HC_READ, NESTED_VALUE_SHADOW_READ, 0, 0);
	for (unsigned i = 0; i < NESTED_NRW; i++) {
		v = NESTED_PREFILL;
		bad |= l1_vmread(rw[i], &v);
		equal += v == nested_cut(rw[i], nested_value(nonce, i));
	}
	guest_note("nested.rw_status", bad);
	guest_note("nested.rw_equal", equal);

	/* A read-only field the read bitmap passes and the write bitmap does not. */
	v = NESTED_PREFILL;
	guest_note("nested.ro_read", l1_vmread(VM_EXIT_REASON, &v));
	guest_note("nested.ro_write", l1_vmwrite(VM_EXIT_REASON, nonce));
	guest_note("nested.ro_error", l1_error());

	/* Fields the bitmaps intercept, written with 64 bits whatever their width. */
	static const u32 soft[NESTED_NSOFT] = NESTED_SOFT_FIELDS;
	bad = 0;
	bad |= l1_vmwrite(PIN_BASED_VM_EXEC_CONTROL, nested_pin_value(nonce) | 0xFFFFFFFF00000000ULL);
	for (unsigned i = 1; i < NESTED_NSOFT; i++)
		bad |= l1_vmwrite(soft[i], nested_value(nonce, 10 + i));
	static const char *const keys[NESTED_NSOFT] = { "nested.pin", "nested.io_a", "nested.vpid" };
	for (unsigned i = 0; i < NESTED_NSOFT; i++) {
		v = NESTED_PREFILL;
		bad |= l1_vmread(soft[i], &v);
		guest_note(keys[i], v);
	}
	v = NESTED_PREFILL;
	bad |= l1_vmread(IO_BITMAP_A + 1, &v);
	guest_note("nested.io_a_high", v);
	guest_note("nested.soft_status", bad);

	/* The memory forms: the value comes from, and goes to, memory. */
	u64 mem = nested_value(nonce, 20);
	u64 mem_status = l1_vmwrite_mem(IO_BITMAP_A, &mem);
	mem = NESTED_PREFILL;
	mem_status |= l1_vmread_mem(IO_BITMAP_A, &mem);
	guest_note("nested.mem_status", mem_status);
	guest_note("nested.mem", mem);

	/* A host-state field (type 3 in bits 11:10): writable. */
	u64 host_status = l1_vmwrite(HOST_RIP, nested_value(nonce, 21));
	v = NESTED_PREFILL;
	host_status |= l1_vmread(HOST_RIP, &v);
	guest_note("nested.host_status", host_status);
	guest_note("nested.host_rip", v);

	/* The six status flags, each set before the instruction: a success and a VMfailValid. */
	guest_note("nested.flags_ok", l1_vmwrite_flags(IO_BITMAP_A, nested_value(nonce, 11)) & NESTED_RFLAGS_STATUS);
	guest_note("nested.flags_fail", l1_vmwrite_flags(VM_EXIT_REASON, nonce) & NESTED_RFLAGS_STATUS);

	/* An encoding no field has. */
	v = NESTED_PREFILL;
	guest_note("nested.unsupported", l1_vmread(NESTED_BAD_FIELD, &v));
	guest_note("nested.unsupported_error", l1_error());
	guest_note("nested.unsupported_write", l1_vmwrite(NESTED_BAD_FIELD, nonce));
	guest_note("nested.unsupported_write_error", l1_error());

	/* In VMX operation with a current VMCS: VMXON again, and VMPTRLD of the VMXON region. */
	guest_note("nested.vmxon_again", l1_vmxon((u64)vmxon_region));
	guest_note("nested.vmxon_again_error", l1_error());
	guest_note("nested.vmptrld_vmxon", l1_vmptrld((u64)vmxon_region));
	guest_note("nested.vmptrld_vmxon_error", l1_error());

	/* The launch: refused. */
	u64 launch = l1_vmlaunch(), error = l1_error();
	guest_note("nested.launch", launch);
	guest_note("nested.launch_error", error);

	guest_printf("L1: VMXON %s, VMPTRLD %s, %lu of %u fields read back, %u of %u intercepted, "
		     "VMLAUNCH error %lu\n", vmxon ? "failed" : "ok", vmptrld ? "failed" : "ok", equal,
		     NESTED_NRW, bad ? 0 : NESTED_NSOFT + 1, NESTED_NSOFT + 1, error);
	return 0;
}

GUEST_PROGRAM(guest_nested, "nested", nested_main, "a guest hypervisor: VMXON, VMPTRLD, VMREAD, VMWRITE, VMLAUNCH");
