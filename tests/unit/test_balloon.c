/* SPDX-License-Identifier: MIT */
/*
 * test_balloon.c - the memory balloon end to end in one process: the
 * driver, the in-process host and the memory it really gives back
 * (host_released_bytes and the process's RSS), deflation and zero-filled
 * pages, the clamp, compaction moving balloon pages with the host's set
 * following, deflate-on-OOM (and the same allocation failing without it,
 * on a host reached over a socket as --connect does), hostile protocol
 * messages, a host that goes away, free page reporting and statistics.
 */
#include "lib/machine_fixture.h"
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "drivers/channel.h"
#include "host/host.h"
#include "host/protocol.h"
#include "migrate/migrate.h"
#include "balloon/page_reporting.h"
#include "drivers/virtio_balloon.h"
#include "compact/compaction.h"
#include "vm/mm.h"

#define GUEST_1G	(1UL << 30)
#define CHUNK		(256 * PAGE_SIZE)	/* half a pageblock */

static long event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

/*
 * The resident memory of the arena's mapping (its Rss in /proc/self/smaps):
 * the guest RAM this process holds, whatever a sanitizer's shadow costs.
 */
static long rss_bytes(void)
{
	char line[256], want[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	bool in_arena = false;
	long kb = -1;

	assert_non_null(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)machine.arena);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' '))
			in_arena = !strncmp(line, want, strlen(want));
		else if (in_arena && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	assert_true(kb >= 0);
	return kb * 1024;
}

static struct virtio_balloon_state balloon_now(void)
{
	struct virtio_balloon_state st;

