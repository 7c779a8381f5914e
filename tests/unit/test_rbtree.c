/* SPDX-License-Identifier: MIT */
/*
 * test_rbtree.c - the red-black tree (core/rbtree.c): random inserts and
 * erases, checked after each against the red-black rules, the in-order
 * sequence and a reference set; rb_replace_node keeps the shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "core/rbtree.h"
#include "lib/stress.h"

#define NR_KEYS 2000

struct item {
	struct rb_node node;
	unsigned long key;
	bool in;
};

static struct item items[NR_KEYS];

static void insert(struct rb_root *root, struct item *it)
{
	struct rb_node **new = &root->rb_node, *parent = NULL;

	while (*new) {
		parent = *new;
		new = it->key < rb_entry(parent, struct item, node)->key ? &parent->rb_left
									  : &parent->rb_right;
	}
	rb_link_node(&it->node, parent, new);
	rb_insert_color(&it->node, root);
	it->in = true;
}

/* The tree holds exactly the items marked in, in key order. */
static void check(const struct rb_root *root)
{
	unsigned long n = 0, want = 0, prev = 0;

	assert_true(rb_validate(root) >= 0);
	for (struct rb_node *rb = rb_first(root); rb; rb = rb_next(rb)) {
		struct item *it = rb_entry(rb, struct item, node);

		assert_true(it->in);
		assert_true(!n || it->key >= prev);
		prev = it->key;
		n++;
	}
	for (int i = 0; i < NR_KEYS; i++)
		want += items[i].in;
	assert_int_equal(n, want);
}

static void test_random_insert_erase(void **state)
{
	struct rb_root root = RB_ROOT;
	uint64_t rng = 42;

	for (int i = 0; i < NR_KEYS; i++)
		items[i] = (struct item){ .key = splitmix64(&rng) % 500 };
	for (int step = 0; step < 20000; step++) {
		struct item *it = &items[splitmix64(&rng) % NR_KEYS];

		if (it->in) {
			rb_erase(&it->node, &root);
			it->in = false;
		} else {
			insert(&root, it);
		}
		if (step % 97 == 0)
			check(&root);
	}
	check(&root);
	for (int i = 0; i < NR_KEYS; i++)
		if (items[i].in) {
			rb_erase(&items[i].node, &root);
			items[i].in = false;
		}
	assert_null(root.rb_node);
}

static void test_replace_node(void **state)
{
	struct rb_root root = RB_ROOT;
	struct item spare = { .key = 5 };

	for (int i = 0; i < 10; i++) {
		items[i] = (struct item){ .key = i };
		insert(&root, &items[i]);
	}
	rb_replace_node(&items[5].node, &spare.node, &root);
	items[5].in = false;
	spare.in = true;
	assert_true(rb_validate(&root) >= 0);
	for (struct rb_node *rb = rb_first(&root); rb; rb = rb_next(rb))
		assert_ptr_not_equal(rb, &items[5].node);
	rb_erase(&spare.node, &root);
	assert_true(rb_validate(&root) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_insert_erase),
		cmocka_unit_test(test_replace_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
