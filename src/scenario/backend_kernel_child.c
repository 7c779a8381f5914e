/* SPDX-License-Identifier: MIT */
/*
 * backend_kernel_child.c - the kernel backend's processes: every `process
 * P` of a scenario is a real child process, which runs the commands the
 * runner sends it and answers each. `P mmap` is a real anonymous mmap
 * (private or shared), touch, read and check write and read that memory
 * with the pattern generators of pattern.c, madvise is madvise(2), `P fork
 * C` a real fork of P, `P ksm merge=` prctl(PR_SET_MEMORY_MERGE), migrate
 * move_pages(2), munmap and exit the real ones.
 *
 * DOC: the protocol. The runner and each child share a SOCK_SEQPACKET
 * socket pair. A request (struct kreq) names a command of the script by
 * its index: the child was forked after the script was parsed and has its
 * own copy of it (and of the run's seed), so nothing else needs to travel.
 * The child runs it and answers with struct krep: a failure the script
 * must see (the same text the sim backend records), a check's differing
 * pages, a migrate's statuses, or, for fork, the new process's pid with
 * its socket passed along (SCM_RIGHTS). `P exit` gets no answer: the
 * runner waits for the end of file on the socket, which comes after the
 * child's memory is gone. A child that dies (the OOM killer, a signal) is
 * seen the same way, and its later commands fail.
 *
 * DOC: parents. In ->init, before any other thread exists, the runner
 * forks a zygote: a small single-threaded process that forks the children
 * of `process P` on request, and ignores SIGCHLD so that children that end
 * are reaped. The zygote dies with the runner's thread (PR_SET_PDEATHSIG),
 * and every child with the zygote: a `P fork C` is a clone with
 * CLONE_PARENT, so C's parent is the zygote too, and P's exit does not
 * take C with it. So no child outlives the runner, however it ends, even
 * by SIGKILL. A child closes every file descriptor but its socket and
 * stdio, and ignores SIGINT and SIGHUP (the runner's guard handles them
 * and then kills the zygote).
 *
 * DOC: what a region holds, as in the sim backend (sim_process.c): one
 * 32-bit descriptor per page, DESC_ZERO or the index + 1 of the touch
 * command that wrote it, from which check regenerates the contents. A
 * private region's descriptors are in the child's heap, so that fork
 * copies them as it copies the memory; a shared region's are in a shared
 * mapping with 16 process-shared stripe locks, under which each page and
 * its descriptor change together whichever process writes or checks.
 *
 * DOC: order. A child runs one command at a time. Commands on one process
 * run in their written order: each gets a ticket (its place among its
 * process's commands) at ->init, and waits for its turn; a fork is the
 * first command of the child it creates. Commands on different processes
 * run concurrently (`&`), each in its own child.
 *
 * Locks (runner side): kproc.lock (its turn, socket, pid and region
 * records) and kprocs.zygote_lock (one request to the zygote at a time)
 * are leaves; no socket I/O is done under kproc.lock, since a process's
 * commands are serialised by the turns.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scenario/kernel_internal.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#endif
#define MPOL_MF_MOVE		(1 << 1)
#define MPOL_MF_MOVE_ALL	(1 << 2)

#define PAGE			SCN_PAGE_SIZE
#define MEM_LOCKS		16
#define DESC_ZERO		0U
#define MIGRATE_CHUNK		512
#define NODES_MAX		64
#define FAIL_MAX		256
#define GONE_WAIT_MS		10000

enum kop { KOP_SPAWN, KOP_CMD, KOP_EXIT };

/* A request: to the zygote, KOP_SPAWN; to a child, a command of the script. */
struct kreq {
	uint32_t op;
	uint32_t cmd;		/* KOP_CMD: its index in the script */
};

