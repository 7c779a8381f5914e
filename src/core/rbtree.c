/* SPDX-License-Identifier: MIT */
/*
 * rbtree.c - red-black tree rebalancing (the textbook algorithm: insert
 * fix-up by recolouring and at most two rotations, erase by splicing out
 * the node or its successor and fixing a missing black), for the
 * interface of rbtree.h. Invariants, checked by rb_validate(): the root
 * is black, no red node has a red child, every path from a node down to
 * a missing child crosses the same number of black nodes, and every
 * child's parent pointer names its parent.
 */
#include "core/rbtree.h"

#define RB_RED		0UL
#define RB_BLACK	1UL

static inline bool rb_is_red(const struct rb_node *node)
{
	return node && !(node->__rb_parent_color & RB_BLACK);
}

static inline unsigned long rb_color(const struct rb_node *node)
{
	return node->__rb_parent_color & RB_BLACK;
}

static inline void rb_set_parent(struct rb_node *node, struct rb_node *parent)
{
	node->__rb_parent_color = (unsigned long)parent | rb_color(node);
}

static inline void rb_set_color(struct rb_node *node, unsigned long color)
{
	node->__rb_parent_color = (node->__rb_parent_color & ~RB_BLACK) | color;
}

/* Make @new take @old's place as a child of @parent (or as the root). */
static void rb_change_child(struct rb_node *old, struct rb_node *new,
			    struct rb_node *parent, struct rb_root *root)
{
	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

static void rb_rotate_left(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *right = node->rb_right, *parent = rb_parent(node);

	node->rb_right = right->rb_left;
	if (right->rb_left)
		rb_set_parent(right->rb_left, node);
	rb_set_parent(right, parent);
	rb_change_child(node, right, parent, root);
	right->rb_left = node;
	rb_set_parent(node, right);
}

static void rb_rotate_right(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *left = node->rb_left, *parent = rb_parent(node);

	node->rb_left = left->rb_right;
	if (left->rb_right)
		rb_set_parent(left->rb_right, node);
	rb_set_parent(left, parent);
	rb_change_child(node, left, parent, root);
	left->rb_right = node;
	rb_set_parent(node, left);
}

/**
 * rb_insert_color() - rebalance after rb_link_node() added @node.
 * Context: the caller's lock on the tree.
 */
void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *parent, *gparent, *uncle;

	while ((parent = rb_parent(node)) && rb_is_red(parent)) {
		gparent = rb_parent(parent);	/* a red node is never the root */
		if (parent == gparent->rb_left) {
			uncle = gparent->rb_right;
			if (rb_is_red(uncle)) {
				rb_set_color(uncle, RB_BLACK);
				rb_set_color(parent, RB_BLACK);
				rb_set_color(gparent, RB_RED);
				node = gparent;
				continue;
			}
			if (node == parent->rb_right) {
				rb_rotate_left(parent, root);
				parent = node;
			}
			rb_set_color(parent, RB_BLACK);
			rb_set_color(gparent, RB_RED);
			rb_rotate_right(gparent, root);
			break;	/* the subtree's new top is black */
		} else {
			uncle = gparent->rb_left;
			if (rb_is_red(uncle)) {
				rb_set_color(uncle, RB_BLACK);
				rb_set_color(parent, RB_BLACK);
				rb_set_color(gparent, RB_RED);
				node = gparent;
				continue;
			}
			if (node == parent->rb_left) {
				rb_rotate_right(parent, root);
				parent = node;
			}
			rb_set_color(parent, RB_BLACK);
			rb_set_color(gparent, RB_RED);
			rb_rotate_left(gparent, root);
			break;
		}
	}
	rb_set_color(root->rb_node, RB_BLACK);
}

/* Put @new (may be NULL) where @old hangs. */
static void rb_transplant(struct rb_node *old, struct rb_node *new, struct rb_root *root)
{
	struct rb_node *parent = rb_parent(old);

	rb_change_child(old, new, parent, root);
	if (new)
		rb_set_parent(new, parent);
}

