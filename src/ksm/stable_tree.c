/* SPDX-License-Identifier: MIT */
/*
 * stable_tree.c - KSM's stable tree (mm/ksm.c): the KSM pages sorted by
 * content, each stable node with the list of rmap_items that map its page;
 * the chains of "dups" that hold one content when more than
 * max_page_sharing virtual pages share it; the keyhole lookup of a node's
 * page; and taking an rmap_item out of whichever tree holds it.
 *
 * A stable node holds no reference on its page. ksm_get_folio() checks
 * that the page at node->kpfn still names the node in its mapping (the
 * "keyhole"); a page freed since no longer does (its mapping is cleared),
 * and the node, stale, is removed then. So the tree may hold stale nodes
 * until a lookup meets them: a chain's dups are all looked at only every
 * stable_node_chains_prune_millisecs.
 *
 * Counting: the first rmap_item on a node counts in pages_shared, every
 * further one in pages_sharing. Everything here runs under
 * ksm_thread_mutex; a node's rmap_item list changes under its page's lock.
 */
#include <stdlib.h>
#include "ksm/ksm_internal.h"

struct rb_root root_stable_tree;
struct rb_root root_unstable_tree;
unsigned long ksm_pages_shared;		/* stable nodes with an rmap_item */
unsigned long ksm_pages_sharing;	/* further rmap_items on them */
unsigned long ksm_pages_unshared;	/* rmap_items in the unstable tree */
unsigned long ksm_rmap_items;		/* every rmap_item */
unsigned long ksm_stable_node_chains;
unsigned long ksm_stable_node_dups;
int ksm_max_page_sharing;
unsigned int ksm_stable_node_chains_prune_millisecs;

static struct ksm_stable_node *alloc_stable_node(void)
{
	return calloc(1, sizeof(struct ksm_stable_node));
}

static void free_stable_node(struct ksm_stable_node *stable_node)
{
	VM_BUG_ON(stable_node->rmap_hlist_len && !is_stable_node_chain(stable_node));
	free(stable_node);
}

static void stable_node_chain_add_dup(struct ksm_stable_node *dup, struct ksm_stable_node *chain)
{
	VM_BUG_ON(dup->dup || !is_stable_node_chain(chain));
	dup->dup = true;
	hlist_add_head(&dup->hlist_dup, &chain->hlist);
	ksm_count(&ksm_stable_node_dups, 1);
}

static void __stable_node_dup_del(struct ksm_stable_node *dup)
{
	VM_BUG_ON(!dup->dup);
	hlist_del(&dup->hlist_dup);
	dup->dup = false;
	ksm_count(&ksm_stable_node_dups, -1);
}

/* Take a regular node or a dup out of the tree (a chain may be left empty). */
static void stable_node_dup_del(struct ksm_stable_node *dup)
{
	VM_BUG_ON(is_stable_node_chain(dup));
	if (dup->dup)
		__stable_node_dup_del(dup);
	else
		rb_erase(&dup->node, &root_stable_tree);
}

/* Make @dup, a regular node of the tree, the first dup of a new chain in its place. */
static struct ksm_stable_node *alloc_stable_node_chain(struct ksm_stable_node *dup)
{
	struct ksm_stable_node *chain = alloc_stable_node();

	VM_BUG_ON(is_stable_node_chain(dup));
	if (!chain)
		return NULL;
	INIT_HLIST_HEAD(&chain->hlist);
	chain->chain_prune_time = ksm_now_ms();
	chain->rmap_hlist_len = STABLE_NODE_CHAIN;
	ksm_count(&ksm_stable_node_chains, 1);
	rb_replace_node(&dup->node, &chain->node, &root_stable_tree);
	stable_node_chain_add_dup(dup, chain);
	return chain;
}

static void free_stable_node_chain(struct ksm_stable_node *chain)
{
	rb_erase(&chain->node, &root_stable_tree);
	free_stable_node(chain);
	ksm_count(&ksm_stable_node_chains, -1);
}

/*
 * Remove a node whose page is gone (or going): its rmap_items leave the
 * stable tree (their flags cleared, they stay on their mm's list), then
 * the node leaves the tree or its chain and is freed.
 */
