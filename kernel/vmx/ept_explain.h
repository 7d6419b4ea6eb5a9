/* Plain words for an EPT misconfiguration (kernel/vmx/ept_explain.c). */
#ifndef HV_EPT_EXPLAIN_H
#define HV_EPT_EXPLAIN_H

#include "detect.h"
#include "ept.h"
#include "types.h"

/*
 * Explains an EPT misconfiguration at gpa in ept: prints the walk and names the
 * first entry that breaks a rule of SDM Vol. 3C, 29.3.3.1 "EPT Misconfigurations",
 * in plain words. Returns that entry's level (4 PML4E .. 1 PTE), or 0 if no entry
 * breaks a rule it knows.
 */
int ept_explain(const struct ept *ept, const struct vmx_caps *caps, u64 gpa);

#endif
