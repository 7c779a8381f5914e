/*
 * balloon.pml - a Promela model of pagelab's balloon protocol (the 2026
 * rules of src/balloon/balloon.c, docs/balloon.md): inflation, deflation,
 * isolation, migration and putback of balloon pages racing on a few
 * frames.
 *
 * The rules modelled: one balloon_pages_lock guards the device list, the
 * isolated count and page->private of every balloon page; inflation sets
 * page->private and deflation clears it under that lock; isolation reads
 * it under that lock and takes the page off the list; the page lock is not
 * part of the protocol (deflation never takes it), though the migration
 * core still trylocks it to isolate and locks it to migrate and put back.
 * The driver's balloon_lock serialises a fill or leak batch (and the
 * host's answer); migration only trylocks it.
 *
 * Checked: every assertion (a list_del of a page that is not listed, a
 * list_add of one that is, a migration or putback of an isolated page that
 * lost its device, a page freed to the guest while the balloon or the host
 * still has it), no invalid end state (nobody blocked for good), and at
 * the end no page lost or doubly owned: each frame is either free (no
 * reference, no device, not inflated at the host) or in the balloon (one
 * reference, listed, its device set, inflated at the host), and the
 * driver's count is the number listed.
 *
 * -DOLD_LOCKLESS_READ: isolation reads page->private before taking
 * balloon_pages_lock, as it did while the page lock still guarded
 * deflation. Without that page lock spin finds the counterexample: the
 * isolation reads the device, a deflation takes the page off the list and
 * frees its balloon reference, and the isolation takes it off the list a
 * second time.
 */

#define NPAGES	3
#define NONE	255
#define DEV	1

/* struct page, one per frame */
byte ref[NPAGES];	/* _refcount */
bool locked[NPAGES];	/* PG_locked */
bool movable[NPAGES];	/* PageOffline + PG_movable_ops: stick until freed */
bool isoflag[NPAGES];	/* PG_movable_ops_isolated */
byte priv[NPAGES];	/* page->private: DEV or 0 */
bool onlist[NPAGES];	/* on the device's page list (ghost of page->lru) */
bool host[NPAGES];	/* ghost: the host counts the frame inflated */

/* balloon_dev_info, under balloon_pages_lock */
byte nlisted;
byte isolated_pages;
byte num_pages;		/* the driver's count, under balloon_lock */

bool bpl;		/* balloon_pages_lock */
bool bl;		/* the driver's balloon_lock */

inline lock(l)		{ atomic { !l -> l = true } }
inline unlock(l)	{ assert(l); l = false }
inline trylock(l, ok)	{ atomic { if :: !l -> l = true; ok = true :: else -> ok = false fi } }

inline list_add(p)	{ assert(!onlist[p]); onlist[p] = true; nlisted++ }
inline list_del(p)	{ assert(onlist[p]); onlist[p] = false; nlisted-- }

inline host_inflate(p)	{ assert(!host[p]); host[p] = true }
inline host_deflate(p)	{ assert(host[p]); host[p] = false }

inline get_page_unless_zero(p, ok) {
	atomic { if :: ref[p] > 0 -> ref[p]++; ok = true :: else -> ok = false fi }
}

/* The last put frees the frame to the guest: nobody else may still have it. */
inline put_page(p) {
	atomic {
		assert(ref[p] > 0);
		ref[p]--;
		if
		:: ref[p] == 0 ->
			assert(!onlist[p] && priv[p] == 0 && !isoflag[p] && !locked[p]);
			assert(!host[p]);
			movable[p] = false
		:: else -> skip
		fi
	}
}

/* Any free frame, with one reference; NONE if memory is full. */
inline alloc_page(p) {
	atomic {
		if
		:: ref[0] == 0 -> p = 0
		:: ref[1] == 0 -> p = 1
		:: ref[2] == 0 -> p = 2
		:: else -> p = NONE
		fi;
		if :: p != NONE -> ref[p] = 1 :: else -> skip fi
	}
}

/* balloon_page_insert(). Context: balloon_pages_lock held. */
inline balloon_page_insert(p) {
	assert(bpl);
	movable[p] = true;
	priv[p] = DEV;
	list_add(p)
}

/* fill_balloon() of one page. */
proctype Inflater() {
	byte d;

	alloc_page(d);
	if
	:: d == NONE -> goto out
	:: else -> skip
	fi;
	lock(bl);
	lock(bpl);
	balloon_page_insert(d);
	unlock(bpl);
	num_pages++;
	host_inflate(d);
	unlock(bl);
out:	skip
}