/* An answer. */
struct krep {
	int32_t pid;		/* KOP_SPAWN, fork: the new process (its socket comes along) */
	uint64_t ndiff;		/* check: pages that differ */
	uint64_t pages[SCN_NR_MIGRATE_STATUS];	/* migrate: pages by status */
	char fail[FAIL_MAX];	/* a failure the script must see, or "" */
};

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static int send_msg(int fd, const void *buf, size_t len, int passfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (passfd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EPIPE;
}

/* Return: the bytes received (0 at end of file), or a negative errno. */
static ssize_t recv_msg(int fd, void *buf, size_t len, int *gotfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	if (gotfd)
		*gotfd = -1;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int passed;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&passed, CMSG_DATA(cm), sizeof(int));
		if (gotfd && *gotfd < 0)
			*gotfd = passed;
		else
			close(passed);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* The child's side                                                    */

/* A shared region's descriptors and their locks, in a shared mapping. */
struct cshared {
	pthread_mutex_t locks[MEM_LOCKS];
	uint32_t desc[];
};

/* A region mapped in the child. */
struct cregion {
	const char *name;	/* the script's */
	unsigned char *addr;
	uint64_t pages;
	uint32_t *desc;		/* a private region's own, or sh->desc */
	struct cshared *sh;	/* a shared region's, else NULL */
	struct cregion *next;
};

/* A child's state, in its own memory (fork copies it). */
struct cstate {
	const struct scn_run *run;	/* the runner's, as copied at the zygote's fork */
	pid_t zygote;
	int fd;				/* the socket to the runner */
	struct cregion *regions;
};

static void __attribute__((format(printf, 3, 4)))
cfail(struct krep *rep, const struct scn_cmd *cmd, const char *fmt, ...)
{
	bool region = cmd->verb != SCN_FORK && cmd->verb != SCN_KSM_MERGE;
	char reason[FAIL_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(rep->fail, sizeof(rep->fail), "%s failed: %s%s%s: %s", scn_verb_name(cmd->verb),
		 cmd->mm.proc, region ? "." : "", region ? cmd->mm.region : "", reason);
}

static struct cregion *cfind(struct cstate *cs, const char *name)
{
	for (struct cregion *r = cs->regions; r; r = r->next)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

static void clock_page(struct cregion *r, uint64_t i)
{
	if (r->sh)
		pthread_mutex_lock(&r->sh->locks[i % MEM_LOCKS]);
}

static void cunlock_page(struct cregion *r, uint64_t i)
{
	if (r->sh)
		pthread_mutex_unlock(&r->sh->locks[i % MEM_LOCKS]);
}

static struct scn_range crange(const struct scn_cmd *cmd, const struct cregion *r)
{
	struct scn_range range = cmd->mm.range;

	if (!range.given) {
		range.first = 0;
		range.last = r->pages - 1;
	}
	range.step = max(range.step, (uint64_t)1);
	return range;
}

static size_t shared_bytes(uint64_t pages)
{
	return sizeof(struct cshared) + pages * sizeof(uint32_t);
}

/* The descriptors of a new shared region, with their process-shared locks. */
static struct cshared *shared_create(uint64_t pages)
{
	struct cshared *sh = mmap(NULL, shared_bytes(pages), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t attr;

	if (sh == MAP_FAILED)
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	for (unsigned int i = 0; i < MEM_LOCKS; i++)
		pthread_mutex_init(&sh->locks[i], &attr);
	pthread_mutexattr_destroy(&attr);
	return sh;
}

static void cregion_free(struct cregion *r)
{
	if (r->sh)
		munmap(r->sh, shared_bytes(r->pages));
	else
		free(r->desc);
	free(r);
}

static void child_mmap(struct cstate *cs, const struct scn_cmd *cmd, struct krep *rep)
{
	size_t bytes = cmd->mm.pages * PAGE;
	struct cregion *r = calloc(1, sizeof(*r));
	int flags = (cmd->mm.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
		    (cmd->mm.hugetlb ? MAP_HUGETLB : 0);

	if (r) {
		r->pages = cmd->mm.pages;
		r->sh = cmd->mm.shared ? shared_create(r->pages) : NULL;
		r->desc = r->sh ? r->sh->desc : calloc(r->pages, sizeof(*r->desc));
	}
	if (!r || !r->desc) {
		free(r);
		cfail(rep, cmd, "out of memory");
		return;
	}
	r->addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (r->addr == MAP_FAILED) {
		/* The sim backend's words for a pool that cannot reserve the region. */
		cfail(rep, cmd, "%s", cmd->mm.hugetlb && errno == ENOMEM ?
		      "not enough free unreserved huge pages" : strerror(errno));
		cregion_free(r);
		return;
	}
	r->name = cmd->mm.region;
	r->next = cs->regions;
	cs->regions = r;
}

static void child_touch(struct cstate *cs, struct cregion *r, const struct scn_cmd *cmd)
{
	uint32_t desc = cmd - cs->run->script->cmds + 1;
	struct scn_range range = crange(cmd, r);
	struct scn_content c;

	scn_touch_content(cs->run, cmd, &c);
	for (unsigned long n = 0; n < cmd->mm.repeat; n++) {
		for (uint64_t i = range.first; i <= range.last; i += range.step) {
			clock_page(r, i);
			pattern_fill(r->addr + i * PAGE, &c.pat, c.seed, c.key, i);
			r->desc[i] = desc;
			cunlock_page(r, i);
		}
	}
}

static void child_read(struct cregion *r, const struct scn_cmd *cmd)
{
	struct scn_range range = crange(cmd, r);

	for (uint64_t i = range.first; i <= range.last; i += range.step)
		(void)*(volatile unsigned char *)(r->addr + i * PAGE);
}

/* Whether page @i holds what descriptor @desc says; @cache keeps the last touch's content. */
static bool cpage_matches(struct cstate *cs, const unsigned char *page, uint32_t desc,
			  uint64_t i, uint32_t *cached, struct scn_content *cache)
{
	static const struct pattern zero = { .kind = PATTERN_ZERO };

	if (desc == DESC_ZERO)
		return pattern_verify(page, &zero, 0, 0, i);
	if (desc != *cached) {
		scn_touch_content(cs->run, &cs->run->script->cmds[desc - 1], cache);
		*cached = desc;
	}
	return pattern_verify(page, &cache->pat, cache->seed, cache->key, i);
}

static void child_check(struct cstate *cs, struct cregion *r, struct krep *rep)
{
	struct scn_content cache;
	uint32_t cached = DESC_ZERO;

	for (uint64_t i = 0; i < r->pages; i++) {
		clock_page(r, i);
		if (!cpage_matches(cs, r->addr + i * PAGE, r->desc[i], i, &cached, &cache))
			rep->ndiff++;
		cunlock_page(r, i);
	}
}

static void child_madvise(struct cregion *r, const struct scn_cmd *cmd, struct krep *rep)
{
	static const int advice[] = { [SCN_MERGEABLE] = MADV_MERGEABLE,
				      [SCN_UNMERGEABLE] = MADV_UNMERGEABLE,
				      [SCN_DONTNEED] = MADV_DONTNEED,
				      [SCN_HUGEPAGE] = MADV_HUGEPAGE,
				      [SCN_NOHUGEPAGE] = MADV_NOHUGEPAGE };
	struct scn_range range = crange(cmd, r);
	/* One call for the range, or one per page of a strided range. */
	uint64_t n = range.step > 1 ? 1 : range.last - range.first + 1;

	for (uint64_t i = range.first; i <= range.last; i += max(range.step, n)) {
		if (madvise(r->addr + i * PAGE, n * PAGE, advice[cmd->mm.advice])) {
			cfail(rep, cmd, "%s", strerror(errno));
			return;
		}
		if (cmd->mm.advice == SCN_DONTNEED && !r->sh)	/* a private region's pages are zeros */
			memset(&r->desc[i], 0, n * sizeof(*r->desc));
	}
}

static enum scn_migrate_status cmigrate_status(int status, int target)
{
	if (status == target)
		return SCN_MIGRATE_MOVED;
	switch (status) {
	case -EFAULT:
		return SCN_MIGRATE_EFAULT;
	case -ENOENT:
		return SCN_MIGRATE_ENOENT;
	case -ENOMEM:
		return SCN_MIGRATE_ENOMEM;
	default:
		return SCN_MIGRATE_EBUSY;	/* EBUSY, EACCES, or left on its node */
	}
}

/*
 * move_pages(2) on @n pages from @first, @step apart: each present page to
 * the next online node after its own. Only reached with two nodes or more
 * (the backend refuses migrate on one node at parse time).
 */
static long cmigrate_chunk(struct cregion *r, uint64_t first, uint64_t step, unsigned long n,
			   const int *ids, int nnodes, uint64_t *pages)
{
	int flags = geteuid() ? MPOL_MF_MOVE : MPOL_MF_MOVE_ALL;
	int nodes[MIGRATE_CHUNK], status[MIGRATE_CHUNK];
	void *addr[MIGRATE_CHUNK];
	long ret;

	for (unsigned long i = 0; i < n; i++)
		addr[i] = r->addr + (first + i * step) * PAGE;
	ret = syscall(SYS_move_pages, 0, n, addr, NULL, status, 0);
	for (unsigned long i = 0; !ret && i < n; i++) {
		int k = 0;

		while (k < nnodes && ids[k] != status[i])
			k++;
		nodes[i] = ids[(k + 1) % nnodes];
	}
	if (!ret)
		ret = syscall(SYS_move_pages, 0, n, addr, nodes, status, flags);
	if (ret < 0)
		return -errno;
	for (unsigned long i = 0; i < n; i++)
		pages[cmigrate_status(status[i], nodes[i])]++;
	return 0;
}

static void child_migrate(struct cregion *r, const struct scn_cmd *cmd, struct krep *rep)
{
	struct scn_range range = crange(cmd, r);
	int ids[NODES_MAX], nnodes = kstat_nodes(ids, NODES_MAX);

	for (uint64_t i = range.first; i <= range.last; i += MIGRATE_CHUNK * range.step) {
		unsigned long n = min((uint64_t)MIGRATE_CHUNK, (range.last - i) / range.step + 1);
		long err = cmigrate_chunk(r, i, range.step, n, ids, nnodes, rep->pages);

		if (err) {
			cfail(rep, cmd, "%s", strerror(-err));
			return;
		}
	}
}

static void child_munmap(struct cstate *cs, struct cregion *r, const struct scn_cmd *cmd,
			 struct krep *rep)
{
	struct cregion **pp;

	if (munmap(r->addr, r->pages * PAGE)) {
		cfail(rep, cmd, "%s", strerror(errno));
		return;
	}
	for (pp = &cs->regions; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	cregion_free(r);
}

static pid_t child_start(struct cstate *cs, unsigned long flags, int *rfd);

static void child_region_cmd(struct cstate *cs, const struct scn_cmd *cmd, struct krep *rep)
{
	struct cregion *r = cfind(cs, cmd->mm.region);

	if (!r)
		cfail(rep, cmd, "not mapped (its mmap failed)");
	else if (cmd->verb == SCN_TOUCH)
		child_touch(cs, r, cmd);
	else if (cmd->verb == SCN_READ)
		child_read(r, cmd);
	else if (cmd->verb == SCN_CHECK)
		child_check(cs, r, rep);
	else if (cmd->verb == SCN_MADVISE)
		child_madvise(r, cmd, rep);
	else if (cmd->verb == SCN_MIGRATE)
		child_migrate(r, cmd, rep);
	else
		child_munmap(cs, r, cmd, rep);
}

/* Run one command of the script; *@passfd gets a new child's socket. */
static void child_cmd(struct cstate *cs, const struct scn_cmd *cmd, struct krep *rep,
		      int *passfd)
{
	pid_t pid;

	switch (cmd->verb) {
	case SCN_MMAP:
		child_mmap(cs, cmd, rep);
		break;
	case SCN_FORK:
		pid = child_start(cs, CLONE_PARENT, passfd);
		if (pid < 0)
			cfail(rep, cmd, "%s (%s was not created)", strerror(-pid), cmd->mm.child);
		rep->pid = pid;
		break;
	case SCN_KSM_MERGE:
		if (prctl(PR_SET_MEMORY_MERGE, cmd->mm.merge, 0, 0, 0))
			cfail(rep, cmd, "prctl(PR_SET_MEMORY_MERGE, %d): %s", cmd->mm.merge,
			      strerror(errno));
		break;
	default:
		child_region_cmd(cs, cmd, rep);
		break;
	}
}

/* Answer requests until the runner says exit or goes away. */
static void __attribute__((noreturn)) child_serve(struct cstate *cs)
{
	for (;;) {
		struct krep rep = { 0 };
		struct kreq req;
		int passfd = -1;

		if (recv_msg(cs->fd, &req, sizeof(req), NULL) != sizeof(req) || req.op == KOP_EXIT)
			_exit(0);
		if (req.op == KOP_SPAWN)
			rep.pid = child_start(cs, 0, &passfd);
		else if (req.cmd < cs->run->script->ncmds)
			child_cmd(cs, &cs->run->script->cmds[req.cmd], &rep, &passfd);
		if (send_msg(cs->fd, &rep, sizeof(rep), passfd))
			_exit(0);
		if (passfd >= 0)
			close(passfd);
	}
}

/* Keep @fd (made at least 3) and stdio; close every other descriptor. */
static int keep_only(int fd)
{
	if (fd < 3) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		close(fd);
		fd = high;
	}
	close_range(3, fd - 1, 0);
	close_range(fd + 1, ~0U, 0);
	return fd;
}

/*
 * A new child of the zygote serving one end of a new socket pair: a fork
 * of the zygote (@flags 0) or of a child (CLONE_PARENT). Never returns in
 * the new process. Return: its pid and the runner's end in *@rfd, or a
 * negative errno.
 */
static pid_t child_start(struct cstate *cs, unsigned long flags, int *rfd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != cs->zygote)
			_exit(1);	/* the zygote is gone already */
		close(sv[0]);
		cs->fd = keep_only(sv[1]);
		child_serve(cs);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -errno;
	}
	*rfd = sv[0];
	return pid;
}

/* The zygote: forked by the runner's thread in ->init, dies with it. */
static void __attribute__((noreturn)) zygote_main(const struct scn_run *run, int fd,
						  pid_t runner)
{
	struct cstate cs = { .run = run, .zygote = getpid() };
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != runner)
		_exit(1);
	signal(SIGCHLD, SIG_IGN);	/* children that end are reaped */
	signal(SIGINT, SIG_IGN);	/* the runner's guard handles these */
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	cs.fd = keep_only(fd);
	child_serve(&cs);
}

/* ------------------------------------------------------------------ */
/* The runner's side                                                   */

/* What the runner knows of a region: its P.R values. */
struct kregion {
	const char *name;
	bool intact;			/* the last check's result */
	long migrated, migrate_failed;	/* pages over every P migrate R */
	struct kregion *next;
};

/* A process instance of the script. */
struct kproc {
	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t cond;		/* turn changed */
	unsigned int turn;		/* its commands done so far */
	int fd;				/* the socket to its child; -1: none */
	pid_t pid;
	struct kregion *regions;
};

struct kprocs {
	struct scn_run *run;
	struct kproc *v;		/* by instance id */
	unsigned int n;
	unsigned int *ticket;		/* by command index: its place on its process */
	pthread_mutex_t zygote_lock;	/* one request to the zygote at a time */
	int zygote_fd;
	pid_t zygote_pid;
	int zygote_pidfd;		/* kprocs_kill() never hits a reused pid */
};

/**
 * kproc_verb() - whether @verb is a command of a process (`process P`, or
 * `P VERB ...`), which the processes of this file run.
 * @verb: the verb.
 *
 * Context: pure.
 * Return: true if it is.
 */
bool kproc_verb(enum scn_verb verb)
{
	return (verb >= SCN_PROCESS && verb <= SCN_EXIT) || verb == SCN_KSM_MERGE;
}

static struct kregion *kfind(struct kproc *p, const char *name)
{
	for (struct kregion *r = p->regions; r; r = r->next)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

static void kregions_free(struct kregion *r)
{
	while (r) {
		struct kregion *next = r->next;

		free(r);
		r = next;
	}
}

/* A fork's child starts with the parent's regions, intact, migrated nothing. */
static struct kregion *kregions_copy(const struct kregion *src)
{
	struct kregion *out = NULL;

	for (; src; src = src->next) {
		struct kregion *r = calloc(1, sizeof(*r));

		if (!r)
			break;
		*r = (struct kregion){ .name = src->name, .intact = true, .next = out };
		out = r;
	}
	return out;
}

static void turn_wait(struct kproc *p, unsigned int ticket)
{
	pthread_mutex_lock(&p->lock);
	while (p->turn != ticket)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

static void turn_done(struct kproc *p)
{
	pthread_mutex_lock(&p->lock);
	p->turn++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void proc_set(struct kproc *p, int fd, pid_t pid, struct kregion *regions)
{
	struct kregion *old;

	pthread_mutex_lock(&p->lock);
	old = p->regions;
	p->fd = fd;
	p->pid = pid;
	p->regions = regions;
	pthread_mutex_unlock(&p->lock);
	kregions_free(old);
}

/* Wait until the child at the end of @fd is gone (end of file), then close it. */
static void wait_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[sizeof(struct krep)];

	while (poll(&pfd, 1, GONE_WAIT_MS) > 0 && recv_msg(fd, buf, sizeof(buf), NULL) > 0)
		;
	close(fd);
}

static void kfail(struct scn_run *run, const struct scn_cmd *cmd, const char *why)
{
	scn_record_failure(run, cmd, "%s failed: %s: %s", scn_verb_name(cmd->verb),
			   cmd->mm.proc, why);
}

/* `process P`: the zygote forks its child. */
static void proc_spawn(struct kprocs *ps, struct kproc *p, const struct scn_cmd *cmd)
{
	struct kreq req = { .op = KOP_SPAWN };
	struct krep rep;
	int fd = -1, err;
	ssize_t n = 0;

	pthread_mutex_lock(&ps->zygote_lock);
	err = send_msg(ps->zygote_fd, &req, sizeof(req), -1);
	if (!err)
		n = recv_msg(ps->zygote_fd, &rep, sizeof(rep), &fd);
	pthread_mutex_unlock(&ps->zygote_lock);
	if (err || n != sizeof(rep) || rep.pid < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		kfail(ps->run, cmd, err ? strerror(-err) : n == sizeof(rep) && rep.pid < 0 ?
		      strerror(-rep.pid) : "the zygote has gone away");
		return;
	}
	proc_set(p, fd, rep.pid, NULL);
}

/* What an answer changes in P's region records. Context: takes P's lock. */
static void update_region(struct kproc *p, const struct scn_cmd *cmd, const struct krep *rep)
{
	struct kregion *r, **pp;

	if (!cmd->mm.region || rep->fail[0])
		return;
	pthread_mutex_lock(&p->lock);
	r = cmd->verb == SCN_MMAP ? calloc(1, sizeof(*r)) : kfind(p, cmd->mm.region);
	if (cmd->verb == SCN_MMAP && r) {
		*r = (struct kregion){ .name = cmd->mm.region, .intact = true, .next = p->regions };
		p->regions = r;
	} else if (cmd->verb == SCN_CHECK && r) {
		r->intact = !rep->ndiff;
	} else if (cmd->verb == SCN_MIGRATE && r) {
		r->migrated += rep->pages[SCN_MIGRATE_MOVED];
		for (unsigned int st = SCN_MIGRATE_MOVED + 1; st < SCN_NR_MIGRATE_STATUS; st++)
			r->migrate_failed += rep->pages[st];
	} else if (cmd->verb == SCN_MUNMAP && r) {
		for (pp = &p->regions; *pp != r; pp = &(*pp)->next)
			;
		*pp = r->next;
		free(r);
	}
	pthread_mutex_unlock(&p->lock);
}

/* What an answer adds to the report: a failure, a check, a migration. */
static void report_reply(struct scn_run *run, const struct scn_cmd *cmd, const struct krep *rep)
{
	unsigned long pages[SCN_NR_MIGRATE_STATUS];
	char label[256];

	if (rep->fail[0]) {
		scn_record_failure(run, cmd, "%s", rep->fail);
		return;
	}
	snprintf(label, sizeof(label), "%s.%s", cmd->mm.proc, cmd->mm.region);
	if (cmd->verb == SCN_CHECK) {
		if (rep->ndiff)
			scn_record_failure(run, cmd, "check failed: %s: %" PRIu64 " pages differ",
					   label, rep->ndiff);
		scn_record_check(run, cmd, label, !rep->ndiff);
	} else if (cmd->verb == SCN_MIGRATE) {
		for (unsigned int st = 0; st < SCN_NR_MIGRATE_STATUS; st++)
			pages[st] = rep->pages[st];
		scn_record_migration(run, cmd, label, pages);
	}
}

/* A fork's child: its socket (@fd, from the answer), pid and P's regions. */
static void fork_done(struct kproc *p, struct kproc *child, const struct krep *rep, int fd)
{
	struct kregion *regions;

	pthread_mutex_lock(&p->lock);
	regions = kregions_copy(p->regions);
	pthread_mutex_unlock(&p->lock);
	proc_set(child, fd, rep->pid, regions);
}

/* Send a command to P's child and apply its answer. */
static void proc_request(struct kprocs *ps, struct kproc *p, struct kproc *child,
			 const struct scn_cmd *cmd)
{
	struct kreq req = { .op = cmd->verb == SCN_EXIT ? KOP_EXIT : KOP_CMD,
			    .cmd = cmd - ps->run->script->cmds };
	struct krep rep;
	int fd = -1, err = send_msg(p->fd, &req, sizeof(req), -1);
	ssize_t n = 0;

	if (!err && cmd->verb == SCN_EXIT) {
		wait_gone(p->fd);
		proc_set(p, -1, 0, NULL);
		return;
	}
	if (!err)
		n = recv_msg(p->fd, &rep, sizeof(rep), &fd);
	if (err || n != sizeof(rep)) {
		if (fd >= 0)
			close(fd);
		kfail(ps->run, cmd, "the process has died");
		close(p->fd);
		proc_set(p, -1, 0, NULL);
		return;
	}
	update_region(p, cmd, &rep);
	report_reply(ps->run, cmd, &rep);
	if (child && fd >= 0)
		fork_done(p, child, &rep, fd);
	else if (fd >= 0)
		close(fd);
}

/**
 * kprocs_exec() - run a process command: `process P`, or one of P's. See
 * DOC: order; failures are recorded with scn_record_failure(), checks and
 * migrations with scn_record_check() and scn_record_migration().
 * @ps: the processes.
 * @cmd: a command of the script for which kproc_verb() holds.
 *
 * Context: the runner's thread or a background command's; waits for the
 * process's earlier commands; may sleep.
 * Return: 0.
 */
int kprocs_exec(struct kprocs *ps, const struct scn_cmd *cmd)
{
	unsigned int idx = cmd - ps->run->script->cmds;
	struct kproc *p = &ps->v[cmd->mm.proc_id];
	struct kproc *child = cmd->verb == SCN_FORK ? &ps->v[cmd->mm.child_id] : NULL;

	turn_wait(p, ps->ticket[idx]);
	if (child)
		turn_wait(child, 0);
	if (cmd->verb == SCN_PROCESS)
		proc_spawn(ps, p, cmd);
	else if (p->fd < 0)
		kfail(ps->run, cmd, "no such process (its creation failed, or it died)");
	else
		proc_request(ps, p, child, cmd);
	if (child)
		turn_done(child);
	turn_done(p);
	return 0;
}

/**
 * kprocs_region_value() - P.R.intact (the last check's result, 1 before
 * any), P.R.migrated or P.R.migrate_failed (pages over every P migrate R).
 * @ps: the processes.
 * @name: a P.R.X name; its ->n is P's instance id.
 * @value: the value.
 *
 * Context: any thread of the run; takes the process's lock.
 * Return: 0, or -ENOENT if the region is not mapped now.
 */
int kprocs_region_value(struct kprocs *ps, const struct scn_name *name, long *value)
{
	struct kproc *p = &ps->v[name->n];
	struct kregion *r;

	pthread_mutex_lock(&p->lock);
	r = kfind(p, name->b);
	if (r && !strcmp(name->c, "intact"))
		*value = r->intact;
	else if (r && !strcmp(name->c, "migrated"))
		*value = r->migrated;
	else if (r)
		*value = r->migrate_failed;
	pthread_mutex_unlock(&p->lock);
	return r ? 0 : -ENOENT;
}

/**
 * kprocs_pid() - the pid of process instance @id's child.
 * @ps: the processes.
 * @id: the instance.
 *
 * Context: any thread of the run; takes the process's lock.
 * Return: the pid, or -1 if it has none now.
 */
pid_t kprocs_pid(struct kprocs *ps, unsigned int id)
{
	struct kproc *p = &ps->v[id];
	pid_t pid;

	pthread_mutex_lock(&p->lock);
	pid = p->fd >= 0 ? p->pid : -1;
	pthread_mutex_unlock(&p->lock);
	return pid;
}

/* Give every process command its ticket (see DOC: order). */
static void assign_tickets(struct kprocs *ps)
{
	const struct scn_script *s = ps->run->script;
	unsigned int *count = calloc(ps->n + 1, sizeof(*count));

	BUG_ON(!count);
	for (unsigned int i = 0; i < s->ncmds; i++) {
		const struct scn_cmd *cmd = &s->cmds[i];

		if (!kproc_verb(cmd->verb))
			continue;
		ps->ticket[i] = count[cmd->mm.proc_id]++;
		if (cmd->verb == SCN_FORK)
			count[cmd->mm.child_id]++;	/* the fork is ticket 0 of the child */
	}
	free(count);
}

/* Fork the zygote; Context: the runner's thread, no other thread yet. */
static int zygote_start(struct kprocs *ps)
{
	pid_t runner = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);	/* nothing buffered is written twice */
	pid = fork();
	if (!pid) {
		close(sv[0]);
		zygote_main(ps->run, sv[1], runner);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -errno;
	}
	ps->zygote_fd = sv[0];
	ps->zygote_pid = pid;
	ps->zygote_pidfd = syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

/**
 * kprocs_create() - the process table of @run's script, and its zygote.
 * @run: the run; its script must outlive the table.
 * @out: the table.
 * @msg: why not, on failure.
 * @len: its size.
 *
 * Context: ->init, on the runner's thread, before the run starts any
 * other thread (the zygote is forked from it and dies with it).
 * Return: 0, or a negative errno.
 */
int kprocs_create(struct scn_run *run, struct kprocs **out, char *msg, size_t len)
{
	struct kprocs *ps = calloc(1, sizeof(*ps));
	int err = -ENOMEM;

	if (ps) {
		ps->run = run;
		ps->n = run->script->nprocs;
		ps->v = calloc(ps->n + 1, sizeof(*ps->v));
		ps->ticket = calloc(run->script->ncmds + 1, sizeof(*ps->ticket));
		ps->zygote_fd = -1;
		ps->zygote_pidfd = -1;
	}
	if (ps && ps->v && ps->ticket)
		err = zygote_start(ps);
	if (err) {
		snprintf(msg, len, "cannot start the scenario's processes: %s", strerror(-err));
		if (ps) {
			free(ps->v);
			free(ps->ticket);
		}
		free(ps);
		return err;
	}
	for (unsigned int i = 0; i < ps->n; i++) {
		pthread_mutex_init(&ps->v[i].lock, NULL);
		pthread_cond_init(&ps->v[i].cond, NULL);
		ps->v[i].fd = -1;
	}
	pthread_mutex_init(&ps->zygote_lock, NULL);
	assign_tickets(ps);
	*out = ps;
	return 0;
}

/**
 * kprocs_stop() - every process still alive exits, as `P exit` would, and
 * is waited for; then the zygote.
 * @ps: the processes.
 *
 * Context: the run's end, no background command left; may sleep.
 */
void kprocs_stop(struct kprocs *ps)
{
	const struct kreq req = { .op = KOP_EXIT };

	for (unsigned int i = 0; i < ps->n; i++) {
		struct kproc *p = &ps->v[i];

		if (p->fd < 0)
			continue;
		send_msg(p->fd, &req, sizeof(req), -1);
		wait_gone(p->fd);
		proc_set(p, -1, 0, NULL);
	}
	if (ps->zygote_fd >= 0) {
		close(ps->zygote_fd);
		ps->zygote_fd = -1;
		waitpid(ps->zygote_pid, NULL, 0);
	}
}

/**
 * kprocs_kill() - kill the zygote, and with it every process (SIGKILL).
 * @ps: the processes.
 *
 * Context: any thread; the signal guard's emergency.
 */
void kprocs_kill(struct kprocs *ps)
{
	if (ps->zygote_pidfd >= 0)
		syscall(SYS_pidfd_send_signal, ps->zygote_pidfd, SIGKILL, NULL, 0);
}

/**
 * kprocs_destroy() - stop everything and free the table.
 * @ps: the processes, or NULL.
 *
 * Context: the run's end.
 */
void kprocs_destroy(struct kprocs *ps)
{
	if (!ps)
		return;
	kprocs_stop(ps);
	for (unsigned int i = 0; i < ps->n; i++) {
		kregions_free(ps->v[i].regions);
		pthread_mutex_destroy(&ps->v[i].lock);
		pthread_cond_destroy(&ps->v[i].cond);
	}
	pthread_mutex_destroy(&ps->zygote_lock);
	if (ps->zygote_pidfd >= 0)
		close(ps->zygote_pidfd);
	free(ps->v);
	free(ps->ticket);
	free(ps);
}
