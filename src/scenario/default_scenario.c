/* SPDX-License-Identifier: MIT */
/*
 * default_scenario.c - the scenario `pagelab run` runs when given no file,
 * named "default" in reports. It shows what this build can do: the buddy
 * allocator on the default machine, kernel-side allocation sets of both
 * types and several orders (two of them in the background), frees that
 * leave holes, content checks and a few facts that must hold.
 */
#include "scenario/scenario_internal.h"

const char scn_default_scenario[] =
	"# pagelab's built-in scenario: the buddy allocator at work.\n"
	"machine memory=1G cpus=2 max_order=10 pageblock_order=9\n"
	"report boot\n"
	"kalloc small count=4096 order=0 type=unmovable\n"
	"kalloc mid count=512 order=3 type=reclaimable\n"
	"& kalloc big count=16 order=9 type=unmovable\n"
	"& kalloc huge count=4 order=10 type=reclaimable\n"
	"wait\n"
	"report allocated\n"
	"expect kalloc.small.ok == 4096\n"
	"expect kalloc.mid.ok == 512\n"
	"expect kalloc.big.ok == 16\n"
	"expect kalloc.huge.ok == 4\n"
	"expect vmstat.nr_free_pages <= 241664\n"
	"# Free every other block: the holes left cannot merge back.\n"
	"kfree small every=2\n"
	"kfree mid every=2\n"
	"kfree big random=50 seed=1\n"
	"report holes\n"
	"kcheck small\n"
	"kcheck mid\n"
	"kcheck big\n"
	"kcheck huge\n"
	"expect kalloc.small.intact == 1\n"
	"expect kalloc.mid.intact == 1\n"
	"expect kalloc.big.intact == 1\n"
	"expect kalloc.huge.intact == 1\n"
	"expect buddy.Normal.order0 >= 1\n"
	"kfree small\n"
	"kfree mid\n"
	"kfree big\n"
	"kfree huge\n"
	"expect buddy.free_blocks_order10 >= 200\n"
	"expect machine.zone_pages == 262144\n";
