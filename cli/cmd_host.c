/* SPDX-License-Identifier: MIT */
/*
 * cmd_host.c - `pagelab host --memory SIZE --socket PATH`: the balloon's
 * host device as a process of its own (docs/balloon.md). It creates the
 * guest's RAM (a memfd), listens on PATH, passes the memfd to the guest
 * that connects (`pagelab run FILE --connect PATH`) and serves it and any
 * control client (`pagelab balloon --connect PATH ...`) until SIGINT or
 * SIGTERM. Log lines go to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "host/host.h"
#include "pagelab/pagelab.h"
#include "pagelab/scenario.h"
#include "cmd.h"

const char host_usage[] =
	"usage: pagelab host --memory SIZE --socket PATH [--free-page-reporting]\n"
	"                    [--no-deflate-on-oom] [--no-stats]\n"
	"\n"
	"Own a guest's RAM (SIZE, with K, M, G or p) and serve its balloon on the\n"
	"Unix socket PATH until SIGINT or SIGTERM. Guests connect with\n"
	"`pagelab run FILE --connect PATH`, operators with `pagelab balloon`.\n"
	"  --free-page-reporting  offer VIRTIO_BALLOON_F_REPORTING\n"
	"  --no-deflate-on-oom    do not offer VIRTIO_BALLOON_F_DEFLATE_ON_OOM\n"
	"  --no-stats             do not offer VIRTIO_BALLOON_F_STATS_VQ\n";

static struct balloon_host *serving;

static void on_signal(int sig)
{
	balloon_host_request_stop(serving);
}

static int host_usage_error(const char *fmt, const char *arg)
{
	fputs("pagelab host: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(host_usage, stderr);
	return PAGELAB_RUN_ERROR;
}

/**
 * cmd_host() - `pagelab host`.
 * Context: the process's main thread; installs SIGINT/SIGTERM handlers.
 * Return: 0 after a signal; PAGELAB_RUN_ERROR for bad usage or a host
 * that cannot start.
 */
int cmd_host(int argc, char **argv)
{
	struct balloon_host_config cfg = {
		.features = BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) | BIT(VIRTIO_BALLOON_F_STATS_VQ) |
			    BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM),
	};
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t stop_signals;
	int err;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--free-page-reporting")) {
			cfg.features |= BIT(VIRTIO_BALLOON_F_REPORTING);
		} else if (!strcmp(argv[i], "--no-deflate-on-oom")) {
			cfg.features &= ~BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
		} else if (!strcmp(argv[i], "--no-stats")) {
			cfg.features &= ~BIT(VIRTIO_BALLOON_F_STATS_VQ);
		} else if (i + 1 < argc && !strcmp(argv[i], "--memory")) {
			err = pagelab_parse_size(argv[++i], &cfg.memory_bytes);
			if (err == -ERANGE)
				return host_usage_error("--memory '%s' is out of range", argv[i]);
			if (err || !cfg.memory_bytes || cfg.memory_bytes % PAGELAB_PAGE_SIZE)
				return host_usage_error("bad --memory '%s' (a multiple of 4K)", argv[i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "--socket")) {
			cfg.socket_path = argv[++i];
		} else {
			return host_usage_error("unknown or incomplete option '%s'", argv[i]);
		}
	}
	if (!cfg.memory_bytes || !cfg.socket_path)
		return host_usage_error("%s", "--memory and --socket are required");
	/* A stop that comes once the socket exists must find the handler. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	err = balloon_host_create(&cfg, &serving);
	if (err) {
		fprintf(stderr, "pagelab host: cannot serve on %s: %s\n", cfg.socket_path,
			strerror(-err));
		return PAGELAB_RUN_ERROR;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
	fprintf(stderr, "pagelab host: serving %llu bytes of guest RAM on %s\n",
		(unsigned long long)cfg.memory_bytes, cfg.socket_path);
	err = balloon_host_serve(serving);
	balloon_host_destroy(serving);
	if (err) {
		fprintf(stderr, "pagelab host: %s\n", strerror(-err));
		return PAGELAB_RUN_ERROR;
	}
	fprintf(stderr, "pagelab host: stopped\n");
	return 0;
}
