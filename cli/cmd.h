/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the pagelab subcommands that live in their own files.
 */
#ifndef PAGELAB_CLI_CMD_H
#define PAGELAB_CLI_CMD_H

int cmd_host(int argc, char **argv);		/* cmd_host.c: `pagelab host` */
int cmd_balloon(int argc, char **argv);		/* cmd_balloon.c: `pagelab balloon` */
int cmd_replay(int argc, char **argv);		/* cmd_replay.c: `pagelab replay` */

/* Their usage, which main.c prints for `pagelab help host` and `host --help`. */
extern const char host_usage[];
extern const char balloon_usage[];
extern const char replay_usage[];

#endif /* PAGELAB_CLI_CMD_H */
