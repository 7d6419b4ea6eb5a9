/*
 * Lab 11 "linux": the capstone's checks. Everything is judged by the harness's own
 * means: the ELF and the start information read back from guest RAM, a walk of the
 * student's EPT, the VMCS, and an exit hook that sees every VM exit before the
 * student's handler (the bytes Linux writes to COM1, the mode it runs in, the
 * accesses it was refused, its power-off). The lines /init writes carry a CRC-32
 * of this run's nonce that Linux's userspace computed (kernel/guest/linux/init).
 */
#include "boot_info.h"
#include "crc32.h"
#include "ept.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "hvm_start_info.h"
#include "linux.h"
#include "linux_vm.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "x86.h"

#define ONE_MIB (1ULL << 20)
#define FOUR_GIB (4ULL << 30)
#define PROBE_GPA 0x10000000ULL         /* /init reads it (devmem): the first byte past the guest's RAM */
#define EFER_LMA BIT(10)

static struct linux_vm vm;
static char cmdline[LINUX_CMDLINE_MAX];

/* What the exit hook saw. */
static struct {
	u8 lcr;                         /* COM1's line control as the guest last wrote it */
	char console[LINUX_CONSOLE_MAX];        /* the bytes the guest wrote to COM1's transmit register */
	size_t len;
	bool long_mode;                 /* an exit found the guest in IA-32e mode */
	bool slp_en;                    /* the guest wrote SLP_EN to the PM1a control port */
	u64 probe;                      /* EPT violations at PROBE_GPA's page */
	u64 outside;                    /* EPT violations anywhere */
	size_t line;                    /* where the console's current line starts */
	u64 start, init_tsc;            /* TSC at the first VM entry, and at /init's first line */
	bool cpuid_1;                   /* the last exit was CPUID leaf 1: the next entry shows the answer */
	u64 leaf1;                      /* answers to leaf 1 seen */
	u64 leaf1_vmx, leaf1_no_hv;     /* ... with VMX (ECX bit 5) set, with the hypervisor bit (31) clear */
} seen;

/* The entry hook: the guest's registers after the student's handler of the exit before. */
static void on_entry(u64 entries)
{
	(void)entries;
	if (!seen.cpuid_1)
		return;
	seen.cpuid_1 = false;
	seen.leaf1++;
	if (vm.vcpu.regs.rcx & CPUID_1_ECX_VMX)
		seen.leaf1_vmx++;
	if (!(vm.vcpu.regs.rcx & CPUID_1_ECX_HYPERVISOR))
		seen.leaf1_no_hv++;
}