static void remove_node_from_stable_tree(struct ksm_stable_node *stable_node)
{
	struct ksm_rmap_item *rmap_item;

	BUG_ON(stable_node->rmap_hlist_len < 0);
	hlist_for_each_entry(rmap_item, &stable_node->hlist, hlist) {
		if (rmap_item->hlist.next) {
			ksm_count(&ksm_pages_sharing, -1);
			trace_event("ksm_remove_rmap_item", "pfn %lu rmap_item %p mm %p",
				    stable_node->kpfn, (void *)rmap_item, (void *)rmap_item->mm);
		} else {
			ksm_count(&ksm_pages_shared, -1);
		}
		mm_count(&rmap_item->mm->ksm_merging_pages, -1);
		stable_node->rmap_hlist_len--;
		put_anon_vma(rmap_item->anon_vma);
		WRITE_ONCE(rmap_item->address, rmap_item->address & PAGE_MASK);
	}
	trace_event("ksm_remove_ksm_page", "pfn %lu", stable_node->kpfn);
	stable_node_dup_del(stable_node);
	free_stable_node(stable_node);
}

/**
 * ksm_get_folio() - the page of @stable_node, referenced (and locked with
 * @flags LOCK, or trylocked with TRYLOCK), if it is still that node's KSM
 * page; otherwise the stale node is removed from the stable tree. A page
 * under migration is followed to its new frame: the stable node's kpfn is
 * re-read whenever the page looks stale.
 * Context: ksm_thread_mutex held; LOCK may sleep on the page lock.
 * Return: the page, NULL (stale: @stable_node was freed), or
 * KSM_FOLIO_BUSY if TRYLOCK found the page locked.
 */
struct page *ksm_get_folio(struct ksm_stable_node *stable_node, enum ksm_get_folio_flags flags)
{
	unsigned long expected = (unsigned long)stable_node | FOLIO_MAPPING_KSM;
	unsigned long kpfn;
	struct page *page;

again:
	kpfn = __atomic_load_n(&stable_node->kpfn, __ATOMIC_ACQUIRE);
	page = pfn_to_page(kpfn);
	if (__atomic_load_n(&page->mapping, __ATOMIC_ACQUIRE) != expected ||
	    !get_page_unless_zero(page))
		goto stale;
	if (READ_ONCE(page->mapping) != expected) {
		put_page(page);
		goto stale;
	}
	if (flags == KSM_GET_FOLIO_TRYLOCK) {
		if (!trylock_page(page)) {
			put_page(page);
			return KSM_FOLIO_BUSY;
		}
	} else if (flags == KSM_GET_FOLIO_LOCK) {
		lock_page(page);
	}
	if (flags != KSM_GET_FOLIO_NOLOCK && READ_ONCE(page->mapping) != expected) {
		unlock_page(page);
		put_page(page);
		goto stale;
	}
	return page;
stale:
	/* Migration publishes the new kpfn before the old page goes stale. */
	if (__atomic_load_n(&stable_node->kpfn, __ATOMIC_ACQUIRE) != kpfn)
		goto again;
	remove_node_from_stable_tree(stable_node);
	return NULL;
}

/**
 * free_rmap_item() - free an rmap_item already out of both trees.
 * Context: ksm_thread_mutex held.
 */
void free_rmap_item(struct ksm_rmap_item *rmap_item)
{
	ksm_count(&ksm_rmap_items, -1);
	mm_count(&rmap_item->mm->ksm_rmap_items, -1);
	free(rmap_item);
}

/**
 * remove_rmap_item_from_tree() - take @rmap_item out of the stable tree
 * (off its node's list, under the node's page lock) or the unstable tree.
 * An unstable rmap_item left from the previous full scan is only
 * uncounted: the unstable tree it was in has been emptied since.
 * Context: ksm_thread_mutex held; takes the KSM page's lock; may sleep.
 */