	assert_int_equal(virtio_balloon_state(&st), 0);
	return st;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* The host's inflated set is exactly the guest's balloon list. */
static void assert_host_matches_guest(void)
{
	unsigned long *guest = malloc(machine.max_pfn * sizeof(long));
	unsigned long *host = malloc(machine.max_pfn * sizeof(long));
	unsigned long ng, nh;

	assert_non_null(guest);
	assert_non_null(host);
	ng = balloon_list_pfns(virtio_balloon_dev_info(), guest, machine.max_pfn);
	nh = balloon_host_inflated_pfns(balloon_device_local_host(), host, machine.max_pfn);
	qsort(guest, ng, sizeof(long), cmp_ulong);
	assert_int_equal(ng, nh);
	assert_int_equal(ng, balloon_now().actual_pages);
	for (unsigned long i = 0; i < ng; i++)
		assert_int_equal(guest[i], host[i]);
	free(guest);
	free(host);
}

static int boot(uint64_t memory, bool deterministic, bool reporting)
{
	struct machine_config cfg = { memory, 2, 10, 9, .deterministic = deterministic,
				      .balloon_free_page_reporting = reporting };

	return machine_init(&cfg);
}

static int machine_1g_setup(void **state)
{
	return boot(GUEST_1G, true, false);
}

/*
 * Write @c over the whole arena through its memfd and map it all: the
 * contents and RSS of a memset, without a sanitizer's shadow of 1 GiB (a
 * TSan build's memset of the arena spent 30 s faulting its shadow in).
 */
static void fill_arena(int c)
{
	static unsigned char buf[1 << 20];

	memset(buf, c, sizeof(buf));
	for (off_t off = 0; off < (off_t)machine.memory_bytes; off += sizeof(buf))
		assert_int_equal(pwrite(machine.memfd, buf, sizeof(buf), off), sizeof(buf));
	assert_int_equal(madvise(machine.arena, machine.memory_bytes, MADV_POPULATE_READ), 0);
}

/*
 * Inflate half of a 1 GiB guest whose every frame is resident: the host
 * punches what it gets, its memfd shows the holes and the process's RSS
 * drops. Deflate: nothing comes back until touched, then zeros.
 */
static void test_inflate_gives_memory_back(void **state)
{
	const unsigned long half = GUEST_1G / 2 / PAGE_SIZE;
	unsigned long *pfns = malloc(half * sizeof(long)), n;
	long rss0, rss1, rss2, rss3;
	struct virtio_balloon_state st;

	assert_non_null(pfns);
	fill_arena(0x5a);
	rss0 = rss_bytes();
	assert_int_equal(virtio_balloon_set_target(GUEST_1G / 2), 0);
	assert_int_equal(virtio_balloon_wait(0), 0);
	st = balloon_now();
	assert_int_equal(st.target_pages, half);
	assert_int_equal(st.actual_pages, half);
	assert_int_equal(st.host.inflated_pages, half);
	assert_true(st.host_released_bytes >= half * PAGE_SIZE / 100 * 95);
	rss1 = rss_bytes();
	print_message("inflate %lu MiB: released %lu MiB, RSS %ld -> %ld MiB\n",
		      half >> 8, (unsigned long)(st.host_released_bytes >> 20), rss0 >> 20,
		      rss1 >> 20);
	assert_true(rss0 - rss1 >= (long)(half * PAGE_SIZE / 100 * 95));
	assert_int_equal(event("balloon_inflate"), half);
	assert_int_equal(event("nr_balloon_pages"), half);
	assert_host_matches_guest();
	assert_invariants();

	n = balloon_list_pfns(virtio_balloon_dev_info(), pfns, half);
	assert_int_equal(n, half);
	assert_int_equal(virtio_balloon_set_target(0), 0);
	assert_int_equal(virtio_balloon_wait(0), 0);
	st = balloon_now();
	assert_int_equal(st.actual_pages, 0);
	assert_int_equal(st.host.inflated_pages, 0);
	assert_int_equal(st.host_released_bytes, 0);
	assert_int_equal(event("balloon_deflate"), half);
	rss2 = rss_bytes();
	assert_true(rss2 - rss1 < (long)(half * PAGE_SIZE / 100));
	for (unsigned long i = 0; i < n; i++) {
		static const unsigned char zeros[PAGE_SIZE];
		unsigned char *p = page_address(pfn_to_page(pfns[i]));

		if (memcmp(p, zeros, PAGE_SIZE))
			fail_msg("pfn %#lx: not zero-filled after its deflate", pfns[i]);
		p[0] = 1;
	}
	rss3 = rss_bytes();
	print_message("deflate and touch: RSS %ld -> %ld MiB\n", rss2 >> 20, rss3 >> 20);
	assert_true(rss3 - rss2 >= (long)(half * PAGE_SIZE / 100 * 95));
	free(pfns);
}

/* A target beyond memory is clamped; the driver inflates what it can. */
static void test_target_clamped(void **state)
{
	struct virtio_balloon_state st;

	assert_int_equal(virtio_balloon_set_target(TEST_MEMORY * 4), 0);
	assert_int_equal(virtio_balloon_wait(0), -EAGAIN);	/* out of puff */
	st = balloon_now();
	assert_int_equal(st.target_pages, machine.max_pfn);
	assert_true(st.actual_pages > machine.max_pfn * 9 / 10);
	assert_true(st.actual_pages < machine.max_pfn);
	assert_host_matches_guest();
	assert_invariants();
	assert_int_equal(virtio_balloon_set_target(0), 0);
	assert_int_equal(virtio_balloon_wait(0), 0);
	assert_int_equal(virtio_balloon_set_target(PAGE_SIZE + 1), -EINVAL);
}

/* Fill free memory with process pages in chunks, unmap every other one. */
static struct mm_struct *fragment(long keep_free, unsigned long *chunks, int *nr)
{
	struct mm_struct *mm = mm_alloc();

