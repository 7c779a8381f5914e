/* SPDX-License-Identifier: MIT */
/*
 * soak.c - every subsystem at once, for as long as asked (`make soak`).
 *
 * A 256 MiB, 2-cpu machine whose RAM belongs to a separate `pagelab host`
 * process (the balloon's host device, over a Unix socket), with kcompactd
 * (proactive compaction on), ksmd, khugepaged (THPs enabled, a short
 * scan_sleep_millisecs) and the balloon worker running as threads. Rounds
 * of about a second each race these threads:
 *
 *   owners     (2) each runs its own processes: mmap regions (mergeable or
 *              not; 2 or 4 MiB MADV_HUGEPAGE ones, where THPs fault; 2 MiB
 *              hugetlb ones while the pool has a page), write runs of pages
 *              with one of a few contents (so KSM merges them) or with
 *              unique ones, read them back, dontneed (a PMD split when part
 *              of a THP), munmap, MADV_UNMERGEABLE, MADV_HUGEPAGE or
 *              MADV_NOHUGEPAGE on part of a region, split_huge_page() the
 *              THP at an address, fork (the child joins the same owner;
 *              huge PMDs and hugetlb pages shared), exit, flip the
 *              prctl-like KSM switch, move_pages();
 *   compactor  compact_node(), vm.drop_caches=2 (the deferred split
 *              shrinker) and vm.nr_hugepages (the pool grown and shrunk),
 *              now and then;
 *   operator   sets the balloon's target through the host's control socket,
 *              as `pagelab balloon set` does, anywhere up to 85% of memory:
 *              the worker inflates and deflates under everything else, and
 *              deflate-on-OOM runs when the owners run short;
 *   knobber    moves KSM's knobs and the THP knobs (enabled, defrag,
 *              khugepaged's max_ptes_none and scan_sleep_millisecs), and
 *              now and then unmerges everything.
 *
 * Between rounds the threads are joined, kcompactd and khugepaged are
 * stopped, ksmd is parked (run=0) and the balloon reaches its target; then
 * the invariant checker runs (every frame, every structure's validator,
 * KSM's trees, the balloon's list, compound pages and huge PMDs, the
 * hugetlb pool), every page of every process is read back and compared
 * with the model, and the host's inflated set must match the guest's
 * count with no message refused. At the end every process exits, the
 * balloon empties, the pool shrinks to 0, the deferred split queue is
 * drained, and free memory must be what it was at boot.
 *
 * Usage: soak [SECONDS] (default PAGELAB_SOAK_SECONDS, else 10), with the
 * path of the `pagelab` binary in PAGELAB_BIN. PAGELAB_STRESS_SEED fixes
 * each thread's choices (the interleaving is not reproducible). Exit
 * status 0 when every check held; a failure names the round and the seed.
 */
#include "lib/stress.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "compact/compaction.h"
#include "drivers/channel.h"
#include "drivers/virtio_balloon.h"
#include "ksm/ksm.h"
#include "machine/machine.h"
#include "migrate/migrate.h"
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"
#include "vm/mm.h"

#define SOAK_MEMORY		"256M"
#define SOAK_CPUS		2
#define NR_OWNERS		2
#define MAX_PROCS		6	/* per owner */
#define MAX_REGIONS		4
#define MAX_REGION_PAGES	256
#define MAX_RUN			16
#define NR_CONTENTS		4	/* 0 (zeroes) .. 3; above: unique */
#define CONTENT_UNKNOWN		0xffffffffu
#define BALLOON_MAX_PCT		85
#define MAX_POOL		8	/* vm.nr_hugepages at most */
#define WAIT_MS			60000
#define WORDS			(PAGE_SIZE / sizeof(uint64_t))

extern char **environ;

static unsigned long run_seed;
static double round_deadline;
static char host_socket[128];
static pid_t host_pid;		/* killed by die(): ctest waits for its output */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "soak (SEED=%#lx): ", run_seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (host_pid > 0)
		kill(host_pid, SIGKILL);
	exit(1);
}

