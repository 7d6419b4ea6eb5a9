/* A bitmap page-frame allocator over one contiguous range: simple and leak-checkable. */
#include "page.h"
#include "panic.h"
#include "string.h"

#define POOL_MAX_PAGES 8192                     /* 32 MiB: more than any lab needs */

static u64 pool_base;
static size_t pool_pages;
static size_t free_pages;
static u8 used[POOL_MAX_PAGES / 8];             /* bit i set: page i is allocated */
static bool dry;                                /* page_alloc() fails (page_set_dry()) */
static page_free_hook_fn *free_hook;

void page_init(u64 base, u64 end)
{
	base = ALIGN_UP(base, PAGE_SIZE);
	end &= ~(PAGE_SIZE - 1);
	if (end <= base)
		panic("page_init: empty range [%#lx, %#lx)", base, end);
	pool_base = base;
	pool_pages = (end - base) / PAGE_SIZE;
	if (pool_pages > POOL_MAX_PAGES)
		pool_pages = POOL_MAX_PAGES;
	free_pages = pool_pages;
	memset(used, 0, sizeof(used));
}

u64 page_pool_end(void)
{
	return pool_base + pool_pages * PAGE_SIZE;
}

void *page_alloc(void)
{
	if (dry)
		return NULL;
	for (size_t i = 0; i < pool_pages; i++) {
		if (used[i / 8] & (1u << (i % 8)))
			continue;
		used[i / 8] |= (u8)(1u << (i % 8));
		free_pages--;
		void *p = (void *)(pool_base + i * PAGE_SIZE);
		memset(p, 0, PAGE_SIZE);
		return p;
	}
	return NULL;
}

void *page_alloc_contig(size_t n, u64 align)
{
	if (dry || !n)
		return NULL;
	for (size_t first = 0; first + n <= pool_pages; first++) {
		u64 a = pool_base + first * PAGE_SIZE;
		if (!IS_ALIGNED(a, align))
			continue;
		size_t i = 0;
		while (i < n && !(used[(first + i) / 8] & (1u << ((first + i) % 8))))
			i++;
		if (i < n)
			continue;
		for (i = first; i < first + n; i++)
			used[i / 8] |= (u8)(1u << (i % 8));
		free_pages -= n;
		memset((void *)a, 0, n * PAGE_SIZE);
		return (void *)a;
	}
	return NULL;
}

void page_free(void *p)
{
	u64 a = (u64)p;
	size_t i = (a - pool_base) / PAGE_SIZE;

	if (a < pool_base || i >= pool_pages || !IS_ALIGNED(a, PAGE_SIZE))
		panic("page_free(%p): not a page from page_alloc()", p);
	if (!(used[i / 8] & (1u << (i % 8))))
		panic("page_free(%p): page is already free", p);
	if (free_hook)
		free_hook(p);
	used[i / 8] &= (u8)~(1u << (i % 8));
	free_pages++;
}

void page_set_dry(bool d)
{
	dry = d;
}

size_t page_free_count(void)
{
	return free_pages;
}

void page_set_free_hook(page_free_hook_fn *hook)
{
	free_hook = hook;
}
