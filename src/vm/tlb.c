/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - what stands for the TLB and for a TLB shootdown.
 *
 * A simulated CPU holds a translation only while it performs one access:
 * between tlb_access_begin() and tlb_access_end() it walks the page table,
 * then reads or writes the frame it found. So "no CPU may still use the
 * old translation" means "every access that may have read the old PTE has
 * finished", and flush_tlb_wait() waits for exactly that.
 *
 * Each thread that accesses memory has a sequence counter, odd while it is
 * inside an access. A writer clears or changes PTEs, then calls
 * flush_tlb_wait(), which snapshots each counter and waits for every odd
 * one to move on. The counter store that opens an access and the PTE load
 * that follows it are sequentially consistent, as are the writer's PTE
 * store and its counter loads, so either the access sees the new PTE or
 * the writer sees the access in flight and waits (a Dekker handshake).
 * The release store that closes an access and the writer's acquire load
 * order the access's frame reads and writes before whatever the writer
 * does next (copying the frame, freeing it).
 *
 * One flush covers any number of PTE changes, which is how migration will
 * batch its shootdowns; it costs one pass over the registered threads and
 * never waits for a thread that is not in an access.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "vm/mm.h"

struct mmu_cpu {
	unsigned long seq;		/* odd while inside an access */
	struct list_head node;		/* on mmu_cpus */
};

static LIST_HEAD(mmu_cpus);
static pthread_mutex_t mmu_cpus_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t mmu_cpu_key;
static pthread_once_t mmu_cpu_key_once = PTHREAD_ONCE_INIT;
static __thread struct mmu_cpu *this_mmu_cpu;
/* The thread's own counter: per-CPU state, which nothing can fail to allocate. */
static __thread struct mmu_cpu mmu_cpu_storage;

static void mmu_cpu_unregister(void *arg)
{
	struct mmu_cpu *cpu = arg;

	pthread_mutex_lock(&mmu_cpus_lock);
	list_del(&cpu->node);
	pthread_mutex_unlock(&mmu_cpus_lock);
}

static void mmu_cpu_key_create(void)
{
	pthread_key_create(&mmu_cpu_key, mmu_cpu_unregister);
}

static struct mmu_cpu *mmu_cpu_register(void)
{
	struct mmu_cpu *cpu = &mmu_cpu_storage;

	pthread_once(&mmu_cpu_key_once, mmu_cpu_key_create);
	pthread_setspecific(mmu_cpu_key, cpu);
	pthread_mutex_lock(&mmu_cpus_lock);
	list_add(&cpu->node, &mmu_cpus);
	pthread_mutex_unlock(&mmu_cpus_lock);
	this_mmu_cpu = cpu;
	return cpu;
}

/**
 * tlb_access_begin() - the calling thread starts one access through the
 * page tables (it may now hold a translation).
 * Context: a simulated CPU; must not sleep or take locks until
 * tlb_access_end().
 */
void tlb_access_begin(void)
{
	struct mmu_cpu *cpu = this_mmu_cpu ? this_mmu_cpu : mmu_cpu_register();

	__atomic_store_n(&cpu->seq, cpu->seq + 1, __ATOMIC_SEQ_CST);
}

/** tlb_access_end() - the access is over; its translation is forgotten. */
void tlb_access_end(void)
{
	__atomic_store_n(&this_mmu_cpu->seq, this_mmu_cpu->seq + 1, __ATOMIC_RELEASE);
}

/**
 * flush_tlb_wait() - wait until no access that started before this call is
 * still in flight, so no CPU can use a translation removed before it.
 * Context: any thread outside an access; may spin briefly, takes no lock
 * ranked in docs/locking.md (the registry lock is a leaf).
 */
void flush_tlb_wait(void)
{
	struct mmu_cpu *cpu;

	pthread_mutex_lock(&mmu_cpus_lock);
	list_for_each_entry(cpu, &mmu_cpus, node) {
		unsigned long seq = __atomic_load_n(&cpu->seq, __ATOMIC_SEQ_CST);

		if (cpu == this_mmu_cpu || !(seq & 1))
			continue;
		while (__atomic_load_n(&cpu->seq, __ATOMIC_ACQUIRE) == seq)
			sched_yield();
	}
	pthread_mutex_unlock(&mmu_cpus_lock);
}

/**
 * ptep_clear_flush() - clear a PTE and wait until no CPU can use it.
 * Context: the PTE lock held. Return: the old entry.
 */
pte_t ptep_clear_flush(pte_t *ptep)
{
	pte_t pte = ptep_get_and_clear(ptep);

	flush_tlb_wait();
	return pte;
}

/** tlb_gather_mmu() - start collecting unmapped pages. */
void tlb_gather_mmu(struct mmu_gather *tlb)
{
	tlb->nr = 0;
}

/**
 * tlb_flush_mmu() - wait for in-flight accesses, then drop the mapping
 * references of the gathered pages (which may free them).
 * Context: may hold PTE locks (the frees take lru, pcp and zone locks).
 */
void tlb_flush_mmu(struct mmu_gather *tlb)
{
	if (!tlb->nr)
		return;
	flush_tlb_wait();
	for (int i = 0; i < tlb->nr; i++)
		put_page(tlb->pages[i]);
	tlb->nr = 0;
}

/**
 * tlb_remove_page() - @page's mapping was removed; drop its reference
 * after the next flush.
 */
void tlb_remove_page(struct mmu_gather *tlb, struct page *page)
{
	tlb->pages[tlb->nr++] = page;
	if (tlb->nr == MMU_GATHER_BATCH)
		tlb_flush_mmu(tlb);
}

/** tlb_finish_mmu() - flush and release everything gathered. */
void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
}
