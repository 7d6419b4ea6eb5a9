/* Physical page frames: 4 KiB, 4 KiB-aligned, identity-mapped (virtual == physical). */
#ifndef HV_PAGE_H
#define HV_PAGE_H

#include "types.h"

/* Hands the RAM range [base, end) to the allocator (both rounded inwards to pages). */
void page_init(u64 base, u64 end);

/* Returns a zeroed page, or NULL when none is left. */
void *page_alloc(void);

/*
 * Returns n physically contiguous zeroed pages whose first address is aligned
 * to align bytes (a power of two, at least PAGE_SIZE), or NULL: e.g. the host
 * memory behind a 2 MiB EPT page. Each page is freed with page_free().
 */
void *page_alloc_contig(size_t n, u64 align);

/* Returns page p to the allocator; panics if p was not allocated. */
void page_free(void *p);

/*
 * While dry is true, page_alloc() returns NULL as if no page were left: the lab
 * harnesses use it to run students' code out of memory. Counts are unaffected.
 */
void page_set_dry(bool dry);

/* The first byte after the allocator's range: nothing the kernel allocates lies above it. */
u64 page_pool_end(void);

/* How many pages page_alloc() can still hand out (labs check it for leaks). */
size_t page_free_count(void);

/*
 * A function page_free() calls with the page, before it returns the page to the
 * allocator: a test driver watches what is freed, and when (NULL: none).
 */
typedef void page_free_hook_fn(void *page);

/* Installs hook (NULL: none) for the next calls of page_free(). */
void page_set_free_hook(page_free_hook_fn *hook);

#endif
