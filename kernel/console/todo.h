/* What a not-yet-written student function prints (the stubs that `make skel` generates call it). */
#ifndef HV_TODO_H
#define HV_TODO_H

#include "errno.h"

/* Prints "TODO(lab<lab>): <func>(): <what>" once per function and run. */
void todo(int lab, const char *func, const char *what);

#endif
