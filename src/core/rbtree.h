/* SPDX-License-Identifier: MIT */
/*
 * rbtree.h - red-black trees with the kernel's <linux/rbtree.h> interface:
 * the caller walks the tree with its own comparison, links the new node
 * where the walk ended (rb_link_node), then rebalances (rb_insert_color).
 * KSM's stable and unstable trees are built this way, ordered by page
 * contents. Written for pagelab (core/rbtree.c); no locking of its own.
 *
 * A node's parent pointer and colour share one word, as in the kernel, so
 * a node is three words (KSM's rmap_item keeps the kernel's 64 bytes).
 */
#ifndef PAGELAB_RBTREE_H
#define PAGELAB_RBTREE_H

#include "core/compiler.h"

struct rb_node {
	unsigned long __rb_parent_color;	/* parent | colour (bit 0: 1 black) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_ROOT			((struct rb_root){ NULL })
#define rb_entry(ptr, type, member)	container_of(ptr, type, member)

static inline struct rb_node *rb_parent(const struct rb_node *node)
{
	return (struct rb_node *)(node->__rb_parent_color & ~3UL);
}

/* Link a new (red) @node as the child *@link of @parent. */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->__rb_parent_color = (unsigned long)parent;
	node->rb_left = node->rb_right = NULL;
	*link = node;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);
void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root);
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
int rb_validate(const struct rb_root *root);

#endif /* PAGELAB_RBTREE_H */
