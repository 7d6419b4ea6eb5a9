/* Guest: VMX instructions, which a guest without VMX must see raise #UD. */
#include "runtime.h"

static u64 operand;

static void do_vmxon(void *p) { (void)p; __asm__ volatile("vmxon %0" : : "m"(operand)); }
static void do_vmclear(void *p) { (void)p; __asm__ volatile("vmclear %0" : : "m"(operand)); }
static void do_vmptrld(void *p) { (void)p; __asm__ volatile("vmptrld %0" : : "m"(operand)); }
static void do_vmptrst(void *p) { (void)p; __asm__ volatile("vmptrst %0" : "=m"(operand)); }
static void do_vmread(void *p) { (void)p; u64 v; __asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(0x681EULL)); }
static void do_vmwrite(void *p) { (void)p; __asm__ volatile("vmwrite %0, %1" : : "r"(0ULL), "r"(0x681EULL)); }
static void do_vmlaunch(void *p) { (void)p; __asm__ volatile("vmlaunch"); }
static void do_vmresume(void *p) { (void)p; __asm__ volatile("vmresume"); }
static void do_vmxoff(void *p) { (void)p; __asm__ volatile("vmxoff"); }

static const struct {
	const char *name;       /* also the note's key */
	void (*fn)(void *);
} insns[] = {
	{ "vmx.vmxon", do_vmxon }, { "vmx.vmclear", do_vmclear }, { "vmx.vmptrld", do_vmptrld },
	{ "vmx.vmptrst", do_vmptrst }, { "vmx.vmread", do_vmread }, { "vmx.vmwrite", do_vmwrite },
	{ "vmx.vmlaunch", do_vmlaunch }, { "vmx.vmresume", do_vmresume }, { "vmx.vmxoff", do_vmxoff },
};

static int vmx_main(void)
{
	unsigned ud = 0;
	for (size_t i = 0; i < ARRAY_SIZE(insns); i++) {
		struct guest_fault f;
		bool faulted = guest_try(insns[i].fn, NULL, &f);
		guest_note(insns[i].name, faulted ? f.vector : 0xFF);
		ud += faulted && f.vector == 6;
	}
	guest_note("vmx.count", ARRAY_SIZE(insns));
	guest_printf("%u of %zu VMX instructions raised #UD\n", ud, ARRAY_SIZE(insns));
	return 0;
}

GUEST_PROGRAM(guest_vmx, "vmx", vmx_main, "VMXON and the other VMX instructions: #UD");
