/* The maintainers' lab 4 scenario "checker" (lab4_checker.c), run by lab4.c. */
#ifndef HV_LAB4_CHECKER_H
#define HV_LAB4_CHECKER_H

#include "detect.h"

/*
 * The reference VMCS checks clean, then single-field breakages of it are judged
 * by vmcs_check() and by a real VMLAUNCH, and the two verdicts must agree.
 */
void lab4_checker_run(const struct vmx_caps *caps);

#endif