	*nr = 0;
	drain_all_pages(NULL);
	while (global_zone_page_state(NR_FREE_PAGES) > keep_free + (long)(CHUNK / PAGE_SIZE)) {
		assert_int_equal(do_mmap(mm, CHUNK, false, &chunks[*nr]), 0);
		for (unsigned long off = 0; off < CHUNK; off += PAGE_SIZE)
			assert_int_equal(access_mm(mm, chunks[*nr] + off, &off, sizeof(off), true), 0);
		(*nr)++;
		drain_all_pages(NULL);
	}
	for (int i = 0; i < *nr; i += 2)
		assert_int_equal(do_munmap(mm, chunks[i], CHUNK), 0);
	return mm;
}

/*
 * A balloon in the low quarter of memory, process pages above with every
 * other chunk unmapped: compaction moves balloon pages up into the holes
 * (inflating the new frame at the host, then deflating the old one) and
 * the host's set still equals the guest's list.
 */
static void test_compaction_moves_balloon_pages(void **state)
{
	unsigned long chunks[128];
	struct mm_struct *mm;
	long migrated;
	int nr;

	assert_int_equal(virtio_balloon_set_target(TEST_MEMORY / 4), 0);
	assert_int_equal(virtio_balloon_wait(0), 0);
	mm = fragment(1024, chunks, &nr);
	assert_host_matches_guest();
	migrated = event("balloon_migrate");
	sysctl_compact_memory();
	print_message("balloon pages migrated: %ld of %lu\n", event("balloon_migrate") - migrated,
		      (unsigned long)balloon_now().actual_pages);
	assert_true(event("balloon_migrate") > migrated);
	assert_int_equal(balloon_now().host.rejected, 0);
	assert_host_matches_guest();
	assert_invariants();
	mmput(mm);
}

/* Take everything: the next allocation only succeeds by deflating. */
static void test_deflate_on_oom(void **state)
{
	struct page *page, *noretry[1024];
	unsigned long before;
	int nr = 0;

	assert_int_equal(virtio_balloon_set_target(TEST_MEMORY), 0);
	assert_int_equal(virtio_balloon_wait(0), -EAGAIN);
	before = balloon_now().actual_pages;
	page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0);
	assert_non_null(page);
	assert_int_equal(balloon_now().actual_pages, before - VIRTIO_BALLOON_OOM_NR_PAGES);
	assert_int_equal(event("balloon_deflate"), VIRTIO_BALLOON_OOM_NR_PAGES);
	/* Not for callers that asked not to retry. */
	while (nr < (int)ARRAY_SIZE(noretry) &&
	       (noretry[nr] = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN, 0)))
		nr++;
	assert_true(nr < (int)ARRAY_SIZE(noretry));
	assert_int_equal(balloon_now().actual_pages, before - VIRTIO_BALLOON_OOM_NR_PAGES);
	while (nr)
		__free_pages(noretry[--nr], 0);
	__free_pages(page, 0);
	assert_host_matches_guest();
	assert_invariants();
}

/* A temporary directory for a host's socket. */
static char *socket_path(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/pagelab-balloon-XXXXXX");
	assert_non_null(mkdtemp(dir));
	strcat(dir, "/sock");
	return dir;
}

static void remove_socket_dir(char *path)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

/*
 * The same allocation without DEFLATE_ON_OOM fails: a host that does not
 * offer it, reached over a socket as `pagelab run --connect` does. The
 * machine's memory must be the host's.
 */
static void test_no_deflate_on_oom(void **state)
{
	struct balloon_host_config hc = {
		.memory_bytes = TEST_MEMORY,
		.features = BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST),
	};
	struct zone *zone = &contig_page_data.node_zones[ZONE_NORMAL];
	struct balloon_host *host;
	uint64_t memory = 123;
	char path[64], msg[256];
	unsigned long actual;

	hc.socket_path = socket_path(path, sizeof(path));
	assert_int_equal(balloon_host_create(&hc, &host), 0);
	assert_int_equal(balloon_host_start(host), 0);
	assert_int_equal(balloon_connect(path, msg, sizeof(msg)), 0);
	assert_int_equal(balloon_connect_machine_memory(&memory, false, msg, sizeof(msg)), 0);
	assert_int_equal(memory, TEST_MEMORY);
	memory = TEST_MEMORY * 2;
	assert_int_equal(balloon_connect_machine_memory(&memory, true, msg, sizeof(msg)), -EINVAL);
	print_message("%s\n", msg);
	assert_non_null(strstr(msg, "machine memory=128M disagrees with the balloon host's memory 64M"));
	assert_int_equal(boot(TEST_MEMORY * 2, true, false), -EINVAL);
	assert_int_equal(boot(TEST_MEMORY, true, false), 0);

	assert_int_equal(virtio_balloon_set_target(TEST_MEMORY), 0);
	assert_int_equal(virtio_balloon_wait(0), -EAGAIN);
	actual = balloon_now().actual_pages;
	assert_int_equal(zone_managed_pages(zone), machine.max_pfn - actual);
	assert_null(alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0));
	assert_int_equal(balloon_now().actual_pages, actual);
	assert_int_equal(event("balloon_deflate"), 0);
	assert_invariants();
	machine_exit();
	/* The driver gave every page back on its way out. */
	assert_int_equal(balloon_host_inflated_pfns(host, NULL, 0), 0);
	balloon_disconnect();
	balloon_host_destroy(host);
	remove_socket_dir(path);
}

