/* SPDX-License-Identifier: MIT */
/*
 * kstrtox.c - the kernel's kstrto*() parsers and sysfs_streq(), as the
 * store functions of sysfs knobs use them: decimal numbers with an
 * optional sign where signed and one trailing newline, booleans as
 * kstrtobool() takes them. Errors: -EINVAL for a malformed value, -ERANGE
 * for one out of the type's range.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "core/kstrtox.h"

static int parse_decimal(const char *s, bool allow_minus, bool *neg, unsigned long long *v)
{
	unsigned long long r = 0;
	const char *p = s;

	*neg = false;
	if (*p == '+') {
		p++;
	} else if (*p == '-' && allow_minus) {
		*neg = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (r > (~0ULL - (*p - '0')) / 10)
			return -ERANGE;
		r = r * 10 + (*p - '0');
	}
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*v = r;
	return 0;
}

/**
 * kstrtoul() - parse an unsigned decimal long.
 * Context: any. Return: 0 with *@res set, -EINVAL or -ERANGE.
 */
int kstrtoul(const char *s, unsigned long *res)
{
	unsigned long long v;
	bool neg;
	int err = parse_decimal(s, false, &neg, &v);

	if (!err)
		*res = v;
	return err;
}

/**
 * kstrtouint() - parse an unsigned decimal int.
 * Context: any. Return: 0 with *@res set, -EINVAL or -ERANGE.
 */
int kstrtouint(const char *s, unsigned int *res)
{
	unsigned long v;
	int err = kstrtoul(s, &v);

	if (err)
		return err;
	if (v > UINT32_MAX)
		return -ERANGE;
	*res = v;
	return 0;
}

/**
 * kstrtoint() - parse a signed decimal int.
 * Context: any. Return: 0 with *@res set, -EINVAL or -ERANGE.
 */
int kstrtoint(const char *s, int *res)
{
	unsigned long long v;
	bool neg;
	int err = parse_decimal(s, true, &neg, &v);

	if (err)
		return err;
	if (v > (neg ? (unsigned long long)INT32_MAX + 1 : INT32_MAX))
		return -ERANGE;
	*res = neg ? -(long long)v : (long long)v;
	return 0;
}

/**
 * kstrtobool() - parse a boolean (1/0, y/n, t/f, on/off).
 * Context: any. Return: 0 with *@res set, or -EINVAL.
 */
int kstrtobool(const char *s, bool *res)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*res = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*res = false;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * sysfs_streq() - are @a and @b equal, ignoring one trailing newline on
 * either side?
 * Context: any. Return: true if they are.
 */
bool sysfs_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '\n')
		la--;
	if (lb && b[lb - 1] == '\n')
		lb--;
	return la == lb && !memcmp(a, b, la);
}
