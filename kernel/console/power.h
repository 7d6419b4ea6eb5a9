/* Ending the run: the emulator must exit at once, so that no run waits for a timeout. */
#ifndef HV_POWER_H
#define HV_POWER_H

#include "types.h"

/* Flushes COM1 and asks every supported emulator to exit; never returns. */
__noreturn void power_off(void);

#endif