/*
 * A socket path that does not fit in sun_path is refused, saying so, by
 * the host, a control client and --connect alike; the longest path that
 * fits serves and connects.
 */
static void test_socket_path_too_long(void **state)
{
	struct balloon_host_config hc = { .memory_bytes = TEST_MEMORY };
	struct sockaddr_un addr;
	struct balloon_host *host;
	size_t max = sizeof(addr.sun_path) - 1;
	char path[sizeof(addr.sun_path) + 1], why[128], msg[256], limit[32];
	int fd;

	snprintf(limit, sizeof(limit), "at most %zu", max);
	socket_path(path, sizeof(path));
	memset(path + strlen(path), 'x', sizeof(path) - 1 - strlen(path));
	path[max + 1] = '\0';
	assert_int_equal(balloon_socket_addr(&addr, path, why, sizeof(why)), -ENAMETOOLONG);
	assert_non_null(strstr(why, limit));
	hc.socket_path = path;
	assert_int_equal(balloon_host_create(&hc, &host), -ENAMETOOLONG);
	assert_int_equal(balloon_control_open(path, msg, sizeof(msg)), -ENAMETOOLONG);
	assert_non_null(strstr(msg, limit));
	assert_int_equal(balloon_connect(path, msg, sizeof(msg)), -ENAMETOOLONG);
	print_message("%s\n", msg);
	assert_non_null(strstr(msg, limit));

	path[max] = '\0';
	assert_int_equal(balloon_host_create(&hc, &host), 0);
	fd = balloon_control_open(path, msg, sizeof(msg));
	assert_true(fd >= 0);
	close(fd);
	balloon_host_destroy(host);
	remove_socket_dir(path);
}

/* ------------------------------------------------------------------ */
/* Hostile messages                                                    */

struct raw_guest {
	struct balloon_host *host;
	int fd;
	unsigned char *ram;
	unsigned long nr_pages;
};

static int raw(struct raw_guest *g, uint16_t type, const void *payload, uint32_t len)
{
	return balloon_control_request(g->fd, type, payload, len, NULL, 0);
}

static int pfns_msg(struct raw_guest *g, uint16_t type, uint32_t nr, const uint32_t *pfns,
		    uint32_t claimed)
{
	unsigned char buf[4 + 4 * 300];

	put_le32(buf, claimed);
	for (uint32_t i = 0; i < nr; i++)
		put_le32(buf + 4 + 4 * i, pfns[i]);
	return raw(g, type, buf, 4 + 4 * nr);
}

static bool page_intact(struct raw_guest *g, unsigned long pfn)
{
	for (size_t b = 0; b < PAGE_SIZE; b++)
		if (g->ram[pfn * PAGE_SIZE + b] != (unsigned char)(pfn | 1))
			return false;
	return true;
}

static uint32_t host_rejected(struct raw_guest *g)
{
	struct balloon_info info;

	balloon_host_info(g->host, &info);
	return info.rejected;
}

/*
 * Every malformed or hostile message is refused with the right errno, a
 * log line and no change: the inflated set stays as it was and no byte of
 * the guest's RAM is touched, except the pages really handed over.
 */