/* One black is missing on the paths through @node (NULL: a missing child of @parent). */
static void rb_erase_fixup(struct rb_node *node, struct rb_node *parent, struct rb_root *root)
{
	struct rb_node *sibling;

	while (node != root->rb_node && !rb_is_red(node)) {
		if (node == parent->rb_left) {
			sibling = parent->rb_right;
			if (rb_is_red(sibling)) {
				rb_set_color(sibling, RB_BLACK);
				rb_set_color(parent, RB_RED);
				rb_rotate_left(parent, root);
				sibling = parent->rb_right;
			}
			if (!rb_is_red(sibling->rb_left) && !rb_is_red(sibling->rb_right)) {
				rb_set_color(sibling, RB_RED);
				node = parent;
				parent = rb_parent(node);
				continue;
			}
			if (!rb_is_red(sibling->rb_right)) {
				rb_set_color(sibling->rb_left, RB_BLACK);
				rb_set_color(sibling, RB_RED);
				rb_rotate_right(sibling, root);
				sibling = parent->rb_right;
			}
			rb_set_color(sibling, rb_color(parent));
			rb_set_color(parent, RB_BLACK);
			rb_set_color(sibling->rb_right, RB_BLACK);
			rb_rotate_left(parent, root);
		} else {
			sibling = parent->rb_left;
			if (rb_is_red(sibling)) {
				rb_set_color(sibling, RB_BLACK);
				rb_set_color(parent, RB_RED);
				rb_rotate_right(parent, root);
				sibling = parent->rb_left;
			}
			if (!rb_is_red(sibling->rb_left) && !rb_is_red(sibling->rb_right)) {
				rb_set_color(sibling, RB_RED);
				node = parent;
				parent = rb_parent(node);
				continue;
			}
			if (!rb_is_red(sibling->rb_left)) {
				rb_set_color(sibling->rb_right, RB_BLACK);
				rb_set_color(sibling, RB_RED);
				rb_rotate_left(sibling, root);
				sibling = parent->rb_left;
			}
			rb_set_color(sibling, rb_color(parent));
			rb_set_color(parent, RB_BLACK);
			rb_set_color(sibling->rb_left, RB_BLACK);
			rb_rotate_right(parent, root);
		}
		node = root->rb_node;
		break;
	}
	if (node)
		rb_set_color(node, RB_BLACK);
}

/**
 * rb_erase() - remove @node from the tree and rebalance.
 * Context: the caller's lock on the tree.
 */
void rb_erase(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *child, *parent, *next;
	unsigned long removed_color = rb_color(node);

	if (!node->rb_left || !node->rb_right) {
		child = node->rb_left ? node->rb_left : node->rb_right;
		parent = rb_parent(node);
		rb_transplant(node, child, root);
	} else {
		next = node->rb_right;
		while (next->rb_left)
			next = next->rb_left;
		removed_color = rb_color(next);
		child = next->rb_right;
		if (rb_parent(next) == node) {
			parent = next;
		} else {
			parent = rb_parent(next);
			rb_transplant(next, child, root);
			next->rb_right = node->rb_right;
			rb_set_parent(next->rb_right, next);
		}
		rb_transplant(node, next, root);
		next->rb_left = node->rb_left;
		rb_set_parent(next->rb_left, next);
		rb_set_color(next, rb_color(node));
	}
	if (removed_color == RB_BLACK)
		rb_erase_fixup(child, parent, root);
}

/**
 * rb_replace_node() - put @new where @victim is, without rebalancing (the
 * caller guarantees @new sorts where @victim did).
 */
void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root)
{
	struct rb_node *parent = rb_parent(victim);

	*new = *victim;
	if (victim->rb_left)
		rb_set_parent(victim->rb_left, new);
	if (victim->rb_right)
		rb_set_parent(victim->rb_right, new);
	rb_change_child(victim, new, parent, root);
}

/** rb_first() - the leftmost node, or NULL for an empty tree. */
struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *node = root->rb_node;

	if (!node)
		return NULL;
	while (node->rb_left)
		node = node->rb_left;
	return node;
}

/** rb_next() - the in-order successor of @node, or NULL. */
struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_right)
		node = parent;
	return parent;
}

/* Black height of the subtree at @node, or -1 if it breaks a rule. */
static int rb_check(const struct rb_node *node, const struct rb_node *parent)
{
	int left, right;

	if (!node)
		return 0;
	if (rb_parent(node) != parent || (rb_is_red(node) && rb_is_red(parent)))
		return -1;
	left = rb_check(node->rb_left, node);
	right = rb_check(node->rb_right, node);
	if (left < 0 || left != right)
		return -1;
	return left + !rb_is_red(node);
}

/**
 * rb_validate() - check the red-black rules and the parent pointers.
 * Context: the caller's lock on the tree. Return: the tree's black height,
 * or -1 if a rule is broken.
 */
int rb_validate(const struct rb_root *root)
{
	if (rb_is_red(root->rb_node))
		return -1;
	return rb_check(root->rb_node, NULL);
}
