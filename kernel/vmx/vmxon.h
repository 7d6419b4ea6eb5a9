/*
 * Lab 3 "VMXON": the interface of labs/03-vmxon/vmxon.c.
 * After vmx_enter_root() succeeds the processor is in VMX root operation.
 */
#ifndef HV_VMXON_H
#define HV_VMXON_H

#include "detect.h"
#include "types.h"
#include "vmx.h"

/*
 * Allocates a VMXON region that VMXON accepts on the processor caps describes
 * (SDM Vol. 3C, 25.11.5 "VMXON Region"): one page from page_alloc(). Returns NULL
 * when out of pages or when the region caps asks for does not fit one page.
 */
void *vmxon_region_alloc(const struct vmx_caps *caps);

/* Executes VMXON with the region at physical address pa and returns its outcome. */
enum vmx_status vmx_vmxon(u64 pa);

/*
 * Enters VMX root operation with a region of its own: stores the region in
 * *region and returns 0. Otherwise *region is untouched, nothing stays allocated,
 * and it returns -HV_EVMXFAIL when VMXON fails (VMfailInvalid or VMfailValid,
 * named on the console by vmx_report_failure()), -HV_EINVAL when the processor's
 * state would make VMXON raise an exception (then it does not execute VMXON), or
 * -HV_ENOMEM when out of pages.
 */
int vmx_enter_root(const struct vmx_caps *caps, void **region);

#endif
