/* INVEPT and INVVPID (vmx.h), counted: the kernel's own record of what was invalidated. */
#include "vmx.h"

/* The EPTP bits that name an EPT: 51:12, its root's address (SDM Vol. 3C, 29.4.3.1). */
#define EPTP_ROOT_MASK 0x000FFFFFFFFFF000ULL

static u64 invept_all;                  /* all-context INVEPTs */
static struct {
	u64 root;                       /* EPTP bits 51:12 */
	u64 count;                      /* single-context INVEPTs of it */
} invept_single[16];                    /* the most recent roots, oldest replaced */
static unsigned invept_next;

enum vmx_status vmx_invept(u64 type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	bool cf, zf;
	__asm__ volatile("invept %[desc], %[type]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [desc] "m"(desc), [type] "r"(type) : "memory");
	enum vmx_status s = VMX_STATUS(cf, zf);
	if (s != VMX_SUCCEED)
		return s;
	if (type == VMX_EPT_EXTENT_GLOBAL) {
		invept_all++;
	} else if (type == VMX_EPT_EXTENT_CONTEXT) {
		u64 root = eptp & EPTP_ROOT_MASK;
		for (unsigned i = 0; i < ARRAY_SIZE(invept_single); i++) {
			if (invept_single[i].count && invept_single[i].root == root) {
				invept_single[i].count++;
				return s;
			}
		}
		invept_single[invept_next].root = root;
		invept_single[invept_next].count = 1;
		invept_next = (invept_next + 1) % ARRAY_SIZE(invept_single);
	}
	return s;
}

static u64 invvpid_all;                 /* all-context INVVPIDs */
static u64 invvpid_single[1 << 16];     /* single-context INVVPIDs, per VPID (also type 3) */

enum vmx_status vmx_invvpid(u64 type, u16 vpid, u64 gla)
{
	struct { u64 vpid, gla; } desc = { vpid, gla };
	bool cf, zf;
	__asm__ volatile("invvpid %[desc], %[type]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [desc] "m"(desc), [type] "r"(type) : "memory");
	enum vmx_status s = VMX_STATUS(cf, zf);
	if (s == VMX_SUCCEED && type == VMX_VPID_EXTENT_ALL_CONTEXT)
		invvpid_all++;
	else if (s == VMX_SUCCEED && type != VMX_VPID_EXTENT_INDIVIDUAL_ADDR)
		invvpid_single[vpid]++;
	return s;
}

u64 vmx_invvpid_count(u16 vpid)
{
	return invvpid_all + invvpid_single[vpid];
}

u64 vmx_invept_count(u64 eptp)
{
	u64 n = invept_all;
	for (unsigned i = 0; i < ARRAY_SIZE(invept_single); i++)
		if (invept_single[i].count && invept_single[i].root == (eptp & EPTP_ROOT_MASK))
			n += invept_single[i].count;
	return n;
}
