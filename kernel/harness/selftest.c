/*
 * Lab 0: the kernel's own tests (run by `make test`). They exercise the
 * facilities the lab harnesses rely on: fault catching, the page allocator,
 * printf and the command line.
 */
#include "cmdline.h"
#include "harness.h"
#include "page.h"
#include "printf.h"
#include "string.h"
#include "x86.h"

static void do_nothing(void *p)
{
	(void)p;
}

static void do_ud2(void *p)
{
	(void)p;
	__asm__ volatile("ud2");
}

static void do_bad_rdmsr(void *p)
{
	*(u64 *)p = rdmsr(0xDEAD0000);          /* no such MSR: #GP(0) */
}

static void do_unmapped_read(void *p)
{
	*(u64 *)p = *(volatile u64 *)0x80000000ULL;   /* above the 1 GiB identity map */
}

static void do_nested(void *p)
{
	struct fault inner;
	bool *ok = p;
	*ok = trap_catch(do_ud2, NULL, &inner) && inner.vector == VEC_UD;
	__asm__ volatile("ud2");                /* the outer catch must get this one */
}

static void check_faults(void)
{
	struct fault f;
	u64 sink = 0;
	bool inner_ok = false;

	bool ok = trap_catch(do_ud2, NULL, &f) && f.vector == VEC_UD;
	check("catch_ud", ok, "trap_catch() recovers from #UD", "vector %u", f.vector);

	ok = trap_catch(do_bad_rdmsr, &sink, &f) && f.vector == VEC_GP && f.error_code == 0;
	check("catch_gp", ok, "RDMSR of a missing MSR raises #GP(0) and is caught",
	      "vector %u error %#lx", f.vector, f.error_code);

	ok = trap_catch(do_unmapped_read, &sink, &f) && f.vector == VEC_PF &&
	     f.cr2 == 0x80000000ULL;
	check("catch_pf", ok, "a read above the identity map raises #PF with CR2 set",
	      "vector %u cr2 %#lx", f.vector, f.cr2);

	ok = trap_catch(do_nested, &inner_ok, &f) && f.vector == VEC_UD && inner_ok;
	check("catch_nested", ok, "trap_catch() nests", "outer vector %u, inner ok %d", f.vector,
	      inner_ok);

	ok = !trap_catch(do_nothing, NULL, &f);
	check("catch_none", ok, "trap_catch() returns false when nothing faults",
	      "it reported a fault");
}

static void check_pages(void)
{
	size_t before = page_free_count();
	u8 *a = page_alloc(), *b = page_alloc();
	bool ok = a && b && a != b && IS_ALIGNED(a, PAGE_SIZE) && IS_ALIGNED(b, PAGE_SIZE) &&
		  page_free_count() == before - 2;
	check("page_alloc", ok, "page_alloc() gives distinct 4 KiB-aligned pages",
	      "a %p b %p free %zu (was %zu)", a, b, page_free_count(), before);

	bool zero = true;
	if (a) {
		memset(a, 0x5A, PAGE_SIZE);
		page_free(a);
		u8 *c = page_alloc();
		for (size_t i = 0; c && i < PAGE_SIZE; i++)
			zero &= c[i] == 0;
		if (c)
			page_free(c);
	}
	check("page_zero", zero, "page_alloc() returns zeroed pages", "a reused page was not zeroed");
	if (b)
		page_free(b);
	check("page_count", page_free_count() == before, "page_free() restores the free count",
	      "free %zu, want %zu", page_free_count(), before);
}

static void check_printf(void)
{
	char buf[96];

	ksnprintf(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%x|%#x|%08lx|%s|%.2s|%c|%%|%u|%ld",
		  -42, 42, 42, -42, 0xbeefu, 0x1fu, 0xabcUL, "str", "abc", 'z', 3000000000u,
		  -9000000000L);
	const char *want = "-42|   42|42   |-0042|beef|0x1f|00000abc|str|ab|z|%|3000000000|-9000000000";
	check("printf", strcmp(buf, want) == 0, "ksnprintf() formats like printf", "got \"%s\"",
	      buf);

	int n = ksnprintf(buf, 4, "%s", "truncated");
	check("snprintf_trunc", n == 9 && strcmp(buf, "tru") == 0,
	      "ksnprintf() truncates and returns the full length", "n %d buf \"%s\"", n, buf);
}

static void check_cmdline(void)
{
	const char *cl = "lab=3 scenario=locked_off nonce=00c0ffee x=";
	char v[16];
	bool ok = cmdline_get(cl, "scenario", v, sizeof(v)) && strcmp(v, "locked_off") == 0 &&
		  cmdline_get_long(cl, "lab", -1) == 3 && !cmdline_get(cl, "nonc", v, sizeof(v)) &&
		  cmdline_get(cl, "x", v, sizeof(v)) && v[0] == '\0' &&
		  !cmdline_get(cl, "scenario", v, 4);
	check("cmdline", ok, "cmdline_get() finds whole keys only and respects the buffer size",
	      "mismatch");
}

static bool selftest_run(const char *scenario)
{
	if (strcmp(scenario, "default") != 0)
		return false;
	check_faults();
	check_pages();
	check_printf();
	check_cmdline();
	return true;
}

HARNESS(0, "selftest", selftest_run);
