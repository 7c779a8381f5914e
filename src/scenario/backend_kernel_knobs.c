/* SPDX-License-Identifier: MIT */
/*
 * backend_kernel_knobs.c - the kernel backend gives back every knob it
 * changes: each /proc/sys/vm, /sys/kernel/mm/ksm and
 * /sys/kernel/mm/transparent_hugepage file a run writes is saved before its
 * first write and written back when the run ends, on an error, on SIGINT,
 * SIGTERM or SIGHUP, and, after a crash or SIGKILL, by the next run or
 * `pagelab restore` before anything else.
 *
 * DOC: the journal. What a run changes is written to a journal file before
 * it is changed: one line per change, "KIND<TAB>PATH<TAB>VALUE", appended
 * with one write() and synced. KIND is knob (write VALUE back to PATH),
 * mount (unmount PATH: a tracefs the run mounted) or dir (remove PATH: a
 * tracefs instance). Giving back is replaying the journal backwards and
 * removing it; the end of a run, the signal guard, the next run and
 * `pagelab restore` all do exactly that, so there is one way back. A line
 * that cannot be replayed stays in the journal, which then says what is
 * still changed. The journal is /run/pagelab/kernel-journal (tmpfs: knobs
 * are reset at boot, and so is the journal): one per host, like the knobs,
 * so that the next run always finds what a dead one left. A run holds an
 * flock() on JOURNAL.lock (which holds its pid) from its start to its end,
 * before it reads any knob and until everything is given back, so two
 * kernel-backend runs never share the host's knobs (the second one touches
 * nothing, the other's journal included), and a journal whose lock nobody
 * holds was left by a run that died.
 *
 * DOC: the knob root. $PAGELAB_KNOB_ROOT (tests only) puts every knob file
 * (/proc/sys/vm, /sys/kernel/mm/ksm, /sys/kernel/mm/transparent_hugepage),
 * the journal and its lock under a folder of stand-in files, so that kills
 * and refused locks can be tested without touching the host; such a run
 * needs no root. The host's counters (/proc/vmstat, ...) are still read.
 *
 * DOC: KSM's knobs that need no KSM pages. max_page_sharing and
 * merge_across_nodes refuse a write (EBUSY) while KSM pages or stable
 * nodes exist. If giving one back meets EBUSY, KSM is unmerged (run=2,
 * which removes every stable node), the write is tried again, and run gets
 * its value back. run's value is journalled first (appended to the journal
 * being replayed), so a run killed while KSM is unmerged leaves it in the
 * journal, not changed behind it.
 *
 * Locks: kknobs.lock (the journal, the saved list, closed) is a leaf. The
 * guard thread holds no lock of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pagelab/scenario.h"
#include "scenario/kernel_internal.h"

#define JOURNAL_FILE		"/run/pagelab/kernel-journal"
#define ROOT_ENV		"PAGELAB_KNOB_ROOT"
#define JOURNAL_MAX		(1 << 20)
#define VALUE_MAX		256
#define GUARD_POLL_NS		100000000L

/* A run's hold on the host's knobs. */
struct kknobs {
	pthread_mutex_t lock;	/* everything below */
	int lock_fd;		/* JOURNAL.lock, flock()ed for the whole run */
	int journal_fd;		/* open for appending after the first note, else -1 */
	char **saved;		/* knobs saved by this run */
	unsigned int nsaved, saved_cap;
	bool closed;		/* given back: nothing may change any more */
};

/* One journal line, cut in place. */
struct jentry {
	const char *kind, *path, *value;
};

/**
 * kknobs_root() - the folder the knob files are under: "" (the host's), or
 * $PAGELAB_KNOB_ROOT (tests: stand-in files; see DOC above).
 *
 * Context: any.
 * Return: the prefix, "" for the host.
 */
const char *kknobs_root(void)
{
	const char *env = getenv(ROOT_ENV);

	return env && *env ? env : "";
}

/**
 * kknob_file() - where the knob file @path (an absolute path on the host,
 * /proc/sys/vm/X) is for this run: under kknobs_root().
 * @buf: receives it.
 * @len: its size.
 * @path: the host's path.
 *
 * Context: any.
 * Return: @buf.
 */
char *kknob_file(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%s%s", kknobs_root(), path);
	return buf;
}

/**
 * kknobs_journal_path() - where the journal is: /run/pagelab/kernel-journal
 * under kknobs_root(); its lock is the same path with ".lock".
 *
 * Context: any.
 * Return: the path (a static buffer, the same for the whole process).
 */