/* leak_balloon() of one page: the host hears of it before it is freed. */
proctype Deflater() {
	byte p;

	lock(bl);
	lock(bpl);
	if
	:: onlist[0] -> p = 0
	:: onlist[1] -> p = 1
	:: onlist[2] -> p = 2
	:: else -> p = NONE
	fi;
	if
	:: p != NONE -> list_del(p); priv[p] = 0	/* balloon_page_finalize() */
	:: else -> skip
	fi;
	unlock(bpl);
	if
	:: p != NONE ->
		num_pages--;
		host_deflate(p);
		put_page(p)
	:: else -> skip
	fi;
	unlock(bl)
}

/*
 * Compaction's migrate scanner on one pfn: isolate_movable_ops_page(),
 * then migrate the page (balloon_page_migrate() through the driver) or
 * put it back.
 */
proctype Compactor() {
	byte p, d;
	bool ok, isolated;

	select(p : 0 .. NPAGES - 1);
	get_page_unless_zero(p, ok);
	if
	:: !ok -> goto done
	:: else -> skip
	fi;
	if
	:: !movable[p] -> put_page(p); goto done
	:: else -> skip
	fi;
	trylock(locked[p], ok);
	if
	:: !ok -> put_page(p); goto done
	:: else -> skip
	fi;
	if
	:: isoflag[p] -> unlock(locked[p]); put_page(p); goto done
	:: else -> skip
	fi;
	/* balloon_page_isolate() */
#ifdef OLD_LOCKLESS_READ
	if
	:: priv[p] == 0 -> isolated = false
	:: else ->
		lock(bpl);
		list_del(p);
		isolated_pages++;
		unlock(bpl);
		isolated = true
	fi;
#else
	lock(bpl);
	if
	:: priv[p] != 0 -> list_del(p); isolated_pages++; isolated = true
	:: else -> isolated = false
	fi;
	unlock(bpl);
#endif
	if
	:: !isolated -> unlock(locked[p]); put_page(p); goto done
	:: else -> skip
	fi;
	isoflag[p] = true;
	unlock(locked[p]);

	if
	:: true -> goto putback
	:: true -> skip
	fi;
	/* migrate_pages(): a target, both pages locked */
	alloc_page(d);
	if
	:: d == NONE -> goto putback
	:: else -> skip
	fi;
	lock(locked[p]);
	trylock(locked[d], ok);
	assert(ok);			/* nobody else can lock a fresh page */
	assert(priv[p] == DEV);		/* isolated pages cannot be deflated */
	/* virtballoon_migratepage(): trylock balloon_lock or -EAGAIN */
	trylock(bl, ok);
	if
	:: !ok ->
		unlock(locked[d]);
		put_page(d);
		unlock(locked[p]);
		goto putback
	:: else -> skip
	fi;
	host_inflate(d);
	host_deflate(p);
	unlock(bl);
	/* the core's list and counter work */
	lock(bpl);
	ref[d]++;			/* get_page(): the balloon's reference */
	balloon_page_insert(d);
	isolated_pages--;
	priv[p] = 0;			/* balloon_page_finalize() */
	unlock(bpl);
	put_page(p);			/* the balloon's reference */
	isoflag[p] = false;
	unlock(locked[d]);
	unlock(locked[p]);
	put_page(d);			/* migration's reference */
	put_page(p);			/* the isolation's: frees the old page */
	goto done;

putback:	/* putback_movable_ops_page() */
	lock(locked[p]);
	lock(bpl);
	assert(priv[p] == DEV);
	list_add(p);
	isolated_pages--;
	unlock(bpl);
	isoflag[p] = false;
	unlock(locked[p]);
	put_page(p);
done:	skip
}

init {
	byte i;

	/* Frame 0 starts in the balloon; frames 1 and 2 are free. */
	atomic {
		ref[0] = 1; movable[0] = true; priv[0] = DEV; onlist[0] = true;
		nlisted = 1; num_pages = 1; host[0] = true;
		run Inflater(); run Deflater(); run Compactor(); run Compactor()
	}
	_nr_pr == 1;
	assert(isolated_pages == 0 && nlisted == num_pages && !bpl && !bl);
	for (i : 0 .. NPAGES - 1) {
		if
		:: onlist[i] ->
			assert(ref[i] == 1 && priv[i] == DEV && host[i] && movable[i] &&
			       !isoflag[i] && !locked[i])
		:: else ->
			assert(ref[i] == 0 && priv[i] == 0 && !host[i] && !isoflag[i] &&
			       !locked[i])
		fi
	}
}