static void test_hostile_messages(void **state)
{
	struct balloon_host_config hc = {
		.memory_bytes = 4 << 20,
		.features = BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) | BIT(VIRTIO_BALLOON_F_STATS_VQ) |
			    BIT(VIRTIO_BALLOON_F_REPORTING),
	};
	uint32_t five_five[] = { 5, 5 }, five_six[] = { 5, 6 }, six = 6, seven = 7;
	uint32_t far = 1024, many[257] = { 0 };
	unsigned char buf[64], hdr[8];
	struct raw_guest g = { .nr_pages = 1024 };
	struct balloon_msg reply;
	int sv[2], ctl[2];
	uint32_t rejected = 0;

	assert_int_equal(balloon_host_create(&hc, &g.host), 0);
	assert_int_equal(balloon_host_start(g.host), 0);
	g.ram = mmap(NULL, hc.memory_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		     balloon_host_memfd(g.host), 0);
	assert_true(g.ram != MAP_FAILED);
	for (unsigned long pfn = 0; pfn < g.nr_pages; pfn++)
		memset(g.ram + pfn * PAGE_SIZE, (unsigned char)(pfn | 1), PAGE_SIZE);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(balloon_host_add_conn(g.host, sv[1]), 0);
	g.fd = sv[0];

	/* Guest requests before HELLO, a HELLO of another version. */
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 1, &six, 1), -EPROTO);
	put_le32(buf, 2);
	assert_int_equal(raw(&g, BALLOON_MSG_HELLO, buf, 4), -EPROTONOSUPPORT);
	put_le32(buf, BALLOON_PROTOCOL_VERSION);
	assert_int_equal(raw(&g, BALLOON_MSG_HELLO, buf, 4), 24);
	assert_int_equal(raw(&g, BALLOON_MSG_HELLO, buf, 4), -EPROTO);
	/* Requests before FEATURES, features never offered. */
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 1, &six, 1), -EPROTO);
	put_le64(buf, BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM));
	assert_int_equal(raw(&g, BALLOON_MSG_FEATURES, buf, 8), -EINVAL);
	put_le64(buf, hc.features);
	assert_int_equal(raw(&g, BALLOON_MSG_FEATURES, buf, 8), 0);
	rejected += 5;

	/* Bad counts and lengths, a pfn beyond memory, a batch above 256. */
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 0, NULL, 0), -E2BIG);
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 257, many, 257), -E2BIG);
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 2, five_six, 3), -EINVAL);
	assert_int_equal(raw(&g, BALLOON_MSG_INFLATE, buf, 2), -EINVAL);
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 1, &far, 1), -ERANGE);
	/* A pfn twice in a batch: nothing of the batch is taken. */
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 2, five_five, 2), -EEXIST);
	assert_int_equal(balloon_host_inflated_pfns(g.host, NULL, 0), 0);
	assert_true(page_intact(&g, 5));
	rejected += 6;

	/* A real inflate: those two pages, and only those, are given back. */
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 2, five_six, 2), 0);
	assert_int_equal(g.ram[5 * PAGE_SIZE], 0);
	assert_int_equal(g.ram[6 * PAGE_SIZE + 100], 0);
	/* Handed over twice; deflates of pages the host does not have. */
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_INFLATE, 1, &six, 1), -EEXIST);
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_DEFLATE, 1, &seven, 1), -ENOENT);
	assert_int_equal(pfns_msg(&g, BALLOON_MSG_DEFLATE, 2, five_five, 2), -ENOENT);
	assert_int_equal(balloon_host_inflated_pfns(g.host, NULL, 0), 2);
	rejected += 3;

	/* Statistics with an unknown tag, a repeated tag, a torn entry. */
	put_le16(buf, 16);
	assert_int_equal(raw(&g, BALLOON_MSG_STATS, buf, 10), -EINVAL);
	put_le16(buf, 3);
	put_le16(buf + 10, 3);
	assert_int_equal(raw(&g, BALLOON_MSG_STATS, buf, 20), -EINVAL);
	assert_int_equal(raw(&g, BALLOON_MSG_STATS, buf, 15), -EINVAL);
	/* Reports of a block holding an inflated page, of a torn block. */
	put_le32(buf, 1);
	put_le32(buf + 4, 0);
	put_le32(buf + 8, 3);
	assert_int_equal(raw(&g, BALLOON_MSG_REPORT, buf, 12), -EINVAL);
	put_le32(buf + 4, 1);
	put_le32(buf + 8, 1);
	assert_int_equal(raw(&g, BALLOON_MSG_REPORT, buf, 12), -EINVAL);
	assert_true(page_intact(&g, 0) && page_intact(&g, 1) && page_intact(&g, 2));
	/* actual beyond memory, a control request, an unknown type, flags. */
	put_le32(buf, 1025);
	assert_int_equal(raw(&g, BALLOON_MSG_SET_ACTUAL, buf, 4), -ERANGE);
	assert_int_equal(raw(&g, BALLOON_MSG_CTL_INFO, NULL, 0), -EPERM);
	assert_int_equal(raw(&g, 99, NULL, 0), -EINVAL);
	put_le16(hdr, BALLOON_MSG_GET_CONFIG);
	put_le16(hdr + 2, 1);
	put_le32(hdr + 4, 0);
	assert_int_equal(write(g.fd, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(balloon_msg_recv(g.fd, &reply, NULL), 0);
	assert_int_equal(reply.type, BALLOON_MSG_REPLY);
	assert_int_equal((int32_t)get_le32(reply.payload), -EINVAL);
	rejected += 9;
	assert_int_equal(host_rejected(&g), rejected);
	/* Only the two pages handed over were touched. */
	for (unsigned long pfn = 0; pfn < g.nr_pages; pfn++)
		assert_true(page_intact(&g, pfn) == (pfn != 5 && pfn != 6));
	assert_int_equal(balloon_host_inflated_pfns(g.host, NULL, 0), 2);

	/* A torn message stalls only its own connection. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl), 0);
	assert_int_equal(balloon_host_add_conn(g.host, ctl[1]), 0);
	put_le16(hdr, BALLOON_MSG_INFLATE);
	put_le16(hdr + 2, 0);
	put_le32(hdr + 4, 100);
	assert_int_equal(write(g.fd, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(balloon_control_request(ctl[0], BALLOON_MSG_CTL_INFO, NULL, 0, NULL, 0),
			 BALLOON_INFO_WIRE_SIZE);
	/* A length beyond the maximum: the stream is lost, the connection closed. */
	close(g.fd);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(balloon_host_add_conn(g.host, sv[1]), 0);
	put_le32(hdr + 4, BALLOON_MSG_MAX_PAYLOAD + 1);
	assert_int_equal(write(sv[0], hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(read(sv[0], buf, sizeof(buf)), 0);
	close(sv[0]);
	assert_int_equal(host_rejected(&g), rejected + 1);
	/* The guest left: the device was reset and its RAM given back. */
	assert_int_equal(balloon_host_inflated_pfns(g.host, NULL, 0), 0);
	close(ctl[0]);
	munmap(g.ram, hc.memory_bytes);
	balloon_host_destroy(g.host);
}

/* ------------------------------------------------------------------ */
/* A host that goes away                                               */

/* Run @fn with stderr going to a file; return what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	static char out[4096];
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	fputs(out, stderr);
	return out;
}

static void host_goes_away(void)
{
	balloon_host_stop(balloon_device_local_host());
	assert_int_equal(virtio_balloon_set_target(0), -ENOTCONN);
}

static void test_host_goes_away(void **state)
{
	struct virtio_balloon_state st;
	long migrated, free_before;
	struct page *pages[64];
	char *log;

	assert_int_equal(virtio_balloon_set_target(2048 * PAGE_SIZE), 0);
	assert_int_equal(virtio_balloon_wait(0), 0);
	log = capture_stderr(host_goes_away);
	assert_non_null(strstr(log, "virtio_balloon: the host went away; the balloon stays "
				    "frozen at 2048 pages"));
	st = balloon_now();
	assert_true(st.host_gone);
	assert_int_equal(st.actual_pages, 2048);
	assert_int_equal(virtio_balloon_wait(1000), -ENOTCONN);
	virtio_balloon_step(PAGE_REPORTING_DELAY_MS);
	assert_int_equal(balloon_now().actual_pages, 2048);
	/* The guest runs on: it allocates, frees, compacts. */
	free_before = event("nr_free_pages");
	for (int i = 0; i < 64; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, i % 4);
		assert_non_null(pages[i]);
		memset(page_address(pages[i]), i, PAGE_SIZE << (i % 4));
	}
	for (int i = 0; i < 64; i++)
		__free_pages(pages[i], i % 4);
	migrated = event("balloon_migrate");
	sysctl_compact_memory();
	assert_int_equal(event("balloon_migrate"), migrated);
	assert_int_equal(balloon_now().actual_pages, 2048);
	drain_all_pages(NULL);
	assert_true(event("nr_free_pages") >= free_before - 64);
	assert_invariants();
}

/* ------------------------------------------------------------------ */
/* A host that refuses a deflate                                       */

/*
 * Make the host forget the balloon: the FEATURES a new driver sends empties
 * its inflated set, so it refuses (-ENOENT) to deflate any page the guest
 * still holds in the balloon, and accepts inflating any other.
 */
static void host_forgets_balloon(void)
{
	struct balloon_conn *c = balloon_device_conn();
	unsigned char buf[8];

	put_le64(buf, balloon_conn_features(c) & BALLOON_FEATURES_SUPPORTED);
	assert_int_equal(balloon_conn_request(c, BALLOON_MSG_FEATURES, buf, sizeof(buf), NULL, 0),
			 0);
	assert_int_equal(balloon_host_inflated_pfns(balloon_device_local_host(), NULL, 0), 0);
}

static void inflate_64_then_forget(void)
{
	assert_int_equal(virtio_balloon_set_target(64 * PAGE_SIZE), 0);
	assert_int_equal(virtio_balloon_wait(0), 0);
	host_forgets_balloon();
}

static struct page *migrated_page;
static int migrate_rc;

/* Migrate one balloon page; the host takes the new page, refuses the old. */
static void migrate_one_balloon_page(void)
{
	unsigned long pfn;
	unsigned int moved = 1;
	LIST_HEAD(list);

	assert_int_equal(balloon_list_pfns(virtio_balloon_dev_info(), &pfn, 1), 1);
	migrated_page = pfn_to_page(pfn);
	assert_true(isolate_folio_to_list(migrated_page, &list));
	migrate_rc = migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				   MR_COMPACTION, &moved);
	assert_int_equal(moved, 0);
	putback_movable_pages(&list);
}