/* A BUG() aborts the soak: the host goes with it, as in die(). */
static void abort_with_host(int sig)
{
	if (host_pid > 0)
		kill(host_pid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Content @c of a page: 0 is zeroes, 1..3 are shared contents, more unique. */
static void fill_content(uint64_t *buf, uint32_t c)
{
	uint64_t base = mix64(run_seed ^ (c * 0x9e3779b97f4a7c15ULL));

	for (size_t i = 0; i < WORDS; i++)
		buf[i] = c ? base ^ (i * 0xd6e8feb86659fd93ULL) : 0;
}

static long content_mismatch(const uint64_t *buf, uint32_t c)
{
	uint64_t base = mix64(run_seed ^ (c * 0x9e3779b97f4a7c15ULL));

	for (size_t i = 0; i < WORDS; i++)
		if (buf[i] != (c ? base ^ (i * 0xd6e8feb86659fd93ULL) : 0))
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* The model: an owner's processes, their regions, each page's content */

struct region {
	unsigned long addr, nr_pages;
	bool hugetlb;
	uint32_t *content;
};

struct proc {
	struct mm_struct *mm;
	int nr_regions;
	struct region regions[MAX_REGIONS];
};

struct counts {
	long writes, reads, mmaps, munmaps, forks, exits, dontneed, unmerge, prctl, moved;
	long thp_mmaps, hugetlb_mmaps, splits, thp_madvise, drop_caches, pool_resizes;
	long enomem, compactions, targets, knobs;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	uint64_t *buf;
	struct proc *procs[MAX_PROCS];
	int nr_procs;
	uint32_t next_unique;
	struct counts c;
	char error[512];
};

static bool __attribute__((format(printf, 2, 3))) worker_error(struct worker *w,
							       const char *fmt, ...)
{
	va_list ap;

	if (!w->error[0]) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	return false;
}

static unsigned long rand_below(struct worker *w, unsigned long n)
{
	return splitmix64(&w->rng) % n;
}

static struct proc *proc_new(struct mm_struct *mm)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		die("out of memory");
	p->mm = mm;
	return p;
}

static void proc_free(struct proc *p)
{
	for (int i = 0; i < p->nr_regions; i++)
		free(p->regions[i].content);
	free(p);
}

static struct region *pick_region(struct worker *w, struct proc *p)
{
	return p->nr_regions ? &p->regions[rand_below(w, p->nr_regions)] : NULL;
}

static void pick_run(struct worker *w, struct region *r, unsigned long *first, unsigned long *n)
{
	*first = rand_below(w, r->nr_pages);
	*n = 1 + rand_below(w, min((unsigned long)MAX_RUN, r->nr_pages - *first));
}

static bool check_page(struct worker *w, struct proc *p, struct region *r, unsigned long i)
{
	unsigned long addr = r->addr + i * PAGE_SIZE;
	int err;
	long bad;

	if (r->content[i] == CONTENT_UNKNOWN)
		return true;
	err = access_mm(p->mm, addr, w->buf, PAGE_SIZE, false);
	if (err == -ENOMEM && r->hugetlb && !r->content[i])
		return true;	/* faulted from the pool: maybe none is left */
	if (err)
		return worker_error(w, "mm %p: reading %#lx failed: %d", (void *)p->mm, addr, err);
	bad = content_mismatch(w->buf, r->content[i]);
	if (bad >= 0)
		return worker_error(w, "mm %p: page %#lx lost content %u at word %ld", (void *)p->mm,
				    addr, r->content[i], bad);
	return true;
}

static bool check_proc(struct worker *w, struct proc *p)
{
	for (int j = 0; j < p->nr_regions; j++)
		for (unsigned long k = 0; k < p->regions[j].nr_pages; k++)
			if (!check_page(w, p, &p->regions[j], k))
				return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* The owners' operations                                              */

static bool op_write(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	for (unsigned long i = first; i < first + n; i++) {
		uint32_t c = rand_below(w, 4) ? rand_below(w, NR_CONTENTS) :
			     NR_CONTENTS + w->id + SOAK_CPUS * w->next_unique++;
		int err;

		fill_content(w->buf, c);
		err = access_mm(p->mm, r->addr + i * PAGE_SIZE, w->buf, PAGE_SIZE, true);
		if (err == -ENOMEM) {
			/* hugetlb: the copy-on-write found no pool page, nothing written */
			if (!r->hugetlb)
				r->content[i] = CONTENT_UNKNOWN;
			w->c.enomem++;
			continue;
		}
		if (err)
			return worker_error(w, "writing %#lx failed: %d", r->addr + i * PAGE_SIZE,
					    err);
		r->content[i] = c;
		w->c.writes++;
	}
	return true;
}

static bool op_read(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	for (unsigned long i = first; i < first + n; i++, w->c.reads++)
		if (!check_page(w, p, r, i))
			return false;
	return true;
}

/* A small region, a THP one (2 or 4 MiB, MADV_HUGEPAGE) or a 2 MiB hugetlb one. */
static bool op_mmap(struct worker *w, struct proc *p)
{
	unsigned long kind = rand_below(w, 8), pages, addr;
	bool hugetlb = !kind, thp = kind == 1 || kind == 2;
	struct region *r;
	int err;

	if (p->nr_regions == MAX_REGIONS)
		return true;
	pages = hugetlb ? HPAGE_PMD_NR : thp ? HPAGE_PMD_NR * (1 + rand_below(w, 2)) :
		1 + rand_below(w, MAX_REGION_PAGES);
	err = hugetlb ? do_mmap_hugetlb(p->mm, pages * PAGE_SIZE, &addr)
		      : do_mmap(p->mm, pages * PAGE_SIZE, false, &addr);
	if (err)
		return err == -ENOMEM || worker_error(w, "mmap failed: %d", err);
	r = &p->regions[p->nr_regions++];
	*r = (struct region){ addr, pages, hugetlb, calloc(pages, sizeof(uint32_t)) };
	if (!r->content)
		die("out of memory");
	if (thp) {
		err = madvise_hugepage_range(p->mm, addr, pages * PAGE_SIZE, MADV_HUGEPAGE);
		if (err && err != -ENOMEM)
			return worker_error(w, "MADV_HUGEPAGE failed: %d", err);
	}
	if (!hugetlb && rand_below(w, 4)) {
		err = ksm_madvise_range(p->mm, addr, pages * PAGE_SIZE, MADV_MERGEABLE);
		if (err && err != -ENOMEM)
			return worker_error(w, "MADV_MERGEABLE failed: %d", err);
	}
	w->c.mmaps++;
	w->c.thp_mmaps += thp;
	w->c.hugetlb_mmaps += hugetlb;
	return true;
}

static bool op_munmap(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	int err;

	if (!r)
		return true;
	err = do_munmap(p->mm, r->addr, r->nr_pages * PAGE_SIZE);
	if (err)
		return worker_error(w, "munmap of %#lx failed: %d", r->addr, err);
	free(r->content);
	*r = p->regions[--p->nr_regions];
	w->c.munmaps++;
	return true;
}

static bool op_dontneed(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;
	int err;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	if (r->hugetlb) {		/* whole huge pages only */
		first = 0;
		n = r->nr_pages;
	}
	err = madvise_dontneed(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE);
	if (err)
		return worker_error(w, "MADV_DONTNEED failed: %d", err);
	memset(r->content + first, 0, n * sizeof(uint32_t));
	w->c.dontneed++;
	return true;
}

static bool op_unmerge(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	int err;

	if (!r)
		return true;
	err = ksm_madvise_range(p->mm, r->addr, r->nr_pages * PAGE_SIZE, MADV_UNMERGEABLE);
	if (err && err != -ENOMEM)
		return worker_error(w, "MADV_UNMERGEABLE failed: %d", err);
	w->c.unmerge++;
	for (unsigned long i = 0; i < r->nr_pages; i++)
		if (!check_page(w, p, r, i))
			return false;
	return true;
}

static bool op_fork(struct worker *w, struct proc *p)
{
	struct mm_struct *mm;
	struct proc *child;
	int err = 0;

	if (w->nr_procs == MAX_PROCS)
		return true;
	mm = dup_mm(p->mm, &err);
	if (!mm)
		return err == -ENOMEM || worker_error(w, "fork failed: %d", err);
	child = proc_new(mm);
	child->nr_regions = p->nr_regions;
	for (int i = 0; i < p->nr_regions; i++) {
		size_t bytes = p->regions[i].nr_pages * sizeof(uint32_t);

		child->regions[i] = p->regions[i];
		child->regions[i].content = malloc(bytes);
		if (!child->regions[i].content)
			die("out of memory");
		memcpy(child->regions[i].content, p->regions[i].content, bytes);
	}
	w->procs[w->nr_procs++] = child;
	w->c.forks++;
	return check_proc(w, child);
}

static void op_exit(struct worker *w, int i)
{
	struct proc *p = w->procs[i];

	if (w->nr_procs == 1)
		return;
	w->procs[i] = w->procs[--w->nr_procs];
	mmput(p->mm);
	proc_free(p);
	w->c.exits++;
}

static bool op_prctl(struct worker *w, struct proc *p)
{
	int on = ksm_prctl(p->mm, PR_GET_MEMORY_MERGE, 0, 0, 0, 0);
	int err = ksm_prctl(p->mm, PR_SET_MEMORY_MERGE, !on, 0, 0, 0);

	if (err && err != -ENOMEM)
		return worker_error(w, "PR_SET_MEMORY_MERGE %d failed: %d", !on, err);
	w->c.prctl++;
	return true;
}

static bool op_move(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	int status[MAX_RUN];
	unsigned long first, n;
	long moved;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	moved = move_pages_range(p->mm, r->addr + first * PAGE_SIZE, n, status);
	if (moved < 0 && moved != -ENOMEM)
		return worker_error(w, "move_pages failed: %ld", moved);
	w->c.moved += moved > 0 ? moved : 0;
	for (unsigned long i = first; i < first + n; i++)
		if (!check_page(w, p, r, i))
			return false;
	return true;
}

/*
 * split_huge_page() on the THP mapped at a random page of a region, with a
 * speculative reference on its head and its lock (trylock), as the
 * deferred split shrinker takes them; then the region is read back.
 */
static bool op_split(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long pfn;
	struct page *head;
	int err = -ENOENT;

	if (!r || follow_pfn(p->mm, r->addr + rand_below(w, r->nr_pages) * PAGE_SIZE, &pfn))
		return true;
	head = compound_head(pfn_to_page(pfn));
	if (!get_page_unless_zero(head))
		return true;
	if (PageHead(head) && !folio_test_hugetlb(head) && folio_order(head) == HPAGE_PMD_ORDER &&
	    PageAnon(head) && !is_huge_zero_folio(head) && trylock_page(head)) {
		err = PageHead(head) ? split_huge_page(head) : -ENOENT;
		unlock_page(head);
	}
	put_page(head);
	if (err && err != -ENOENT && err != -EAGAIN && err != -EBUSY)
		return worker_error(w, "split_huge_page() of pfn %#lx: %d", page_to_pfn(head), err);
	w->c.splits += !err;
	for (unsigned long i = 0; i < r->nr_pages; i++)
		if (!check_page(w, p, r, i))
			return false;
	return true;
}

/* MADV_HUGEPAGE or MADV_NOHUGEPAGE on part of a region: VMA splits, contents kept. */
static bool op_thp_madvise(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;
	int err;

	if (!r)
		return true;
	first = rand_below(w, r->nr_pages);
	n = 1 + rand_below(w, r->nr_pages - first);
	err = madvise_hugepage_range(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE,
				     rand_below(w, 2) ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (err && err != -ENOMEM)
		return worker_error(w, "MADV_(NO)HUGEPAGE failed: %d", err);
	w->c.thp_madvise++;
	return true;
}

static void *owner_fn(void *arg)
{
	struct worker *w = arg;

	cpu_bind_current(w->id % SOAK_CPUS);
	while (now() < round_deadline && !w->error[0]) {
		int i = rand_below(w, w->nr_procs);
		struct proc *p = w->procs[i];
		unsigned long op = rand_below(w, 100);
		bool ok = true;

		if (op < 35)
			ok = op_write(w, p);
		else if (op < 55)
			ok = op_read(w, p);
		else if (op < 62)
			ok = op_mmap(w, p);
		else if (op < 67)
			ok = op_dontneed(w, p);
		else if (op < 70)
			ok = op_munmap(w, p);
		else if (op < 74)
			ok = op_unmerge(w, p);
		else if (op < 78)
			ok = op_fork(w, p);
		else if (op < 81)
			op_exit(w, i);
		else if (op < 84)
			ok = op_prctl(w, p);
		else if (op < 94)
			ok = op_move(w, p);
		else if (op < 97)
			ok = op_split(w, p);
		else
			ok = op_thp_madvise(w, p);
		if (!ok)
			worker_error(w, "operation %lu failed", op);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The compactor, the balloon's operator and the KSM knobber           */

static void *compactor_fn(void *arg)
{
	struct worker *w = arg;

	cpu_bind_current(w->id % SOAK_CPUS);
	while (now() < round_deadline && !w->error[0]) {
		unsigned long op = rand_below(w, 4);
		int err = 0;

		if (op < 2) {
			compact_node(&contig_page_data, false);
			w->c.compactions++;
		} else if (op == 2) {
			err = machine_sysctl_set("vm.drop_caches", 2);
			w->c.drop_caches++;
		} else {
			err = machine_sysctl_set("vm.nr_hugepages", rand_below(w, MAX_POOL + 1));
			w->c.pool_resizes++;
		}
		if (err)
			worker_error(w, "sysctl %lu failed: %d", op, err);
		usleep(20000 + rand_below(w, 80000));
	}
	return NULL;
}

/* Ask the host, over its control socket, for a balloon of @bytes. */
static int balloon_operator_set(int ctl, uint64_t bytes)
{
	unsigned char payload[8], reply[8];
	int n;

	put_le64(payload, bytes);
	n = balloon_control_request(ctl, BALLOON_MSG_CTL_SET_TARGET, payload, sizeof(payload),
				    reply, sizeof(reply));
	return n < 0 ? n : 0;
}

static int operator_ctl = -1;
static uint64_t memory_bytes;

static void *operator_fn(void *arg)
{
	struct worker *w = arg;

	while (now() < round_deadline && !w->error[0]) {
		uint64_t pages = rand_below(w, memory_bytes / PAGE_SIZE * BALLOON_MAX_PCT / 100);
		int err = balloon_operator_set(operator_ctl, pages * PAGE_SIZE);

		if (err)
			worker_error(w, "setting the balloon's target to %lu pages: %d",
				     (unsigned long)pages, err);
		w->c.targets++;
		usleep(50000 + rand_below(w, 200000));
	}
	return NULL;
}

static void knob(struct worker *w, const char *name, const char *value)
{
	int err = ksm_knob_write(name, value);

	if (err && !(err == -ENOMEM && !strcmp(name, "run")))
		worker_error(w, "writing ksm %s=%s failed: %d", name, value, err);
	w->c.knobs++;
}

static void thp_knob(struct worker *w, const char *name, const char *const *values,
		     unsigned long nr)
{
	const char *value = values[rand_below(w, nr)];
	int err = thp_knob_write(name, value);

	if (err)
		worker_error(w, "writing transparent_hugepage/%s=%s failed: %d", name, value, err);
	w->c.knobs++;
}

static void *knobber_fn(void *arg)
{
	static const char *const scans[] = { "64", "256", "1024" };
	static const char *const enabled[] = { "always", "madvise" };
	static const char *const defrag[] = { "always", "defer", "defer+madvise", "madvise",
					      "never" };
	static const char *const none[] = { "511", "256", "64" };
	static const char *const sleep_ms[] = { "1", "10", "50" };
	struct worker *w = arg;

	while (now() < round_deadline && !w->error[0]) {
		usleep(20000 + rand_below(w, 50000));
		switch (rand_below(w, 12)) {
		case 0:
			knob(w, "use_zero_pages", rand_below(w, 2) ? "1" : "0");
			break;
		case 1:
			knob(w, "smart_scan", rand_below(w, 2) ? "1" : "0");
			break;
		case 2:
			knob(w, "pages_to_scan", scans[rand_below(w, 3)]);
			break;
		case 3:
			knob(w, "run", "2");
			knob(w, "run", "1");
			break;
		case 4:
			thp_knob(w, "enabled", enabled, ARRAY_SIZE(enabled));
			break;
		case 5:
			thp_knob(w, "defrag", defrag, ARRAY_SIZE(defrag));
			break;
		case 6:
			thp_knob(w, "khugepaged/max_ptes_none", none, ARRAY_SIZE(none));
			break;
		case 7:
			thp_knob(w, "khugepaged/scan_sleep_millisecs", sleep_ms, ARRAY_SIZE(sleep_ms));
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The host process                                                    */

static pid_t start_host(const char *dir)
{
	const char *bin = getenv("PAGELAB_BIN");
	char *argv[] = { (char *)bin, "host", "--memory", SOAK_MEMORY, "--socket", host_socket,
			 NULL };
	pid_t pid;

	if (!bin)
		die("PAGELAB_BIN must name the pagelab binary (for `pagelab host`)");
	snprintf(host_socket, sizeof(host_socket), "%s/sock", dir);
	if (posix_spawn(&pid, bin, NULL, NULL, argv, environ))
		die("cannot start %s host: %s", bin, strerror(errno));
	host_pid = pid;
	signal(SIGABRT, abort_with_host);
	for (int i = 0; i < 500 && access(host_socket, F_OK); i++)
		usleep(20000);
	if (access(host_socket, F_OK))
		die("the host did not come up");
	return pid;
}

static void stop_host(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		host_pid = 0;
		die("the host process ended badly (status %#x)", status);
	}
	host_pid = 0;
}

static void boot(void)
{
	struct machine_config cfg = { 0, SOAK_CPUS, 10, 9 };
	char msg[256];
	int err;

	/* The socket's file exists from bind(); connections are refused until listen(). */
	for (int i = 0; (err = balloon_connect(host_socket, msg, sizeof(msg))) == -ECONNREFUSED &&
			i < 500; i++)
		usleep(20000);
	if (!err)
		err = balloon_connect_machine_memory(&cfg.memory_bytes, false, msg, sizeof(msg));
	if (err)
		die("connecting to the host: %s", msg);
	err = machine_init(&cfg);
	if (err)
		die("boot failed: %d", err);
	memory_bytes = cfg.memory_bytes;
	operator_ctl = balloon_control_open(host_socket, msg, sizeof(msg));
	if (operator_ctl < 0)
		die("opening the host's control socket: %s", msg);
}

/* ------------------------------------------------------------------ */
/* Rounds                                                              */

static void quiesce(void)
{
	if (ksm_knob_write("run", "0"))		/* ksmd stops after its batch */
		die("ksm run=0 failed");
	kcompactd_stop(NODE_DATA(0));
	khugepaged_stop();
	if (virtio_balloon_wait(WAIT_MS))
		die("the balloon did not reach its target within %d ms", WAIT_MS);
	drain_all_pages(NULL);
}

static void resume(void)
{
	if (kcompactd_run(NODE_DATA(0), true) || khugepaged_run() || ksm_knob_write("run", "1"))
		die("restarting the daemons failed");
}

/* The host agrees with the guest: its set is the guest's balloon. */
static void check_host(unsigned int round)
{
	struct virtio_balloon_state st;
	struct balloon_info info;
	unsigned char wire[BALLOON_INFO_WIRE_SIZE];

	if (virtio_balloon_state(&st))
		die("round %u: no balloon state", round);
	if (balloon_control_request(operator_ctl, BALLOON_MSG_CTL_INFO, NULL, 0, wire,
				    sizeof(wire)) != BALLOON_INFO_WIRE_SIZE)
		die("round %u: CTL_INFO failed", round);
	balloon_info_decode(wire, &info);
	if (info.inflated_pages != st.actual_pages || info.rejected)
		die("round %u: the host holds %lu pages, the guest %lu; %u messages refused",
		    round, (unsigned long)info.inflated_pages, (unsigned long)st.actual_pages,
		    info.rejected);
}

static void check_round(struct worker *workers, unsigned int round)
{
	char msg[256];

	quiesce();
	if (check_invariants(msg, sizeof(msg)))
		die("round %u: invariant violated: %s", round, msg);
	for (int t = 0; t < NR_OWNERS; t++)
		for (int i = 0; i < workers[t].nr_procs; i++)
			if (!check_proc(&workers[t], workers[t].procs[i]))
				die("round %u: %s", round, workers[t].error);
	check_host(round);
	resume();
}

static void run_round(struct worker *workers, unsigned int nr, double seconds)
{
	static void *(*const fns[])(void *) = { owner_fn, owner_fn, compactor_fn, operator_fn,
						knobber_fn };

	round_deadline = now() + seconds;
	for (unsigned int t = 0; t < nr; t++)
		if (pthread_create(&workers[t].thread, NULL, fns[t], &workers[t]))
			die("pthread_create failed");
	for (unsigned int t = 0; t < nr; t++) {
		pthread_join(workers[t].thread, NULL);
		if (workers[t].error[0])
			die("thread %u: %s", t, workers[t].error);
	}
}

static void finish(struct worker *workers, unsigned int nr, long boot_free)
{
	char msg[256];

	for (int t = 0; t < NR_OWNERS; t++)
		while (workers[t].nr_procs) {
			struct proc *p = workers[t].procs[--workers[t].nr_procs];

			mmput(p->mm);
			proc_free(p);
		}
	if (balloon_operator_set(operator_ctl, 0))
		die("emptying the balloon failed");
	quiesce();
	if (machine_sysctl_set("vm.nr_hugepages", 0))
		die("emptying the hugetlb pool failed");
	drop_slab();
	drain_all_pages(NULL);
	if (check_invariants(msg, sizeof(msg)))
		die("at the end: invariant violated: %s", msg);
	if (deferred_split_count() || hugetlb_total_pages())
		die("at the end %lu THPs are on the deferred split queue, %lu pool pages left",
		    deferred_split_count(), hugetlb_total_pages());
	if (global_zone_page_state(NR_FREE_PAGES) != boot_free)
		die("at the end %ld pages are free, %ld were at boot",
		    global_zone_page_state(NR_FREE_PAGES), boot_free);
	for (unsigned int t = 0; t < nr; t++)
		free(workers[t].buf);
}

static void print_counts(const struct worker *workers, unsigned int nr, unsigned int rounds)
{
	struct counts s = { 0 };
	long full_scans = 0, migrated = 0, balloon_migrated = 0, thp_faults = 0, split_pmd = 0,
	     split_page = 0, thp_migrated = 0, pool_allocs = 0;

	for (unsigned int t = 0; t < nr; t++) {
		const long *a = (const long *)&workers[t].c;

		for (size_t i = 0; i < sizeof(s) / sizeof(long); i++)
			((long *)&s)[i] += a[i];
	}
	ksm_read("full_scans", &full_scans);
	vmstat_read("pgmigrate_success", &migrated);
	vmstat_read("balloon_migrate", &balloon_migrated);
	vmstat_read("thp_fault_alloc", &thp_faults);
	vmstat_read("thp_split_pmd", &split_pmd);
	vmstat_read("thp_split_page", &split_page);
	vmstat_read("thp_migration_success", &thp_migrated);
	vmstat_read("htlb_buddy_alloc_success", &pool_allocs);
	printf("soak: %u rounds: %ld pages written, %ld read, %ld mmap, %ld munmap, %ld fork, "
	       "%ld exit, %ld dontneed, %ld unmerge, %ld prctl, %ld moved by move_pages, "
	       "%ld -ENOMEM; %ld compactions, %ld balloon targets, %ld KSM knob writes; "
	       "full_scans %ld, pgmigrate_success %ld, balloon_migrate %ld\n",
	       rounds, s.writes, s.reads, s.mmaps, s.munmaps, s.forks, s.exits, s.dontneed,
	       s.unmerge, s.prctl, s.moved, s.enomem, s.compactions, s.targets, s.knobs,
	       full_scans, migrated, balloon_migrated);
	printf("soak: huge pages: %ld THP and %ld hugetlb mmaps, %ld split_huge_page, %ld "
	       "MADV_(NO)HUGEPAGE, %ld drop_caches, %ld nr_hugepages; thp_fault_alloc %ld, "
	       "thp_split_pmd %ld, thp_split_page %ld, khugepaged pages_collapsed %lu, "
	       "thp_migration_success %ld, htlb_buddy_alloc_success %ld\n",
	       s.thp_mmaps, s.hugetlb_mmaps, s.splits, s.thp_madvise, s.drop_caches,
	       s.pool_resizes, thp_faults, split_pmd, split_page,
	       __atomic_load_n(&khugepaged_pages_collapsed, __ATOMIC_RELAXED), thp_migrated,
	       pool_allocs);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : env_double("PAGELAB_SOAK_SECONDS", 10);
	struct worker workers[NR_OWNERS + 3] = { 0 };
	unsigned int nr = ARRAY_SIZE(workers), rounds = 0;
	char dir[] = "/tmp/pagelab-soak.XXXXXX";
	double end;
	long boot_free;
	pid_t host;

	run_seed = env_ulong("PAGELAB_STRESS_SEED", 0x50a4c0deUL);
	if (!mkdtemp(dir))
		die("mkdtemp: %s", strerror(errno));
	host = start_host(dir);
	boot();
	if (sysctl_compaction_proactiveness_set(50) || ksm_knob_write("max_page_sharing", "4") ||
	    ksm_knob_write("sleep_millisecs", "5") || ksm_knob_write("run", "1") ||
	    thp_knob_write("enabled", "madvise") ||	/* off at boot below 512 MiB */
	    thp_knob_write("khugepaged/pages_to_scan", "4096") ||
	    thp_knob_write("khugepaged/scan_sleep_millisecs", "10"))
		die("setting the knobs failed");
	drain_all_pages(NULL);
	boot_free = global_zone_page_state(NR_FREE_PAGES);
	for (unsigned int t = 0; t < nr; t++) {
		workers[t].id = t;
		workers[t].rng = mix64(run_seed + t);
		workers[t].buf = malloc(PAGE_SIZE);
		if (!workers[t].buf)
			die("out of memory");
	}
	for (int t = 0; t < NR_OWNERS; t++)
		workers[t].procs[workers[t].nr_procs++] = proc_new(mm_alloc());
	printf("soak: %.0f s, SEED=%#lx, memory %s from a separate host\n", seconds, run_seed,
	       SOAK_MEMORY);
	for (end = now() + seconds; now() < end || !rounds; ) {
		run_round(workers, nr, 1.0);
		check_round(workers, ++rounds);
	}
	print_counts(workers, nr, rounds);
	finish(workers, nr, boot_free);
	close(operator_ctl);
	machine_exit();
	balloon_disconnect();
	stop_host(host);
	unlink(host_socket);
	rmdir(dir);
	printf("soak: PASS\n");
	return 0;
}
