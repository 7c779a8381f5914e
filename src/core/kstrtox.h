/* SPDX-License-Identifier: MIT */
/*
 * kstrtox.h - the kernel's parsers for values written to sysfs and procfs
 * files (kstrtoul(), kstrtouint(), kstrtoint(), kstrtobool(),
 * sysfs_streq()), shared by every subsystem that has knobs (KSM's
 * /sys/kernel/mm/ksm, THP's /sys/kernel/mm/transparent_hugepage).
 */
#ifndef PAGELAB_KSTRTOX_H
#define PAGELAB_KSTRTOX_H

#include <stdbool.h>

int kstrtoul(const char *s, unsigned long *res);
int kstrtouint(const char *s, unsigned int *res);
int kstrtoint(const char *s, int *res);
int kstrtobool(const char *s, bool *res);
bool sysfs_streq(const char *a, const char *b);

#endif /* PAGELAB_KSTRTOX_H */