/*
 * Every frame the host counts inflated stays in the guest's balloon: when
 * the host accepts the inflate of a migration's new page and refuses the
 * deflate of the old one, both stay in the (frozen) balloon.
 */
static void test_migration_deflate_refused(void **state)
{
	unsigned long host_pfn;
	struct page *page;
	char *log;

	inflate_64_then_forget();
	log = capture_stderr(migrate_one_balloon_page);
	assert_non_null(strstr(log, "the host refused DEFLATE"));
	assert_int_equal(migrate_rc, 1);
	assert_int_equal(balloon_host_inflated_pfns(balloon_device_local_host(), &host_pfn, 1), 1);
	assert_int_not_equal(host_pfn, page_to_pfn(migrated_page));
	page = pfn_to_page(host_pfn);
	assert_true(PageOffline(page) && page_has_movable_ops(page));
	assert_int_equal(balloon_now().actual_pages, 65);
	assert_true(balloon_now().host_gone);
	assert_int_equal(event("nr_balloon_pages"), 65);
	assert_invariants();
}

static void deflate_all(void)
{
	assert_int_equal(virtio_balloon_set_target(0), 0);
	assert_int_equal(virtio_balloon_wait(0), -ENOTCONN);
}

/* A deflate the host refuses puts the pages back, and counts nothing. */
static void test_undelivered_deflate_counts_nothing(void **state)
{
	long inflated, deflated;

	inflate_64_then_forget();
	inflated = event("balloon_inflate");
	deflated = event("balloon_deflate");
	assert_int_equal(inflated, 64);
	capture_stderr(deflate_all);
	assert_int_equal(event("balloon_inflate"), inflated);
	assert_int_equal(event("balloon_deflate"), deflated);
	assert_int_equal(balloon_now().actual_pages, 64);
	assert_invariants();
}

