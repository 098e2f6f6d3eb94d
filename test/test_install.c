/*
 * numasched as a Unix tool: a man page for every command, pages man reads
 * without a warning, and `make install` / `make uninstall` into a folder of
 * the test's own. Runs from the repository root after `make man` (the test
 * target builds the pages first).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/util.h"

#define MAN_DIR "build/man"

/* Run @cmd with the shell; its exit status. */
static int shell(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* man's formatting of @page must say nothing on stderr: groff's warnings
 * (an unknown macro, a broken escape) go there while man exits 0. */
static void man_reads_cleanly(const char *d, const char *page)
{
    char cmd[1024], *err = ns_path_join(d, "warnings");
    snprintf(cmd, sizeof(cmd), "MANWIDTH=80 man --warnings -l '%s/%s' >/dev/null 2>'%s'",
             MAN_DIR, page, err);
    cr_assert_eq(shell(cmd), 0, "man cannot read %s", page);
    char *text = slurp(err, NULL);
    cr_assert(text && text[0] == '\0', "%s: %s", page, text);
    free(text);
    free(err);
}

/* Each command `numasched --help` lists has its numasched-COMMAND.1, and
 * every page, those and numasched.1 and numasched-scenario.5, reads cleanly. */
Test(install, every_command_has_a_clean_man_page)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"--help", NULL});
    cr_assert_eq(r.status, 0);
    const char *p = strstr(r.out, "commands:\n");
    cr_assert_not_null(p);
    int commands = 0;
    for (p = strchr(p, '\n') + 1; p[0] == ' ' && p[1] == ' '; p = strchr(p, '\n') + 1) {
        char name[32], page[64];
        cr_assert_eq(sscanf(p, " %31s", name), 1);
        snprintf(page, sizeof(page), "numasched-%s.1", name);
        man_reads_cleanly(d, page);
        commands++;
    }
    cr_assert_geq(commands, 6, "%s", r.out);
    man_reads_cleanly(d, "numasched.1");
    man_reads_cleanly(d, "numasched-scenario.5");
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

/* make, as a user runs it, from the repository root; not the test target's
 * own jobserver. The binary under test is installed as it is (-o: never
 * rebuilt here, whatever changed in the tree since it was built). */
static int make(const char *target, const char *prefix)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -o '%s' %s "
             "PREFIX='%s' INSTALL_BIN='%s' >/dev/null 2>&1", binary(), target, prefix, binary());
    return shell(cmd);
}

Test(install, install_then_uninstall_leaves_nothing)
{
    char *d = tmpdir(), *prefix = ns_path_join(d, "x");
    char cmd[1024];

    cr_assert_eq(make("install", prefix), 0);
    snprintf(cmd, sizeof(cmd), "'%s/bin/numasched' --help | grep -q advise", prefix);
    cr_assert_eq(shell(cmd), 0, "the installed binary does not answer --help");
    snprintf(cmd, sizeof(cmd), "MANPATH='%s/share/man' man -w numasched | grep -qx "
             "'%s/share/man/man1/numasched.1'", prefix, prefix);
    cr_assert_eq(shell(cmd), 0, "man -w does not find numasched(1) under the prefix");
    snprintf(cmd, sizeof(cmd), "MANPATH='%s/share/man' man -w 5 numasched-scenario >/dev/null",
             prefix);
    cr_assert_eq(shell(cmd), 0, "no numasched-scenario(5)");
    snprintf(cmd, sizeof(cmd), "test -f '%s/share/bash-completion/completions/numasched' && "
             "test -f '%s/share/numasched/examples/placement-10vm.cfg'", prefix, prefix);
    cr_assert_eq(shell(cmd), 0, "completion or examples missing");
    /* The completion offers `advise` for "ad", --workload after it, and
     * --version for "--v". */
    snprintf(cmd, sizeof(cmd), "bash -c 'source \"%s/share/bash-completion/completions/"
             "numasched\"; COMP_WORDS=(n ad); COMP_CWORD=1; _numasched \"%s/bin/numasched\" ad; "
             "test \"${COMPREPLY[*]}\" = advise && COMP_WORDS=(n advise --wor); COMP_CWORD=2; "
             "_numasched \"%s/bin/numasched\" --wor; test \"${COMPREPLY[*]}\" = --workload && "
             "COMP_WORDS=(n --v); COMP_CWORD=1; _numasched \"%s/bin/numasched\" --v; "
             "test \"${COMPREPLY[*]}\" = --version'",
             prefix, prefix, prefix, prefix);
    cr_assert_eq(shell(cmd), 0, "bash completion does not complete");

    cr_assert_eq(make("uninstall", prefix), 0);
    cr_assert_eq(access(prefix, F_OK), -1, "uninstall left %s", prefix);
    free(prefix);
    rm_rf(d);
    free(d);
}
