/*
 * The hypervisor the students write, one header per lab: each declares the
 * functions of that lab's student file, labs/NN-name/ (the reference is in
 * solutions/NN-name/). Everything else under kernel/ is given.
 */
#ifndef HV_LABS_H
#define HV_LABS_H

#include "detect.h"     /* lab 1, detect.c: vmx_basic_decode, vmx_detect */
#include "enable.h"     /* lab 2, enable.c: vmx_fix_cr, vmx_feature_control_enable, vmx_enable */
#include "vmxon.h"      /* lab 3, vmxon.c: vmxon_region_alloc, vmx_vmxon, vmx_enter_root */
#include "vmcs.h"       /* lab 4, vmcs.c: vmx_adjust_ctls, vmx_segment_ar, vmcs_load_new, vmcs_setup_host/guest/controls, vmcs_setup */
#include "launch.h"     /* lab 5, launch.c: vmx_exit_read, vmx_launch */
#include "exits.h"      /* lab 6, exits.c: vm_setup_exits, vmx_skip_instruction, vmx_inject_exception, vm_run */
#include "vmxoff.h"     /* lab 7, vmxoff.c: vmx_vmcs_release, vmx_leave_root, vmx_shutdown */
#include "ept.h"        /* lab 8, ept.c: ept_check_caps, ept_init/map/walk/protect/unmap/destroy, ept_vmcs_setup, ept_handle_violation, ept_dirty_log */
#include "realmode.h"   /* lab 9, realmode.c: rm_check_caps, rm_guest_state, rm_io_exit, rm_msr_exit, rm_vmcs_setup, rm_handle_io */
#include "schedule.h"   /* lab 10, schedule.c: sched_timer_init, sched_timer_value, sched_vmcs_setup, sched_inject, sched_redeliver, sched_run */
#include "linux.h"      /* lab 11, linux.c: linux_load_kernel, linux_map_memory, linux_start_info, linux_vmcs_setup, linux_handle_exit */
#include "shadow.h"     /* lab 12, shadow.c: shadow_check_caps, shadow_vmcs_init, shadow_bitmap_pass, shadow_setup, shadow_handle_exit, shadow_read */

#endif