/* ------------------------------------------------------------------ */
/* Free page reporting, statistics, a threaded driver                  */

static int machine_reporting_setup(void **state)
{
	return boot(TEST_MEMORY, true, true);
}

static unsigned long reported_blocks(void)
{
	unsigned long n = 0;

	for (unsigned long pfn = 0; pfn < machine.max_pfn; pfn++)
		n += PageBuddy(pfn_to_page(pfn)) && PageReported(pfn_to_page(pfn));
	return n;
}

/*
 * The free blocks of pageblock order and up go to the host, which
 * punches them; they are not reported twice, until reallocated.
 */
static void test_free_page_reporting(void **state)
{
	struct page *page;
	uint64_t reported;
	long rss0, rss1;

	fill_arena(0x5a);
	rss0 = rss_bytes();
	virtio_balloon_step(PAGE_REPORTING_DELAY_MS / 2);
	assert_int_equal(balloon_now().host.reported_bytes, 0);
	virtio_balloon_step(PAGE_REPORTING_DELAY_MS / 2);
	reported = balloon_now().host.reported_bytes;
	rss1 = rss_bytes();
	print_message("reported %lu MiB, RSS %ld -> %ld MiB, %lu blocks marked\n",
		      (unsigned long)(reported >> 20), rss0 >> 20, rss1 >> 20, reported_blocks());
	assert_true(reported >= TEST_MEMORY / 10 * 9);
	assert_true(rss0 - rss1 >= (long)reported / 100 * 95);
	assert_true(reported_blocks() > 0);
	assert_invariants();

	virtio_balloon_step(PAGE_REPORTING_DELAY_MS);
	assert_int_equal(balloon_now().host.reported_bytes, reported);

	page = alloc_pages(GFP_HIGHUSER_MOVABLE, pageblock_order);
	assert_non_null(page);
	assert_false(PageReported(page));
	memset(page_address(page), 1, PAGE_SIZE << pageblock_order);
	__free_pages(page, pageblock_order);
	drain_all_pages(NULL);
	virtio_balloon_step(PAGE_REPORTING_DELAY_MS);
	assert_true(balloon_now().host.reported_bytes >= reported + (PAGE_SIZE << pageblock_order));
	assert_invariants();
}

