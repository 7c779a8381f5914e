/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the pagelab subcommands that live in their own files.
 */
#ifndef PAGELAB_CLI_CMD_H
#define PAGELAB_CLI_CMD_H

int cmd_host(int argc, char **argv);		/* cmd_host.c: `pagelab host` */
int cmd_balloon(int argc, char **argv);		/* cmd_balloon.c: `pagelab balloon` */
int cmd_replay(int argc, char **argv);		/* cmd_replay.c: `pagelab replay` */

#endif /* PAGELAB_CLI_CMD_H */
