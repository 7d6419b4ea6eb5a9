/* The kernel's GDT and TSS: 64-bit code and data segments and a loaded task register. */
#ifndef HV_GDT_H
#define HV_GDT_H

#include "types.h"

#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

/* Interrupt-stack-table slots (SDM Vol. 3A, 7.14.5 "Interrupt Stack Table"). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

/* Loads the GDT, reloads every segment register and loads TR with the TSS. */
void gdt_init(void);

/* The TSS base address (VMX host state needs it: HOST_TR_BASE). */
u64 gdt_tss_base(void);

#endif