static int machine_threaded_setup(void **state)
{
	return boot(TEST_MEMORY, false, false);
}

static int machine_threaded_teardown(void **state)
{
	assert_invariants();
	machine_exit();
	return 0;
}

/* The worker follows the host's target by itself. */
static void test_threaded_driver(void **state)
{
	assert_int_equal(virtio_balloon_set_target(TEST_MEMORY / 2), 0);
	assert_int_equal(virtio_balloon_wait(10000), 0);
	assert_int_equal(balloon_now().actual_pages, machine.max_pfn / 2);
	assert_host_matches_guest();
	assert_int_equal(virtio_balloon_set_target(TEST_MEMORY / 8), 0);
	assert_int_equal(virtio_balloon_wait(10000), 0);
	assert_int_equal(balloon_now().actual_pages, machine.max_pfn / 8);
	assert_host_matches_guest();
}

/* The host asks; the worker answers with the 16 virtio statistics. */
static void test_stats(void **state)
{
	unsigned char reply[12 + VIRTIO_BALLOON_S_NR * BALLOON_STAT_WIRE_SIZE];
	struct virtio_balloon_stat stats[VIRTIO_BALLOON_S_NR];
	int n = balloon_conn_control(balloon_device_conn(), BALLOON_MSG_CTL_STATS, NULL, 0, reply,
				     sizeof(reply));
	unsigned int nr;

	assert_int_equal(n, sizeof(reply));
	assert_true(get_le64(reply) < 1000);
	nr = balloon_stats_decode(reply + 12, n - 12, stats);
	assert_int_equal(nr, VIRTIO_BALLOON_S_NR);
	for (unsigned int i = 0; i < nr; i++)
		assert_int_equal(stats[i].tag, i);
	assert_int_equal(stats[VIRTIO_BALLOON_S_MEMTOT].val, TEST_MEMORY);
	assert_true(stats[VIRTIO_BALLOON_S_MEMFREE].val > TEST_MEMORY / 2);
	assert_true(stats[VIRTIO_BALLOON_S_AVAIL].val < stats[VIRTIO_BALLOON_S_MEMFREE].val);
	assert_string_equal(virtio_balloon_stat_names[VIRTIO_BALLOON_S_AVAIL], "available-memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inflate_gives_memory_back, machine_1g_setup,
						machine_teardown),
		machine_test(test_target_clamped),
		machine_test(test_compaction_moves_balloon_pages),
		machine_test(test_deflate_on_oom),
		cmocka_unit_test(test_no_deflate_on_oom),
		cmocka_unit_test(test_socket_path_too_long),
		cmocka_unit_test(test_hostile_messages),
		machine_test(test_host_goes_away),
		machine_test(test_migration_deflate_refused),
		machine_test(test_undelivered_deflate_counts_nothing),
		cmocka_unit_test_setup_teardown(test_free_page_reporting, machine_reporting_setup,
						machine_teardown),
		cmocka_unit_test_setup_teardown(test_threaded_driver, machine_threaded_setup,
						machine_threaded_teardown),
		cmocka_unit_test_setup_teardown(test_stats, machine_threaded_setup,
						machine_threaded_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
