/* SPDX-License-Identifier: MIT */
/*
 * fault.c - fault injection as the layers above the machine see it: one
 * entry for every injection point, found by its Linux name, so that the
 * public API (pagelab_fault_set()) and the scenario language (`fault NAME
 * ATTR=VALUE`) reach the attributes without knowing which subsystem owns
 * them. The one point today is fail_page_alloc (alloc/fail_page_alloc.c).
 * docs/fault-injection.md lists the attributes.
 */
#include <string.h>
#include "machine/machine.h"

/* An injection point: its name and its attribute accessors. */
struct fault_point {
	const char *name;
	int (*set)(const char *attr, long value);
	int (*get)(const char *attr, long *value);
	int (*range)(const char *attr, long *min, long *max);
};

static const struct fault_point fault_points[] = {
	{ "fail_page_alloc", fail_page_alloc_set, fail_page_alloc_get,
	  fail_page_alloc_attr_range },
};

static const struct fault_point *fault_point_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fault_points); i++)
		if (!strcmp(name, fault_points[i].name))
			return &fault_points[i];
	return NULL;
}

/**
 * machine_fault_known() - is @point an injection point of this build?
 * Context: pure. Return: true if it is.
 */
bool machine_fault_known(const char *point)
{
	return fault_point_find(point) != NULL;
}

/**
 * machine_fault_attr_range() - the values attribute @attr of @point takes.
 * @min, @max: receive the inclusive range; an attribute of range 0..1 is a
 *	boolean.
 * Context: pure; needs no machine. Return: 0, or -ENOENT for an unknown
 * point or attribute.
 */
int machine_fault_attr_range(const char *point, const char *attr, long *min, long *max)
{
	const struct fault_point *fp = fault_point_find(point);

	return fp ? fp->range(attr, min, max) : -ENOENT;
}

/**
 * machine_fault_set() - write attribute @attr of @point, as its debugfs
 * file would be written. Every boot resets the attributes.
 * Context: any thread, while a machine is alive; lock-free.
 * Return: 0; -ENOENT for an unknown point or attribute; -EINVAL for a
 * value out of the attribute's range.
 */
int machine_fault_set(const char *point, const char *attr, long value)
{
	const struct fault_point *fp = fault_point_find(point);

	return fp ? fp->set(attr, value) : -ENOENT;
}

/**
 * machine_fault_get() - read attribute @attr of @point (times counts down
 * as failures are injected).
 * Context: any thread. Return: 0, or -ENOENT for an unknown point or
 * attribute.
 */
int machine_fault_get(const char *point, const char *attr, long *value)
{
	const struct fault_point *fp = fault_point_find(point);

	return fp ? fp->get(attr, value) : -ENOENT;
}
