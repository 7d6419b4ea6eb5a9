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
#include "vmx.h"
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

static void do_noncanonical_read(void *p)
{
	*(u64 *)p = *(volatile u64 *)0x8000000000000000ULL;    /* #GP(0) */
}

static void do_unmapped_read(void *p)
{
	*(u64 *)p = *(volatile u64 *)0x80000000ULL;   /* above the 1 GiB identity map */
}

static void do_vmptrst(void *p)
{
	vmx_vmptrst(p);
}

static void do_nested(void *p)
{
	struct fault inner;
	bool *ok = p;
	*ok = !trap_call(do_ud2, NULL, &inner) && inner.vector == VEC_UD;
	__asm__ volatile("ud2");                /* the outer catch must get this one */
}

/* Runs fn under trap_call() and checks that it raised vector (with error code and CR2 when given). */
static bool caught(void (*fn)(void *), void *arg, u8 vector, u64 error_code, u64 cr2)
{
	struct fault f;
	char desc[96];

	if (trap_call(fn, arg, &f)) {
		kprintf("  (no fault was raised)\n");
		return false;
	}
	trap_describe(&f, desc, sizeof(desc));
	kprintf("  (caught %s)\n", desc);
	return f.vector == vector && f.error_code == error_code && f.cr2 == cr2;
}

static void check_faults(void)
{
	struct fault f;
	u64 sink = 0;
	bool inner_ok = false;

	check("catch_ud", caught(do_ud2, NULL, VEC_UD, 0, 0), "see the line above");
	check("catch_gp", caught(do_noncanonical_read, &sink, VEC_GP, 0, 0), "see the line above");
	check("catch_pf", caught(do_unmapped_read, &sink, VEC_PF, 0, 0x80000000ULL),
	      "see the line above");
	check("catch_nested", caught(do_nested, &inner_ok, VEC_UD, 0, 0) && inner_ok,
	      "inner catch ok: %d", inner_ok);
	check("vmptrst_ud", caught(do_vmptrst, &sink, VEC_UD, 0, 0), "see the line above");
	check("catch_none", trap_call(do_nothing, NULL, &f), "it reported a fault");
}

static void check_pages(void)
{
	size_t before = page_free_count();
	u8 *a = page_alloc(), *b = page_alloc();
	bool ok = a && b && a != b && IS_ALIGNED(a, PAGE_SIZE) && IS_ALIGNED(b, PAGE_SIZE) &&
		  page_free_count() == before - 2;
	check("page_alloc", ok, "a %p b %p free %zu (was %zu)", a, b, page_free_count(), before);

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
	check("page_zero", zero, "a reused page was not zeroed");
	if (b)
		page_free(b);
	check("page_count", page_free_count() == before, "free %zu, want %zu", page_free_count(), before);
}

static void check_printf(void)
{
	char buf[96];

	ksnprintf(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%x|%#x|%#x|%08lx|%s|%.2s|%c|%%|%u|%ld",
		  -42, 42, 42, -42, 0xbeefu, 0x1fu, 0u, 0xabcUL, "str", "abc", 'z', 3000000000u,
		  -9000000000L);
	const char *want =
		"-42|   42|42   |-0042|beef|0x1f|0|00000abc|str|ab|z|%|3000000000|-9000000000";
	check("printf", strcmp(buf, want) == 0, "got \"%s\"", buf);

	int n = ksnprintf(buf, 4, "%s", "truncated");
	check("snprintf_trunc", n == 9 && strcmp(buf, "tru") == 0, "n %d buf \"%s\"", n, buf);
}

static void check_cmdline(void)
{
	const char *cl = "lab=3 scenario=locked_off nonce=00c0ffee x=";
	char v[16];
	bool ok = cmdline_get(cl, "scenario", v, sizeof(v)) && strcmp(v, "locked_off") == 0 &&
		  cmdline_get_long(cl, "lab", -1) == 3 && !cmdline_get(cl, "nonc", v, sizeof(v)) &&
		  cmdline_get(cl, "x", v, sizeof(v)) && v[0] == '\0' &&
		  !cmdline_get(cl, "scenario", v, 4);
	check("cmdline", ok, "mismatch");
}

void lab0_default(struct prereq *p)
{
	(void)p;
	check_faults();
	check_pages();
	check_printf();
	check_cmdline();
}

/*
 * Prints SCREEN_LINES numbered lines of varied lengths (some wrap, some have a tab), so
 * that the VGA mirror scrolls more rows than its 32 KiB buffer holds; the last ones, on
 * the final screen, are exactly one row wide, then a tab and a row and a half.
 */
#define SCREEN_LINES 240

void lab0_screen(struct prereq *p)
{
	(void)p;
	for (int i = 1; i <= SCREEN_LINES; i++)
		kprintf("screen line %3d of %d:%s%.*s\n", i, SCREEN_LINES, i % 60 == 0 ? "\t|" : " ",
			(i * 7) % 97, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	kprintf("%-80s\n", "screen: this line is exactly 80 characters wide");
	kprintf("screen:\ta tab, then %0120d\n", 0);
}