void remove_rmap_item_from_tree(struct ksm_rmap_item *rmap_item)
{
	if (rmap_item->address & STABLE_FLAG) {
		struct ksm_stable_node *stable_node = rmap_item->head;
		struct page *page = ksm_get_folio(stable_node, KSM_GET_FOLIO_LOCK);

		if (!page)
			return;		/* the node went, with this item's flags */
		hlist_del(&rmap_item->hlist);
		unlock_page(page);
		put_page(page);
		if (!hlist_empty(&stable_node->hlist))
			ksm_count(&ksm_pages_sharing, -1);
		else
			ksm_count(&ksm_pages_shared, -1);
		mm_count(&rmap_item->mm->ksm_merging_pages, -1);
		VM_BUG_ON(stable_node->rmap_hlist_len <= 0);
		stable_node->rmap_hlist_len--;
		put_anon_vma(rmap_item->anon_vma);
		rmap_item->head = NULL;
		WRITE_ONCE(rmap_item->address, rmap_item->address & PAGE_MASK);
	} else if (rmap_item->address & UNSTABLE_FLAG) {
		unsigned char age = (unsigned char)(ksm_scan.seqnr - rmap_item->address);

		BUG_ON(age > 1);
		if (!age)
			rb_erase(&rmap_item->node, &root_unstable_tree);
		ksm_count(&ksm_pages_unshared, -1);
		rmap_item->address &= PAGE_MASK;
	}
}

/**
 * remove_trailing_rmap_items() - remove and free every rmap_item from
 * *@rmap_list to the end of its mm's list.
 * Context: ksm_thread_mutex held; may sleep.
 */
void remove_trailing_rmap_items(struct ksm_rmap_item **rmap_list)
{
	while (*rmap_list) {
		struct ksm_rmap_item *rmap_item = *rmap_list;

		*rmap_list = rmap_item->rmap_list;
		remove_rmap_item_from_tree(rmap_item);
		free_rmap_item(rmap_item);
	}
}

static bool __is_page_sharing_candidate(const struct ksm_stable_node *stable_node, int offset)
{
	VM_BUG_ON(stable_node->rmap_hlist_len < 0);
	/* A node nobody maps any more is not worth sharing: its page goes soon. */
	return stable_node->rmap_hlist_len &&
	       stable_node->rmap_hlist_len + offset < READ_ONCE(ksm_max_page_sharing);
}

/** is_page_sharing_candidate() - may one more rmap_item share @stable_node? */
bool is_page_sharing_candidate(const struct ksm_stable_node *stable_node)
{
	return __is_page_sharing_candidate(stable_node, 0);
}

/*
 * The dup of chain *@_stable_node to merge into: the live dup with the
 * most sharers that still has room, else any live dup (*@_stable_node_dup).
 * With @prune_stale_stable_nodes, at most every
 * stable_node_chains_prune_millisecs, every dup is looked at, so stale
 * ones are removed; otherwise the first dup with room ends the search. A
 * dup with room for one more is moved to the head of the chain; a chain
 * left with one dup collapses into that dup (*@_stable_node becomes it); a
 * chain left with none is freed.
 * Return: the chosen dup's page (referenced), or NULL (the chain is gone).
 */
static struct page *stable_node_dup(struct ksm_stable_node **_stable_node_dup,
				    struct ksm_stable_node **_stable_node,
				    bool prune_stale_stable_nodes)
{
	struct ksm_stable_node *dup, *found = NULL, *stable_node = *_stable_node;
	struct page *page, *tree_page = NULL;
	struct hlist_node *hlist_safe;
	unsigned long now = ksm_now_ms();
	int found_rmap_hlist_len = 0;

	if (!prune_stale_stable_nodes ||
	    now < stable_node->chain_prune_time + READ_ONCE(ksm_stable_node_chains_prune_millisecs))
		prune_stale_stable_nodes = false;
	else
		stable_node->chain_prune_time = now;

	hlist_for_each_entry_safe(dup, hlist_safe, &stable_node->hlist, hlist_dup) {
		page = ksm_get_folio(dup, KSM_GET_FOLIO_NOLOCK);
		if (!page)
			continue;
		if (!found || (is_page_sharing_candidate(dup) &&
			       (!is_page_sharing_candidate(found) ||
				dup->rmap_hlist_len > found_rmap_hlist_len))) {
			if (found)
				put_page(tree_page);
			found = dup;
			found_rmap_hlist_len = found->rmap_hlist_len;
			tree_page = page;
			if (!prune_stale_stable_nodes && is_page_sharing_candidate(found))
				break;
			continue;
		}
		put_page(page);
	}

	if (!found) {
		free_stable_node_chain(stable_node);
	} else if (hlist_is_singular_node(&found->hlist_dup, &stable_node->hlist)) {
		/* One dup left, below the limit: it replaces the chain. */
		rb_replace_node(&stable_node->node, &found->node, &root_stable_tree);
		found->dup = false;
		free_stable_node(stable_node);
		ksm_count(&ksm_stable_node_chains, -1);
		ksm_count(&ksm_stable_node_dups, -1);
		*_stable_node = found;
	} else if (stable_node->hlist.first != &found->hlist_dup &&
		   __is_page_sharing_candidate(found, 1)) {
		hlist_del(&found->hlist_dup);
		hlist_add_head(&found->hlist_dup, &stable_node->hlist);
	}
	*_stable_node_dup = found;
	return tree_page;
}