static void on_exit(u32 reason)
{
	if (vmcs_read(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE)
		seen.long_mode = true;
	if (reason == EXIT_REASON_CPUID && (u32)vm.vcpu.regs.rax == 1)
		seen.cpuid_1 = true;
	if (reason == EXIT_REASON_EPT_VIOLATION) {
		seen.outside++;
		if ((vmcs_read(GUEST_PHYSICAL_ADDRESS) & ~(PAGE_SIZE - 1)) == PROBE_GPA)
			seen.probe++;
		return;
	}
	if (reason != EXIT_REASON_IO_INSTRUCTION)
		return;
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	if (q & (VMX_IO_IN | VMX_IO_STRING))
		return;
	u16 port = VMX_IO_PORT(q), pm = vm.platform.pm1a_cnt;
	u32 v = (u32)vm.vcpu.regs.rax;
	if (port == LINUX_PORT_COM1_LCR)
		seen.lcr = (u8)v;
	else if (port == LINUX_PORT_COM1_THR && !(seen.lcr & 0x80) && seen.len < sizeof(seen.console) - 1) {
		seen.console[seen.len++] = (char)v;
		if ((char)v == '\n') {
			if (!seen.init_tsc && strncmp(seen.console + seen.line, "hvlabs-init: ", 13) == 0)
				seen.init_tsc = rdtsc();
			seen.line = seen.len;
		}
	}
	else if (pm && ((port == pm && VMX_IO_SIZE(q) >= 2 && (v & ACPI_PM1_SLP_EN)) ||
			(port == pm + 1 && (v & (ACPI_PM1_SLP_EN >> 8)))))
		seen.slp_en = true;
}

/* ---- calls into the student's code ---- */

struct call {
	const u8 *elf;
	u64 size;
	int ret;
};

static void call_load(void *p) { struct call *c = p; c->ret = linux_load_kernel(&vm, c->elf, c->size); }
static void call_map(void *p) { struct call *c = p; c->ret = linux_map_memory(&vm); }
static void call_start_info(void *p) { struct call *c = p; c->ret = linux_start_info(&vm, cmdline); }
static void call_vmcs(void *p) { struct call *c = p; c->ret = linux_vmcs_setup(&vm); }
static void call_run(void *p) { struct call *c = p; c->ret = linux_vm_run(&vm); }

/* Reports every check of ids not yet reported as failed with why. */
static void fail_rest(const char *const *ids, size_t n, size_t from, const char *why)
{
	for (size_t i = from; i < n; i++)
		check(ids[i], false, "%s", why);
}

/* ---- the kernel's ELF, read by the harness ---- */

struct elf_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

static const struct elf_phdr *phdr(const u8 *elf, u16 i)
{
	return (const void *)(elf + *(const u64 *)(elf + 32) + (u64)i * *(const u16 *)(elf + 54));
}

static u16 phnum(const u8 *elf)
{
	return *(const u16 *)(elf + 56);
}

/* The PVH entry of the kernel's Xen note 18, read here independently of the student. */
static u64 harness_pvh_entry(const u8 *elf)
{
	for (u16 i = 0; i < phnum(elf); i++) {
		const struct elf_phdr *ph = phdr(elf, i);
		for (u64 at = ph->offset; ph->type == 4 && at + 12 <= ph->offset + ph->filesz;) {
			const u32 *n = (const u32 *)(elf + at);
			u64 desc = at + 12 + ALIGN_UP(n[0], 4);
			if (n[0] == 4 && memcmp(n + 3, "Xen", 4) == 0 && n[2] == 18)
				return *(const u32 *)(elf + desc);
			at = desc + ALIGN_UP(n[1], 4);
		}
	}
	return 0;
}

/* The k-th of 32 sample offsets spread over [0, n), on 64-byte boundaries, the last near the end. */
static u64 sample(u64 n, unsigned k)
{
	return n <= 64 ? 0 : ((n - 64) / 31 * k) & ~63ULL;
}

/* ---- exercise 1 ---- */

/* A made-up kernel file in page: an ELF64 header and one PT_LOAD of 16 bytes at paddr, and a note if note. */
static u64 fake_elf(u8 *page, u16 machine, u64 paddr, bool note)
{
	memset(page, 0, PAGE_SIZE);
	memcpy(page, "\177ELF\2\1\1", 7);
	*(u16 *)(page + 16) = 2;                        /* ET_EXEC */
	*(u16 *)(page + 18) = machine;
	*(u64 *)(page + 24) = paddr;                    /* e_entry: not the PVH entry */
	*(u64 *)(page + 32) = 64;                       /* e_phoff */
	*(u16 *)(page + 54) = sizeof(struct elf_phdr);
	*(u16 *)(page + 56) = note ? 2 : 1;
	struct elf_phdr *ph = (void *)(page + 64);
	ph[0] = (struct elf_phdr){ .type = 1, .offset = 512, .paddr = paddr, .filesz = 16, .memsz = 16 };
	if (note) {
		u32 *n = (u32 *)(page + 1024);
		n[0] = 4, n[1] = 4, n[2] = 18;
		memcpy(n + 3, "Xen", 4);
		n[4] = (u32)paddr;
		ph[1] = (struct elf_phdr){ .type = 4, .offset = 1024, .filesz = 20, .memsz = 20 };
	}
	return PAGE_SIZE;
}

static void check_load_refuse(void)
{
	u8 *page = page_alloc();
	char why[240] = "";
	bool ok = page != NULL;
	if (!ok)
		why_not(why, sizeof(why), "no page left for the test files");
	const struct {
		u16 machine;
		u64 paddr;
		bool note, zeros;
		const char *what;
	} files[] = {
		{ 0, 0, false, true, "a page of zeros (not an ELF file)" },
		{ 3, 2 * ONE_MIB, true, false, "an ELF file for i386 (e_machine 3), not x86-64" },
		{ 62, LINUX_RAM_SIZE + 2 * ONE_MIB, true, false, "a kernel with a segment beyond the guest's RAM" },
		{ 62, 2 * ONE_MIB, false, false, "a kernel without a PVH entry note" },
	};
	for (size_t i = 0; ok && i < ARRAY_SIZE(files); i++) {
		struct call c = { .elf = page, .size = PAGE_SIZE };
		fake_elf(page, files[i].machine, files[i].paddr, files[i].note);
		if (files[i].zeros)
			memset(page, 0, PAGE_SIZE);
		ok = harness_call("linux_load_kernel()", call_load, &c, why, sizeof(why));
		if (ok && c.ret != -HV_EINVAL)
			ok = why_not(why, sizeof(why), "linux_load_kernel() of %s returned %d (%s), want -HV_EINVAL",
				     files[i].what, c.ret, hv_strerror(c.ret));
	}
	if (page)
		page_free(page);
	check("load_refuse", ok, "%s", why);
}

/* Loads Debian's kernel; true if it went on to be checked (check "load" reported either way). */
static bool check_load(char *why, size_t size)
{
	const u8 *elf = (const u8 *)vm.kernel_module->start;
	u64 len = vm.kernel_module->end - vm.kernel_module->start, entry = harness_pvh_entry(elf);
	u64 poison = harness_nonce() | 0x0101010101010101ULL;
	/* Each segment's zero-filled part is made non-zero first: RAM is not zeroed by the machine's grace. */
	for (u16 i = 0; i < phnum(elf); i++) {
		const struct elf_phdr *ph = phdr(elf, i);
		for (unsigned k = 0; ph->type == 1 && ph->memsz > ph->filesz && k < 32; k++)
			memset(linux_vm_ram(&vm, ph->paddr + ph->filesz + sample(ph->memsz - ph->filesz, k)),
			       (u8)poison, 64);
	}
	struct call c = { .elf = elf, .size = len };
	bool ok = harness_call("linux_load_kernel()", call_load, &c, why, size);
	if (ok && c.ret)
		ok = why_not(why, size, "linux_load_kernel() of Debian's kernel returned %d (%s)", c.ret,
			     hv_strerror(c.ret));
	if (ok && vm.entry != entry)
		ok = why_not(why, size, "vm->entry is %#lx; the kernel's PVH note says %#lx", vm.entry, entry);
	static const u8 zeros[64];
	for (u16 i = 0; ok && i < phnum(elf); i++) {
		const struct elf_phdr *ph = phdr(elf, i);
		for (unsigned k = 0; ok && ph->type == 1 && k < 32; k++) {
			u64 at = sample(ph->filesz, k), n = ph->filesz - at < 64 ? ph->filesz - at : 64;
			if (memcmp(linux_vm_ram(&vm, ph->paddr + at), elf + ph->offset + at, n))
				ok = why_not(why, size, "guest RAM at GPA %#lx does not hold the kernel file's bytes "
					     "at offset %#lx (segment %u)", ph->paddr + at, ph->offset + at, i);
			u64 fill = ph->memsz - ph->filesz;
			if (ok && fill && memcmp(linux_vm_ram(&vm, ph->paddr + ph->filesz + sample(fill, k)), zeros,
						 fill < 64 ? fill : 64))
				ok = why_not(why, size, "GPA %#lx, in segment %u beyond the bytes its file holds, is not "
					     "zero", ph->paddr + ph->filesz + sample(fill, k), i);
		}
	}
	check("load", ok, "%s", why);
	return ok;
}

/* ---- exercise 2: a walk of the student's EPT, by the harness ---- */

struct leaf {
	u64 gpa, hpa, size, flags;
};

/* The leaf that maps gpa (size 0 if none), as the processor would find it. */
static struct leaf ept_lookup(u64 gpa)
{
	const u64 *table = vm.ept.pml4;
	for (int level = 4; level >= 1 && table; level--) {
		u64 e = table[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!(e & EPT_RWX))
			break;
		if (level == 1 || (level == 2 && (e & EPT_LARGE))) {
			u64 span = level == 1 ? PAGE_SIZE : EPT_LARGE_SIZE;
			return (struct leaf){ gpa & ~(span - 1), e & EPT_ADDR_MASK & ~(span - 1), span, e & 0xFFF };
		}
		if (level == 3 && (e & EPT_LARGE))
			return (struct leaf){ gpa, 0, 1ULL << 30, e & 0xFFF };
		table = (const u64 *)(e & EPT_ADDR_MASK);
	}
	return (struct leaf){ gpa, 0, 0, 0 };
}

/* Whether [hpa, hpa + size), mapped at gpa, is the guest's to have: its RAM block at the right offset, or a range it sees as it is. */
static bool leaf_allowed(const struct leaf *l, const char **what)
{
	u64 base, size;
	u32 type;
	if (l->hpa >= vm.ram_hpa && l->hpa + l->size <= vm.ram_hpa + LINUX_RAM_SIZE)
		return l->hpa - vm.ram_hpa == l->gpa || (*what = "guest RAM, at another GPA than its own", false);
	if (l->hpa != l->gpa)
		return *what = "host memory outside the guest's RAM block", false;
	if (l->hpa >= LINUX_LOW_RAM_END && l->hpa + l->size <= ONE_MIB)
		return true;
	if (l->hpa >= LINUX_MMIO_BASE && l->hpa + l->size <= FOUR_GIB)
		return true;
	for (u32 i = 0; linux_vm_firmware_range(&vm, i, &base, &size, &type); i++)
		if (l->hpa >= base && l->hpa + l->size <= base + size)
			return true;
	if (l->hpa < page_pool_end())
		*what = "the hypervisor's own memory (its image, the boot modules or its page pool)";
	else
		*what = "host memory that is not the guest's";
	return false;
}

/* Every leaf of the EPT is allowed; else why says which. Walks the tables entry by entry. */
static bool audit(char *why, size_t size)
{
	const u64 *pml4 = vm.ept.pml4;
	for (u64 i4 = 0; pml4 && i4 < 512; i4++) {
		if (!(pml4[i4] & EPT_RWX))
			continue;
		const u64 *pdpt = (const u64 *)(pml4[i4] & EPT_ADDR_MASK);
		for (u64 i3 = 0; i3 < 512; i3++) {
			u64 gpa3 = i4 << 39 | i3 << 30;
			if (!(pdpt[i3] & EPT_RWX))
				continue;
			if (pdpt[i3] & EPT_LARGE)
				return why_not(why, size, "GPA %#lx is a 1 GiB page: this lab's EPT has none", gpa3);
			const u64 *pd = (const u64 *)(pdpt[i3] & EPT_ADDR_MASK);
			for (u64 i2 = 0; i2 < 512; i2++) {
				u64 gpa2 = gpa3 | i2 << 21;
				if (!(pd[i2] & EPT_RWX))
					continue;
				struct leaf l = ept_lookup(gpa2);
				const char *what = "";
				if (pd[i2] & EPT_LARGE) {
					if (!leaf_allowed(&l, &what))
						return why_not(why, size, "GPA %#lx maps HPA %#lx: %s", l.gpa, l.hpa, what);
					continue;
				}
				const u64 *pt = (const u64 *)(pd[i2] & EPT_ADDR_MASK);
				for (u64 i1 = 0; i1 < 512; i1++) {
					if (!(pt[i1] & EPT_RWX))
						continue;
					l = ept_lookup(gpa2 | i1 << 12);
					if (!leaf_allowed(&l, &what))
						return why_not(why, size, "GPA %#lx maps HPA %#lx: %s", l.gpa, l.hpa, what);
				}
			}
		}
	}
	return true;
}

static bool check_memory(char *why, size_t size)
{
	struct call c = { 0 };
	bool ok = harness_call("linux_map_memory()", call_map, &c, why, size);
	if (ok && c.ret)
		ok = why_not(why, size, "linux_map_memory() returned %d (%s)", c.ret, hv_strerror(c.ret));
	const struct {
		u64 gpa;
		bool ram;               /* RAM: on the block, write-back; else identity, uncached */
	} want[] = {
		{ 0, true }, { 0x9F000, true }, { ONE_MIB, true }, { 16 * ONE_MIB, true },
		{ LINUX_RAM_SIZE - PAGE_SIZE, true }, { 0xA0000, false }, { 0xB8000, false }, { 0xF0000, false },
		{ LINUX_MMIO_BASE, false }, { 0xFEE00000, false }, { FOUR_GIB - PAGE_SIZE, false },
	};
	for (size_t i = 0; ok && i < ARRAY_SIZE(want); i++) {
		struct leaf l = ept_lookup(want[i].gpa);
		u64 hpa = l.hpa + (want[i].gpa - l.gpa), expect = want[i].ram ? vm.ram_hpa + want[i].gpa : want[i].gpa;
		u64 type = (l.flags & EPT_MT_MASK) >> EPT_MT_SHIFT;
		u64 want_type = want[i].ram ? VMX_MEM_TYPE_WB : VMX_MEM_TYPE_UC;
		if (!l.size)
			ok = why_not(why, size, "GPA %#lx is not mapped", want[i].gpa);
		else if (hpa != expect)
			ok = why_not(why, size, "GPA %#lx maps HPA %#lx, want %#lx", want[i].gpa, hpa, expect);
		else if ((l.flags & EPT_RWX) != EPT_RWX)
			ok = why_not(why, size, "GPA %#lx is mapped without read, write and execute", want[i].gpa);
		else if (type != want_type)
			ok = why_not(why, size, "GPA %#lx has memory type %lu, want %lu (%s)", want[i].gpa, type,
				     want_type, want[i].ram ? "write-back RAM" : "an uncached device or ROM");
	}
	u64 base, fsize;
	u32 ftype;
	for (u32 i = 0; ok && linux_vm_firmware_range(&vm, i, &base, &fsize, &ftype); i++) {
		struct leaf l = ept_lookup(base);
		if (!l.size || l.hpa + (base - l.gpa) != base)
			ok = why_not(why, size, "the firmware's range at %#lx (type %u) is not mapped where it is",
				     base, ftype);
	}
	const u64 holes[] = { PROBE_GPA, 0xE0000000, LINUX_MMIO_BASE - PAGE_SIZE, FOUR_GIB };
	for (size_t i = 0; ok && i < ARRAY_SIZE(holes); i++)
		if (ept_lookup(holes[i]).size)
			ok = why_not(why, size, "GPA %#lx is mapped, and nothing the guest has lies there", holes[i]);
	if (ok)
		ok = audit(why, size);
	check("memory", ok, "%s", why);
	return ok;
}

/* ---- exercise 3 ---- */

/* Whether [gpa, gpa + n) is guest RAM by the course's layout. */
static bool is_ram(u64 gpa, u64 n)
{
	return gpa + n >= gpa && ((gpa + n <= LINUX_LOW_RAM_END) || (gpa >= ONE_MIB && gpa + n <= LINUX_RAM_SIZE));
}

static bool check_start_info(char *why, size_t size)
{
	struct call c = { 0 };
	bool ok = harness_call("linux_start_info()", call_start_info, &c, why, size);
	if (ok && c.ret)
		ok = why_not(why, size, "linux_start_info() returned %d (%s)", c.ret, hv_strerror(c.ret));
	const struct hvm_start_info *si = linux_vm_ram(&vm, LINUX_START_INFO);
	const struct boot_module *m = vm.initrd_module;
	u64 isize = m->end - m->start;
	if (ok && (si->magic != PVH_START_MAGIC || si->version < 1))
		ok = why_not(why, size, "the start information at GPA %#llx has magic %#x and version %u",
			     LINUX_START_INFO, si->magic, si->version);
	if (ok && si->rsdp_paddr != vm.platform.rsdp)
		ok = why_not(why, size, "rsdp_paddr is %#lx; the firmware's RSDP is at %#lx", si->rsdp_paddr,
			     vm.platform.rsdp);
	if (ok && (!is_ram(si->cmdline_paddr, strlen(cmdline) + 1) ||
		   strcmp(linux_vm_ram(&vm, si->cmdline_paddr), cmdline) != 0))
		ok = why_not(why, size, "the command line at GPA %#lx is not the one linux_start_info() was given",
			     si->cmdline_paddr);
	if (ok && (si->nr_modules != 1 || !is_ram(si->modlist_paddr, sizeof(struct hvm_modlist_entry))))
		ok = why_not(why, size, "%u modules listed at GPA %#lx: want the initramfs, alone", si->nr_modules,
			     si->modlist_paddr);
	const struct hvm_modlist_entry *mod = ok ? linux_vm_ram(&vm, si->modlist_paddr) : NULL;
	if (ok && (mod->size != isize || !is_ram(mod->paddr, mod->size)))
		ok = why_not(why, size, "the module is [%#lx, +%#lx); the initramfs has %#lx bytes, and must lie in "
			     "the guest's RAM", mod->paddr, mod->size, isize);
	u64 kernel_lo = ~0ULL, kernel_hi = 0;
	const u8 *elf = (const u8 *)vm.kernel_module->start;
	for (u16 i = 0; i < phnum(elf); i++) {
		const struct elf_phdr *ph = phdr(elf, i);
		if (ph->type == 1 && ph->paddr < kernel_lo)
			kernel_lo = ph->paddr;
		if (ph->type == 1 && ph->paddr + ph->memsz > kernel_hi)
			kernel_hi = ph->paddr + ph->memsz;
	}
	if (ok && mod->paddr < kernel_hi && mod->paddr + mod->size > kernel_lo)
		ok = why_not(why, size, "the initramfs at GPA [%#lx, %#lx) overlaps the kernel's image [%#lx, %#lx)",
			     mod->paddr, mod->paddr + mod->size, kernel_lo, kernel_hi);
	for (unsigned k = 0; ok && k < 32; k++) {
		u64 at = sample(isize, k);
		if (memcmp(linux_vm_ram(&vm, mod->paddr + at), (const void *)(m->start + at),
			   isize - at < 64 ? isize - at : 64))
			ok = why_not(why, size, "the module at GPA %#lx does not hold the initramfs's bytes (offset %#lx)",
				     mod->paddr, at);
	}
	/* The memory map: its RAM is the guest's RAM, all of it above 1 MiB, and nothing else. */
	const struct hvm_memmap_table_entry *e = ok ? linux_vm_ram(&vm, si->memmap_paddr) : NULL;
	if (ok && (!si->memmap_entries || si->memmap_entries > 64 ||
		   !is_ram(si->memmap_paddr, si->memmap_entries * sizeof(*e))))
		ok = why_not(why, size, "memmap_paddr %#lx with %u entries is not a memory map in the guest's RAM",
			     si->memmap_paddr, si->memmap_entries);
	u64 ram = 0;
	for (u32 i = 0; ok && i < si->memmap_entries; i++) {
		if (e[i].type != HVM_MEMMAP_TYPE_RAM)
			continue;
		if (!is_ram(e[i].addr, e[i].size))
			ok = why_not(why, size, "the memory map says [%#lx, %#lx) is RAM: the guest has no RAM there",
				     e[i].addr, e[i].addr + e[i].size);
		ram += e[i].size;
	}
	if (ok && ram < LINUX_RAM_SIZE - ONE_MIB)
		ok = why_not(why, size, "the memory map gives %lu KiB of RAM; the guest has %llu KiB above 1 MiB alone",
			     ram >> 10, (LINUX_RAM_SIZE - ONE_MIB) >> 10);
	check("start_info", ok, "%s", why);
	return ok;
}

/* ---- exercise 4 ---- */

static bool check_entry(char *why, size_t size)
{
	struct call c = { 0 };
	bool ok = harness_call("linux_vmcs_setup()", call_vmcs, &c, why, size);
	if (ok && c.ret)
		ok = why_not(why, size, "linux_vmcs_setup() returned %d (%s)", c.ret, hv_strerror(c.ret));
	u64 cs_ar = ok ? vmcs_read(GUEST_CS_AR_BYTES) : 0, ds_ar = ok ? vmcs_read(GUEST_DS_AR_BYTES) : 0;
	if (ok && vmcs_read(GUEST_RIP) != vm.entry)
		ok = why_not(why, size, "GUEST_RIP is %#lx, the PVH entry %#lx", vmcs_read(GUEST_RIP), vm.entry);
	else if (ok && vm.vcpu.regs.rbx != LINUX_START_INFO)
		ok = why_not(why, size, "RBX is %#lx: the PVH entry finds the start information's GPA there",
			     vm.vcpu.regs.rbx);
	else if (ok && ((vmcs_read(CR0_READ_SHADOW) & ~(u64)CR0_ET) != CR0_PE || vmcs_read(CR4_READ_SHADOW)))
		ok = why_not(why, size, "the guest reads CR0 %#lx and CR4 %#lx; the PVH entry has only CR0.PE set",
			     vmcs_read(CR0_READ_SHADOW), vmcs_read(CR4_READ_SHADOW));
	else if (ok && ((vmcs_read(GUEST_CR0) & (CR0_PE | CR0_PG)) != CR0_PE || vmcs_read(GUEST_IA32_EFER) ||
			(vmcs_read(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE)))
		ok = why_not(why, size, "GUEST_CR0 %#lx, GUEST_IA32_EFER %#lx, VM-entry controls %#lx: the guest must "
			     "start in protected mode, paging off, outside IA-32e mode", vmcs_read(GUEST_CR0),
			     vmcs_read(GUEST_IA32_EFER), vmcs_read(VM_ENTRY_CONTROLS));
	else if (ok && (vmcs_read(GUEST_CS_BASE) || vmcs_read(GUEST_CS_LIMIT) != 0xFFFFFFFF || !(cs_ar & VMX_AR_DB) ||
			(cs_ar & VMX_AR_L) || (cs_ar & 0x1A) != 0x1A || vmcs_read(GUEST_DS_BASE) ||
			vmcs_read(GUEST_DS_LIMIT) != 0xFFFFFFFF || (ds_ar & 0x1A) != 0x12))
		ok = why_not(why, size, "CS (base %#lx, limit %#lx, access rights %#lx) and DS (base %#lx, access "
			     "rights %#lx) must be flat 32-bit code and data segments", vmcs_read(GUEST_CS_BASE),
			     vmcs_read(GUEST_CS_LIMIT), cs_ar, vmcs_read(GUEST_DS_BASE), ds_ar);
	else if (ok && (vmcs_read(GUEST_RFLAGS) & (RFLAGS_IF | RFLAGS_TF | BIT(17))))
		ok = why_not(why, size, "RFLAGS is %#lx: the PVH entry has IF, TF and VM clear", vmcs_read(GUEST_RFLAGS));
	else if (ok && vmcs_check(false).violations)
		ok = why_not(why, size, "vmcs_check() finds a VM-entry rule broken (below)");
	if (!ok && c.ret == 0)
		vmcs_check(true);
	check("entry", ok, "%s", why);
	return ok;
}

/* ---- the run ---- */

/* The kernel command line: the run's nonce for /init, and quiet unless verbose (make linux). */
static void make_cmdline(bool verbose)
{
	ksnprintf(cmdline, sizeof(cmdline), "console=ttyS0 %smitigations=off nokaslr no_timer_check "
		  "tsc=reliable rodata=off cryptomgr.notests nosmp panic=-1 hvlabs.nonce=%lx",
		  verbose ? "" : "quiet ", harness_nonce());
}

/* The VM exits of the run, by reason (through kdiag() when stopped). */
static void print_exits(bool diag)
{
	const struct vmx_exit_stats *st = vmx_exit_stats();
	for (unsigned r = 0; r < VMX_STATS_REASONS; r++) {
		if (!st->exits[r])
			continue;
		if (diag)
			kdiag("  %6lu x %s", st->exits[r], vmx_exit_reason_name(r));
		else
			kprintf("linux:   %6lu x %s\n", st->exits[r], vmx_exit_reason_name(r));
	}
}

/* The /init line "hvlabs-init: <word> <proof>" of this run is in the console (the terminal ends lines with CR LF). */
static bool init_said(const char *word)
{
	char text[64], line[96];
	int n = ksnprintf(text, sizeof(text), "%lx %s\n", harness_nonce(), word);
	int len = ksnprintf(line, sizeof(line), "hvlabs-init: %s %08x", word, crc32(text, (size_t)n));
	for (const char *p = seen.console; (p = strstr(p, line)); p++)
		if (p[len] == '\r' || p[len] == '\n')
			return true;
	return false;
}

/* Prints the last lines of the guest's console and its exits: why a boot stopped. */
static void explain_stop(void)
{
	const struct vmx_exit_stats *st = vmx_exit_stats();
	size_t from = seen.len;
	for (int lines = 0; from > 0 && lines < 8; from--)
		if (seen.console[from - 1] == '\n' && from != seen.len)
			lines++;
	kdiag("the guest's last console lines:");
	for (const char *p = seen.console + from; *p;) {
		const char *nl = strstr(p, "\n");
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		kdiag("  | %.*s", n, p);
		p += n + (nl ? 1 : 0);
	}
	kdiag("%lu VM entries; exits by reason:", st->entries);
	print_exits(true);
}

/* Parses "hvlabs-init: ram A-B" lines: each inside the start information's RAM; returns the bytes they cover. */
static bool ram_lines_ok(u64 *total, char *why, size_t size)
{
	const struct hvm_start_info *si = linux_vm_ram(&vm, LINUX_START_INFO);
	const struct hvm_memmap_table_entry *e = linux_vm_ram(&vm, si->memmap_paddr);
	*total = 0;
	for (const char *p = seen.console; (p = strstr(p, "hvlabs-init: ram ")); ) {
		u64 a = 0, b = 0;
		p += 17;
		for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
			a = a * 16 + (u64)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		if (*p++ != '-')
			return why_not(why, size, "/init's RAM line does not parse");
		for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
			b = b * 16 + (u64)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		bool inside = false;
		for (u32 i = 0; i < si->memmap_entries; i++)
			if (e[i].type == HVM_MEMMAP_TYPE_RAM && a >= e[i].addr && b < e[i].addr + e[i].size)
				inside = true;
		if (!inside)
			return why_not(why, size, "Linux uses [%#lx, %#lx] as RAM, which the memory map does not give it",
				       a, b);
		*total += b + 1 - a;
	}
	return true;
}

void lab11_boot(struct prereq *p)
{
	static const char *const ids[] = { "load_refuse", "load", "memory", "start_info", "entry", "kernel",
					   "userspace", "cpu", "memory_seen", "isolation", "poweroff" };
	struct prereq_vm pvm;
	char why[300] = "";
	make_cmdline(false);
	if (!prereq_vm_new(&pvm, &p->caps, &guest_hello))
		return;
	int err = linux_vm_create(&vm, &p->caps, boot_info());
	if (err) {
		ksnprintf(why, sizeof(why), "the VM could not be prepared: %s (see above)", hv_strerror(err));
		fail_rest(ids, ARRAY_SIZE(ids), 0, why);
		return;
	}
	/* Exercises 1-3 are judged each on its own; the VMCS needs the EPT, the run needs everything. */
	check_load_refuse();
	char wl[240] = "", wm[240] = "", ws[240] = "", we[240] = "";
	bool ok_load = check_load(wl, sizeof(wl)), ok_mem = check_memory(wm, sizeof(wm));
	bool ok_si = check_start_info(ws, sizeof(ws)), ok_entry = false;
	if (ok_mem && (err = ept_vmcs_setup(&vm.ept, &p->caps, 1)))
		why_not(we, sizeof(we), "lab 8's ept_vmcs_setup() returned %d (%s)", err, hv_strerror(err));
	if (ok_mem && !err)
		ok_entry = check_entry(we, sizeof(we));
	else
		check("entry", false, "not run: %s", we[0] ? we : "the guest's memory is not mapped (check memory)");
	if (!ok_load || !ok_mem || !ok_si || !ok_entry) {
		ksnprintf(why, sizeof(why), "not run: the VM could not be built (%s)",
			  !ok_load ? wl : !ok_mem ? wm : !ok_si ? ws : we);
		fail_rest(ids, ARRAY_SIZE(ids), 5, why);
		linux_vm_destroy(&vm);
		return;
	}

	kprintf("linux: kernel entry %#lx, initramfs at GPA %#lx (%lu KiB), %llu MiB of RAM at HPA %#lx\n",
		vm.entry, vm.initrd, vm.initrd_size >> 10, LINUX_RAM_SIZE >> 20, vm.ram_hpa);
	vmx_exit_stats_reset();
	vmx_set_exit_hook(on_exit);
	vmx_set_entry_hook(on_entry);
	struct call c = { 0 };
	seen.start = rdtsc();
	bool ran = harness_call("linux_vm_run()", call_run, &c, why, sizeof(why));
	u64 end = rdtsc();
	vmx_set_exit_hook(NULL);
	vmx_set_entry_hook(NULL);
	const struct vmx_exit_stats *st = vmx_exit_stats();
	if (ran && c.ret)
		ksnprintf(why, sizeof(why), "the VM stopped: %s", hv_strerror(c.ret));
	bool clean = ran && !c.ret && vm.powered_off;
	kprintf("linux: the guest %s after %lu VM entries; %lu accesses outside its memory refused (the first at "
		"GPA %#lx)\n", clean ? "powered off" : why, st->entries, vm.refused, vm.refused_gpa);
	kprintf("linux: TSC ticks from VMLAUNCH: %lu M to /init's first line, %lu M to the end\n",
		seen.init_tsc ? (seen.init_tsc - seen.start) >> 20 : 0, (end - seen.start) >> 20);
	print_exits(false);
	if (!clean)
		explain_stop();

	const char *stopped = clean ? "" : why;
	check("kernel", seen.long_mode, "the guest never ran in 64-bit mode%s%s", stopped[0] ? ": " : "", stopped);
	check("userspace", init_said("userspace"), "no line from /init with this run's proof%s%s",
	      stopped[0] ? ": " : "", stopped);
	char cwhy[240] = "";
	bool ok = true;
	if (seen.leaf1_vmx || seen.leaf1_no_hv)
		ok = why_not(cwhy, sizeof(cwhy), "of the %lu answers to CPUID leaf 1 Linux got, %lu showed VMX (ECX bit "
			     "5) and %lu no hypervisor (ECX bit 31)", seen.leaf1, seen.leaf1_vmx, seen.leaf1_no_hv);
	else if (!init_said("hypervisor"))
		ok = why_not(cwhy, sizeof(cwhy), "%s", !strstr(seen.console, "hvlabs-init: userspace") ?
			     "/init did not run" : "Linux's /proc/cpuinfo has no hypervisor flag");
	else if (strstr(seen.console, "hvlabs-init: vmx\r"))
		ok = why_not(cwhy, sizeof(cwhy), "Linux's /proc/cpuinfo shows the vmx flag: VMX is not the guest's");
	check("cpu", ok, "%s", cwhy);
	u64 total = 0;
	char mwhy[200] = "";
	ok = strstr(seen.console, "hvlabs-init: ram ") && ram_lines_ok(&total, mwhy, sizeof(mwhy));
	if (ok && total < LINUX_RAM_SIZE / 2)
		ok = why_not(mwhy, sizeof(mwhy), "Linux found only %lu KiB of RAM", total >> 10);
	check("memory_seen", ok, "%s", mwhy[0] ? mwhy : "/init did not list Linux's RAM");
	char iwhy[240] = "";
	ok = true;
	if (!init_said("refused"))
		ok = why_not(iwhy, sizeof(iwhy), "/init's read of GPA %#llx was not refused%s", PROBE_GPA,
			     strstr(seen.console, "hvlabs-init: probe read") ? ": it returned data" : "");
	else if (!seen.probe || !vm.refused || (vm.refused_gpa & ~(PAGE_SIZE - 1)) != PROBE_GPA)
		ok = why_not(iwhy, sizeof(iwhy), "the hypervisor saw %lu EPT violations at GPA %#llx, and "
			     "vm->refused is %lu with the first at GPA %#lx", seen.probe, PROBE_GPA, vm.refused,
			     vm.refused_gpa);
	else if (ept_lookup(PROBE_GPA).size)
		ok = why_not(iwhy, sizeof(iwhy), "GPA %#llx is mapped after the run", PROBE_GPA);
	else
		ok = audit(iwhy, sizeof(iwhy));
	check("isolation", ok, "%s", iwhy);
	check("poweroff", clean && seen.slp_en, "%s", clean ? "the VM stopped without the guest's ACPI power-off" :
	      why);
	linux_vm_destroy(&vm);
}

/*
 * `make linux`: Linux's whole boot log (no quiet) under the stage's hypervisor, then
 * what the VM did. Nothing is graded: each of the student's steps only has to succeed.
 */
void lab11_demo(struct prereq *p)
{
	struct prereq_vm pvm;
	struct call c = { 0 };
	char why[240] = "";
	make_cmdline(true);
	kprintf("== lab 11, linux: Debian's kernel under this hypervisor\n");
	if (!prereq_vm_new(&pvm, &p->caps, &guest_hello))
		return;
	int err = linux_vm_create(&vm, &p->caps, boot_info());
	const struct vmx_caps *caps = &p->caps;
	c.elf = vm.kernel_module ? (const u8 *)vm.kernel_module->start : NULL;
	c.size = vm.kernel_module ? vm.kernel_module->end - vm.kernel_module->start : 0;
	const char *step = "linux_vm_create()";
	if (!err) {
		step = "linux_load_kernel()";
		if (harness_call(step, call_load, &c, why, sizeof(why)) && !(err = c.ret)) {
			step = "linux_map_memory()";
			if (harness_call(step, call_map, &c, why, sizeof(why)) && !(err = c.ret)) {
				step = "ept_vmcs_setup()";
				if (!(err = ept_vmcs_setup(&vm.ept, caps, 1))) {
					step = "linux_start_info()";
					if (harness_call(step, call_start_info, &c, why, sizeof(why)) && !(err = c.ret)) {
						step = "linux_vmcs_setup()";
						if (harness_call(step, call_vmcs, &c, why, sizeof(why)))
							err = c.ret;
					}
				}
			}
		}
	}
	if (err || why[0]) {
		kprintf("linux: %s failed: %s\n", step, why[0] ? why : hv_strerror(err));
		return;
	}
	kprintf("linux: kernel entry %#lx, initramfs at GPA %#lx (%lu KiB), %llu MiB of RAM at HPA %#lx; "
		"command line: %s\n", vm.entry, vm.initrd, vm.initrd_size >> 10, LINUX_RAM_SIZE >> 20,
		vm.ram_hpa, cmdline);
	vmx_exit_stats_reset();
	u64 start = rdtsc();
	bool ran = harness_call("linux_vm_run()", call_run, &c, why, sizeof(why));
	u64 ticks = rdtsc() - start;
	kprintf("linux: the guest %s after %lu VM entries and %lu M TSC ticks; %lu accesses outside its "
		"memory refused\n", !ran ? why : c.ret ? hv_strerror(c.ret) : vm.powered_off ? "powered off" :
		"stopped", vmx_exit_stats()->entries, ticks >> 20, vm.refused);
	print_exits(false);
	linux_vm_destroy(&vm);
}
