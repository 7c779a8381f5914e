/* SPDX-License-Identifier: MIT */
/* lockdep.h - test seam of the lock-order checker (see lockdep.c). */
#ifndef PAGELAB_LOCKDEP_H
#define PAGELAB_LOCKDEP_H

/* Called with a report of each violation; the default prints and aborts. */
extern void (*lockdep_violation_hook)(const char *msg);

#endif /* PAGELAB_LOCKDEP_H */