/*
 * The page to compare against at tree node *@_stable_node: its own page for
 * a regular node, a dup's for a chain (stable_node_dup()).
 * Return: the page (referenced), or NULL if the node turned out stale.
 */
static struct page *__stable_node_chain(struct ksm_stable_node **_stable_node_dup,
					struct ksm_stable_node **_stable_node,
					bool prune_stale_stable_nodes)
{
	struct ksm_stable_node *stable_node = *_stable_node;

	if (!is_stable_node_chain(stable_node)) {
		*_stable_node_dup = stable_node;
		return ksm_get_folio(stable_node, KSM_GET_FOLIO_NOLOCK);
	}
	return stable_node_dup(_stable_node_dup, _stable_node, prune_stale_stable_nodes);
}

/**
 * stable_tree_search() - the KSM page whose content equals @page's and
 * that may take one more sharer. A KSM page (forked, not yet known to this
 * rmap_item) is its own answer.
 * Context: ksm_thread_mutex held; may sleep.
 * Return: the KSM page, referenced; NULL if none; KSM_FOLIO_BUSY if the
 * page found is locked (perhaps being migrated): try again later.
 */
struct page *stable_tree_search(struct page *page)
{
	struct ksm_stable_node *stable_node, *stable_node_dup;
	struct rb_node **new, *parent;
	struct page *tree_page;
	int ret;

	if (page_stable_node(page)) {
		get_page(page);
		return page;
	}
again:
	new = &root_stable_tree.rb_node;
	parent = NULL;
	while (*new) {
		stable_node = rb_entry(*new, struct ksm_stable_node, node);
		tree_page = __stable_node_chain(&stable_node_dup, &stable_node, true);
		if (!tree_page)
			goto again;	/* a stale node left; the tree may be rebalanced */
		ret = memcmp_pages(page, tree_page);
		put_page(tree_page);
		parent = *new;
		if (ret < 0) {
			new = &parent->rb_left;
		} else if (ret > 0) {
			new = &parent->rb_right;
		} else {
			/* Every dup full: a new KSM page must come from the unstable tree. */
			if (!is_page_sharing_candidate(stable_node_dup))
				return NULL;
			/* Lock and unlock it so a migration of it sees our reference. */
			tree_page = ksm_get_folio(stable_node_dup, KSM_GET_FOLIO_TRYLOCK);
			if (tree_page == KSM_FOLIO_BUSY)
				return KSM_FOLIO_BUSY;
			if (!tree_page)
				goto again;
			unlock_page(tree_page);
			return tree_page;
		}
	}
	return NULL;
}

/**
 * stable_tree_insert() - a new stable node for @kpage, which has just
 * become a KSM page: in the tree where its content sorts, or, if a node of
 * equal content is there (every one of its dups full), as a new dup of
 * that node's chain (made a chain now if it was a regular node).
 * Context: ksm_thread_mutex and @kpage's lock held; may sleep.
 * Return: the new node (kpage's mapping names it), or NULL (no memory).
 */
struct ksm_stable_node *stable_tree_insert(struct page *kpage)
{
	struct ksm_stable_node *stable_node = NULL, *stable_node_dup;
	struct rb_node **new, *parent;
	struct page *tree_page;
	bool need_chain;
	int ret;

again:
	need_chain = false;
	parent = NULL;
	new = &root_stable_tree.rb_node;
	while (*new) {
		stable_node = rb_entry(*new, struct ksm_stable_node, node);
		tree_page = __stable_node_chain(&stable_node_dup, &stable_node, false);
		if (!tree_page)
			goto again;
		ret = memcmp_pages(kpage, tree_page);
		put_page(tree_page);
		parent = *new;
		if (ret < 0) {
			new = &parent->rb_left;
		} else if (ret > 0) {
			new = &parent->rb_right;
		} else {
			need_chain = true;
			break;
		}
	}