const char *kknobs_journal_path(void)
{
	static char path[PATH_MAX];

	return kknob_file(path, sizeof(path), JOURNAL_FILE);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

/**
 * kfile_read_value() - a knob's value as it would be written back: the
 * file's text without its trailing newline, or, for a file that lists the
 * choices ("always [madvise] never"), the bracketed one.
 * @path: the file.
 * @buf: receives the value.
 * @len: its size.
 *
 * Context: any; reads the file.
 * Return: 0, or a negative errno (-EOVERFLOW if the value does not fit).
 */
int kfile_read_value(const char *path, char *buf, size_t len)
{
	char text[VALUE_MAX];
	int n = kstat_read(path, text, sizeof(text));
	char *open, *close;

	if (n < 0)
		return n;
	if ((size_t)n + 1 >= sizeof(text))
		return -EOVERFLOW;
	text[strcspn(text, "\n")] = '\0';
	open = strchr(text, '[');
	close = open ? strchr(open, ']') : NULL;
	if (close) {
		*close = '\0';
		memmove(text, open + 1, close - open);
	}
	if (strlen(text) >= len)
		return -EOVERFLOW;
	strcpy(buf, text);
	return 0;
}

/**
 * kfile_write() - write @value to the sysfs or procfs file @path, in one
 * write(), as the shell's `echo VALUE > FILE` does (O_TRUNC).
 * @path: the file.
 * @value: the text.
 *
 * Context: may sleep (a knob's write may do work, e.g. compact_memory).
 * Return: 0, or the negative errno the kernel gave.
 */
int kfile_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), err = 0;
	size_t n = strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, n) != (ssize_t)n)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static int journal_add(const char *journal, const char *kind, const char *path,
		       const char *value);

/*
 * Write KSM knob @path while KSM pages hold it back (see DOC above): run's
 * value goes into @journal (the one being replayed) before run=2.
 */
static int ksm_write_unmerged(const char *journal, const char *path, const char *value)
{
	char run_path[PATH_MAX], run[VALUE_MAX];
	int err, back;

	kknob_file(run_path, sizeof(run_path), KERNEL_KSM_DIR "/run");
	err = kfile_read_value(run_path, run, sizeof(run));
	if (!err)
		err = journal_add(journal, KJ_KNOB, run_path, run);
	if (err)
		return err;
	err = kfile_write(run_path, "2");
	if (!err)
		err = kfile_write(path, value);
	back = kfile_write(run_path, run);
	return err ?: back;
}

/* Give one knob back; @journal is the journal being replayed. */
static int restore_knob(const char *journal, const char *path, const char *value)
{
	char ksm_dir[PATH_MAX];
	int err = kfile_write(path, value);

	kknob_file(ksm_dir, sizeof(ksm_dir), KERNEL_KSM_DIR "/");
	if (err == -EBUSY && !strncmp(path, ksm_dir, strlen(ksm_dir)))
		err = ksm_write_unmerged(journal, path, value);
	return err;
}

/* ------------------------------------------------------------------ */
/* The journal                                                         */

/* Cut @text (NUL-terminated) into its lines' entries; *@n gets their number. */
static struct jentry *journal_parse(char *text, unsigned int *n)
{
	struct jentry *e = NULL;
	unsigned int cap = 0;
	char *line, *save;

	*n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;

		if (scn_grow((void **)&e, &cap, *n, sizeof(*e))) {
			free(e);
			return NULL;
		}
		if (tab1)	/* else a bad line: its undo fails, and it stays */
			*tab1 = '\0';
		if (tab2)
			*tab2 = '\0';
		e[(*n)++] = (struct jentry){ .kind = line, .path = tab1 ? tab1 + 1 : "",
					     .value = tab2 ? tab2 + 1 : "" };
	}
	return e;
}

/* Undo one entry of @journal. */
static int journal_undo(const char *journal, const struct jentry *e)
{
	if (!strcmp(e->kind, KJ_KNOB))
		return restore_knob(journal, e->path, e->value);
	if (!strcmp(e->kind, KJ_DIR))
		return rmdir(e->path) && errno != ENOENT ? -errno : 0;
	if (!strcmp(e->kind, KJ_MOUNT)) {
		if (!umount2(e->path, 0) || errno == EINVAL)	/* EINVAL: not mounted */
			return 0;
		return umount2(e->path, MNT_DETACH) ? -errno : 0;
	}
	return -EINVAL;
}

/*
 * Write the entries that could not be undone back as the journal: into
 * JOURNAL.new, synced, then renamed over it, so that a kill meanwhile leaves
 * the whole old journal rather than an empty one.
 */
static int journal_keep(const char *path, const struct jentry *e, const bool *failed,
			unsigned int n)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	for (unsigned int i = 0; i < n; i++)
		if (failed[i])
			fprintf(f, "%s\t%s\t%s\n", e[i].kind, e[i].path, e[i].value);
	if (fflush(f) || fdatasync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/*
 * Replay the journal at @path backwards and remove it; what cannot be
 * undone stays in it. @said (may be NULL) gets one line per entry undone,
 * after @prefix. Return: the entries undone, or a negative errno with the
 * first failure in @msg.
 */
static int journal_replay(const char *path, FILE *said, const char *prefix, char *msg,
			  size_t len)
{
	char *text = malloc(JOURNAL_MAX);
	int n = text ? kstat_read(path, text, JOURNAL_MAX) : -ENOMEM, undone = 0, err = 0;
	struct jentry *e = NULL;
	unsigned int ne = 0;
	bool *failed = NULL;

	if (n == -ENOENT)
		n = text[0] = '\0';	/* no journal: nothing to give back */
	if (n >= 0)
		e = journal_parse(text, &ne);
	if (n >= 0 && ne)
		failed = calloc(ne, sizeof(*failed));
	if (n < 0 || (ne && (!e || !failed))) {
		snprintf(msg, len, "cannot read the journal %s: %s", path,
			 strerror(n < 0 ? -n : ENOMEM));
		err = n < 0 ? n : -ENOMEM;
		ne = 0;
	}
	for (unsigned int i = ne; i-- > 0;) {
		int e_err = journal_undo(path, &e[i]);

		if (e_err) {
			if (!err)
				snprintf(msg, len, "cannot give back %s %s%s%s: %s", e[i].kind,
					 e[i].path, *e[i].value ? "=" : "", e[i].value,
					 strerror(-e_err));
			err = err ? err : e_err;
			failed[i] = true;
			continue;
		}
		undone++;
		if (said)
			fprintf(said, "%s%s %s%s%s\n", prefix, e[i].kind, e[i].path,
				*e[i].value ? "=" : "", e[i].value);
	}
	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	else if (err && ne && journal_keep(path, e, failed, ne))
		snprintf(msg + strlen(msg), len - strlen(msg), " (and the journal %s could not "
			 "be rewritten)", path);
	free(failed);
	free(e);
	free(text);
	return err ? err : undone;
}

/* Write one line to the journal open at @fd, with one write(), and sync it. */
static int journal_line(int fd, const char *kind, const char *path, const char *value)
{
	char *line;
	int n, err = 0;

	n = asprintf(&line, "%s\t%s\t%s\n", kind, path, value);
	if (n < 0)
		return -ENOMEM;
	errno = 0;
	if (write(fd, line, n) != n || fdatasync(fd))
		err = errno ? -errno : -EIO;
	free(line);
	return err;
}

static int journal_open(const char *journal)
{
	int fd = open(journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

/* Append one line to the journal at @journal (while it is replayed). */
static int journal_add(const char *journal, const char *kind, const char *path,
		       const char *value)
{
	int fd = journal_open(journal), err;

	if (fd < 0)
		return fd;
	err = journal_line(fd, kind, path, value);
	close(fd);
	return err;
}

/* Append one line to the run's journal and sync it. Caller holds k->lock. */
static int journal_append(struct kknobs *k, const char *kind, const char *path,
			  const char *value)
{
	if (k->journal_fd < 0) {
		k->journal_fd = journal_open(kknobs_journal_path());
		if (k->journal_fd < 0) {
			int err = k->journal_fd;

			k->journal_fd = -1;
			return err;
		}
	}
	return journal_line(k->journal_fd, kind, path, value);
}

/* ------------------------------------------------------------------ */
/* The run's hold                                                      */

/* mkdir the journal's folder and its parents if they are missing. */
static int journal_dir(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	return 0;
}

/* Take JOURNAL.lock and write our pid in it; @msg says who holds it otherwise. */
static int take_lock(const char *journal, char *msg, size_t len)
{
	char path[PATH_MAX], pid[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "%s.lock", journal);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(msg, len, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(msg, len, "another kernel-backend run (pid %s) is using the host's knobs "
			 "(%s); wait for it to end", *pid ? pid : "?", path);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n) {
		snprintf(msg, len, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -EIO;
	}
	return fd;
}

/**
 * kknobs_open() - take hold of the host's knobs for a run: the lock, then
 * give back whatever a run that died left changed (saying so on stderr).
 * @out: the hold.
 * @msg: why not, on failure.
 * @len: its size.
 *
 * Context: needs root (the journal's folder is root's); may sleep.
 * Return: 0, or a negative errno: another run holds the lock, or what a
 * dead run left could not be given back.
 */
int kknobs_open(struct kknobs **out, char *msg, size_t len)
{
	const char *journal = kknobs_journal_path();
	struct kknobs *k;
	int fd, err;

	err = journal_dir(journal);
	if (err) {
		snprintf(msg, len, "cannot make the folder of %s: %s", journal, strerror(-err));
		return err;
	}
	fd = take_lock(journal, msg, len);
	if (fd < 0)
		return fd;
	err = journal_replay(journal, stderr, "pagelab: gave back what a killed run left: ",
			     msg, len);
	k = err >= 0 ? calloc(1, sizeof(*k)) : NULL;
	if (!k) {
		if (err >= 0)
			snprintf(msg, len, "out of memory");
		close(fd);
		return err < 0 ? err : -ENOMEM;
	}
	pthread_mutex_init(&k->lock, NULL);
	k->lock_fd = fd;
	k->journal_fd = -1;
	*out = k;
	return 0;
}

static bool saved_already(const struct kknobs *k, const char *path)
{
	for (unsigned int i = 0; i < k->nsaved; i++)
		if (!strcmp(k->saved[i], path))
			return true;
	return false;
}

/* Journal @path's value before the run's first write to it. Caller holds k->lock. */
static int save_knob(struct kknobs *k, const char *path)
{
	char value[VALUE_MAX];
	char *copy;
	int err;

	if (saved_already(k, path))
		return 0;
	err = kfile_read_value(path, value, sizeof(value));
	if (err == -EACCES && !access(path, F_OK))
		return 0;	/* write-only (compact_memory, drop_caches): an action */
	if (err)
		return err;
	copy = strdup(path);
	if (!copy || scn_grow((void **)&k->saved, &k->saved_cap, k->nsaved, sizeof(char *))) {
		free(copy);
		return -ENOMEM;
	}
	err = journal_append(k, KJ_KNOB, path, value);
	if (err) {
		free(copy);
		return err;
	}
	k->saved[k->nsaved++] = copy;
	return 0;
}

/**
 * kknob_write() - write a knob, saving its value in the journal first if
 * this run has not written it yet.
 * @k: the run's hold.
 * @path: the knob's file.
 * @value: the text to write.
 *
 * Context: any thread of the run; takes k->lock, may sleep.
 * Return: 0, or a negative errno: the kernel refused the value, the
 * journal could not be written (then the knob is not touched), or the
 * knobs have been given back already (-ECANCELED: the run is ending).
 */
int kknob_write(struct kknobs *k, const char *path, const char *value)
{
	int err;

	pthread_mutex_lock(&k->lock);
	err = k->closed ? -ECANCELED : save_knob(k, path);
	if (!err)
		err = kfile_write(path, value);
	pthread_mutex_unlock(&k->lock);
	return err;
}

/**
 * kknobs_note() - journal a change that is not a knob's value, before it is
 * made: a mount (KJ_MOUNT) or a directory (KJ_DIR) to undo at the end.
 * @k: the run's hold.
 * @kind: KJ_MOUNT or KJ_DIR.
 * @path: the mount point or directory.
 *
 * Context: any thread of the run; takes k->lock.
 * Return: 0, or a negative errno (then do not make the change).
 */
int kknobs_note(struct kknobs *k, const char *kind, const char *path)
{
	int err;

	pthread_mutex_lock(&k->lock);
	err = k->closed ? -ECANCELED : journal_append(k, kind, path, "");
	pthread_mutex_unlock(&k->lock);
	return err;
}

/**
 * kknobs_restore() - give back everything the run changed (replay its
 * journal), and refuse any change after. Failures are printed on stderr.
 * @k: the run's hold.
 *
 * Context: the run's end or the signal guard; takes k->lock; may sleep.
 * Return: 0, or a negative errno if something could not be given back
 * (it stays in the journal).
 */
int kknobs_restore(struct kknobs *k)
{
	char msg[512] = "";
	int err;

	pthread_mutex_lock(&k->lock);
	if (k->closed) {
		pthread_mutex_unlock(&k->lock);
		return 0;
	}
	k->closed = true;
	if (k->journal_fd >= 0)
		close(k->journal_fd);
	k->journal_fd = -1;
	err = journal_replay(kknobs_journal_path(), NULL, "", msg, sizeof(msg));
	pthread_mutex_unlock(&k->lock);
	if (err < 0)
		fprintf(stderr, "pagelab: %s; the journal %s keeps it (pagelab restore)\n", msg,
			kknobs_journal_path());
	return err < 0 ? err : 0;
}

/**
 * kknobs_close() - let go of the host's knobs (the lock); give back first
 * if that was not done.
 * @k: the run's hold, or NULL.
 *
 * Context: the run's end.
 */
void kknobs_close(struct kknobs *k)
{
	if (!k)
		return;
	kknobs_restore(k);
	close(k->lock_fd);
	for (unsigned int i = 0; i < k->nsaved; i++)
		free(k->saved[i]);
	free(k->saved);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

/**
 * pagelab_kernel_restore() - `pagelab restore`: give back what a
 * kernel-backend run that was killed left changed, as the next run would.
 *
 * See include/pagelab/scenario.h.
 * Context: needs root; may sleep.
 * Return: PAGELAB_RUN_PASS, or PAGELAB_RUN_ERROR.
 */
int pagelab_kernel_restore(void)
{
	const char *journal = kknobs_journal_path();
	char msg[512] = "";
	int fd, n;

	if (access(journal, F_OK) && errno == ENOENT) {
		printf("pagelab: nothing to give back (no journal at %s)\n", journal);
		return PAGELAB_RUN_PASS;
	}
	fd = take_lock(journal, msg, sizeof(msg));
	if (fd < 0) {
		fprintf(stderr, "pagelab: %s\n", msg);
		return PAGELAB_RUN_ERROR;
	}
	n = journal_replay(journal, stdout, "pagelab: gave back ", msg, sizeof(msg));
	close(fd);
	if (n < 0) {
		fprintf(stderr, "pagelab: %s\n", msg);
		return PAGELAB_RUN_ERROR;
	}
	if (!n)
		printf("pagelab: nothing to give back (the journal %s was empty)\n", journal);
	return PAGELAB_RUN_PASS;
}

/* ------------------------------------------------------------------ */
/* The guard: SIGINT, SIGTERM and SIGHUP; SIGPIPE ignored             */

struct kguard {
	pthread_t tid;
	sigset_t set;			/* the signals it takes */
	sigset_t old;			/* the starting thread's mask before */
	struct sigaction old_pipe;	/* SIGPIPE's action before */
	bool stop;			/* atomic: kguard_stop() asks it to end */
	void (*emergency)(void *arg);
	void *arg;
};

/* Wait for a signal; on one, run the emergency, then die of the signal. */
static void *guard_main(void *arg)
{
	struct kguard *g = arg;
	const struct timespec poll = { 0, GUARD_POLL_NS };

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		sigset_t one;
		int sig = sigtimedwait(&g->set, NULL, &poll);

		if (sig <= 0)
			continue;
		fprintf(stderr, "pagelab: %s: giving the host's knobs back\n", strsignal(sig));
		g->emergency(g->arg);
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		pthread_sigmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	return NULL;
}

/**
 * kguard_start() - block SIGINT, SIGTERM and SIGHUP in the calling thread
 * (and so in every thread it starts later) and start a thread that, when
 * one comes, calls @emergency and then lets the signal end the process.
 * SIGPIPE is ignored meanwhile: a message written to a pipe nobody reads
 * any more (the test harness that started the run died) fails with EPIPE
 * instead of killing the run with its knobs changed.
 * @out: the guard.
 * @emergency: what gives everything back; it may run concurrently with
 *	the run's threads, and with their own teardown.
 * @arg: its argument.
 *
 * Context: the runner's thread, before the run starts other threads.
 * Return: 0, or a negative errno (the mask is then as it was).
 */
int kguard_start(struct kguard **out, void (*emergency)(void *arg), void *arg)
{
	struct kguard *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->emergency = emergency;
	g->arg = arg;
	sigemptyset(&g->set);
	sigaddset(&g->set, SIGINT);
	sigaddset(&g->set, SIGTERM);
	sigaddset(&g->set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &g->set, &g->old);
	err = pthread_create(&g->tid, NULL, guard_main, g);
	if (err) {
		pthread_sigmask(SIG_SETMASK, &g->old, NULL);
		free(g);
		return -err;
	}
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &g->old_pipe);
	*out = g;
	return 0;
}

/**
 * kguard_stop() - end the guard and restore the calling thread's mask (a
 * signal that came meanwhile is then delivered as usual) and SIGPIPE's
 * action.
 * @g: the guard, or NULL.
 *
 * Context: the thread that started it, after everything was given back.
 */
void kguard_stop(struct kguard *g)
{
	if (!g)
		return;
	__atomic_store_n(&g->stop, true, __ATOMIC_RELEASE);
	pthread_join(g->tid, NULL);
	sigaction(SIGPIPE, &g->old_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	free(g);
}