	stable_node_dup = alloc_stable_node();
	if (!stable_node_dup)
		return NULL;
	INIT_HLIST_HEAD(&stable_node_dup->hlist);
	stable_node_dup->kpfn = page_to_pfn(kpage);
	if (!need_chain) {
		rb_link_node(&stable_node_dup->node, parent, new);
		rb_insert_color(&stable_node_dup->node, &root_stable_tree);
	} else {
		if (!is_stable_node_chain(stable_node)) {
			stable_node = alloc_stable_node_chain(stable_node);
			if (!stable_node) {
				free_stable_node(stable_node_dup);
				return NULL;
			}
		}
		stable_node_chain_add_dup(stable_node_dup, stable_node);
	}
	folio_set_stable_node(kpage, stable_node_dup);
	return stable_node_dup;
}

/**
 * stable_tree_append() - @rmap_item now maps @stable_node's page: put it on
 * the node's list. Going over max_page_sharing is expected only for a KSM
 * page a fork shared (@max_page_sharing_bypass).
 * Context: ksm_thread_mutex and the node's page lock held.
 */
void stable_tree_append(struct ksm_rmap_item *rmap_item, struct ksm_stable_node *stable_node,
			bool max_page_sharing_bypass)
{
	BUG_ON(stable_node->rmap_hlist_len < 0);
	stable_node->rmap_hlist_len++;
	if (!max_page_sharing_bypass)
		WARN_ON_ONCE(stable_node->rmap_hlist_len > READ_ONCE(ksm_max_page_sharing));
	rmap_item->head = stable_node;
	WRITE_ONCE(rmap_item->address, rmap_item->address | STABLE_FLAG);
	hlist_add_head(&rmap_item->hlist, &stable_node->hlist);
	if (rmap_item->hlist.next)
		ksm_count(&ksm_pages_sharing, 1);
	else
		ksm_count(&ksm_pages_shared, 1);
	mm_count(&rmap_item->mm->ksm_merging_pages, 1);
}

/* Remove a node whose page nobody maps (sysfs knob changes); -EBUSY if mapped. */
static int remove_stable_node(struct ksm_stable_node *stable_node)
{
	struct page *page = ksm_get_folio(stable_node, KSM_GET_FOLIO_LOCK);
	int err = -EBUSY;

	if (!page)
		return 0;	/* it was stale, and is gone */
	if (!page_mapped(page)) {
		folio_set_stable_node(page, NULL);
		remove_node_from_stable_tree(stable_node);
		err = 0;
	}
	unlock_page(page);
	put_page(page);
	return err;
}

static int remove_stable_node_chain(struct ksm_stable_node *stable_node)
{
	struct ksm_stable_node *dup;
	struct hlist_node *hlist_safe;

	if (!is_stable_node_chain(stable_node))
		return remove_stable_node(stable_node);
	hlist_for_each_entry_safe(dup, hlist_safe, &stable_node->hlist, hlist_dup)
		if (remove_stable_node(dup))
			return -EBUSY;
	free_stable_node_chain(stable_node);
	return 0;
}

/**
 * remove_all_stable_nodes() - empty the stable tree of nodes whose pages
 * are no longer mapped (max_page_sharing and merge_across_nodes may only
 * change on an empty tree).
 * Context: ksm_thread_mutex held; may sleep.
 * Return: 0, or -EBUSY when a KSM page is still mapped.
 */
int remove_all_stable_nodes(void)
{
	while (root_stable_tree.rb_node) {
		struct ksm_stable_node *stable_node =
			rb_entry(root_stable_tree.rb_node, struct ksm_stable_node, node);

		if (remove_stable_node_chain(stable_node))
			return -EBUSY;
	}
	return 0;
}

/**
 * free_all_stable_nodes() - free every node without looking at pages.
 * Context: machine shutdown, no process left.
 */
void free_all_stable_nodes(void)
{
	struct rb_node *node;

	while ((node = root_stable_tree.rb_node)) {
		struct ksm_stable_node *stable_node = rb_entry(node, struct ksm_stable_node, node);
		struct ksm_stable_node *dup;
		struct hlist_node *hlist_safe;

		rb_erase(node, &root_stable_tree);
		if (is_stable_node_chain(stable_node))
			hlist_for_each_entry_safe(dup, hlist_safe, &stable_node->hlist, hlist_dup)
				free(dup);
		free(stable_node);
	}
}
