/*
 * numasched advise: the settings it prints say exactly what placement
 * decided (cpu lists as xl writes them, libvirt XML that libvirt's schema
 * accepts), and the winner's rewritten files, run again, give the metric
 * advise predicted. Expected cpu lists are derived by hand from the hosts'
 * synthetic strings: "pack:N [numa] core:C pu:P" numbers pCPUs node by node,
 * C*P to a node.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/advise.h"
#include "numasched/config.h"
#include "numasched/place.h"
#include "numasched/report.h"
#include "numasched/sched.h"

/* ---- the settings of one spec ------------------------------------------------------- */

/* A scenario of @host with one guest per domain text, loaded and placed. */
static void load_placed(const char *d, const char *host, const char *const *vms,
                        struct ns_sim_spec *s)
{
    char scen[1024] = "", names[512] = "";
    struct ns_err err;

    for (size_t i = 0; vms[i]; i++) {
        char file[32];
        snprintf(file, sizeof(file), "vm%zu.cfg", i + 1);
        write_file(d, file, vms[i]);
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s\"%s\"",
                 i ? ", " : "", file);
    }
    snprintf(scen, sizeof(scen), "host = \"%s\"\nduration = 1\ndomains = [%s]\n", host, names);
    write_file(d, "s.cfg", scen);
    char *path = ns_path_join(d, "s.cfg");
    cr_assert_eq(ns_config_load(path, NULL, s, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_place_spec(s, NULL, &err), 0, "%s", err.msg);
    free(path);
}

/* What a printer wrote into memory, NUL-terminated (free it). */
static char *printed(void (*fn)(const struct ns_sim_spec *, size_t, FILE *),
                     const struct ns_sim_spec *s, size_t idx)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(s, idx, f);
    fclose(f);
    return buf;
}

/*
 * 3 nodes of 2 pCPUs: node 0 = 0-1, node 1 = 2-3, node 2 = 4-5. A mask that
 * is exactly whole nodes is written with xl's node syntax (a run of nodes as
 * "nodes:A-B"), any other with plain numbers, all pCPUs as "all". cpus_soft
 * is left out when every vCPU's is all pCPUs. Both domains give cpus= as a
 * list: from xl 4.12 (the default "current" is 4.22) a plain string would
 * not keep libxl from placing them over it (facts 7.1).
 */
Test(advise_settings, xl_lines_use_node_syntax_for_whole_nodes)
{
    char *d = tmpdir();
    struct ns_sim_spec s = {0};
    const char *const vms[] = {
        "name = \"a\"\nvcpus = 2\nmemory = 64\ncpus = [\"0-3\", \"0-1,4-5\"]\n"
        "cpus_soft = \"0-2\"\n",
        "name = \"b\"\nvcpus = 1\nmemory = 64\ncpus = [\"all\"]\n",
        NULL};
    load_placed(d, "pack:3 [numa(memory=1GiB)] core:1 pu:2", vms, &s);

    char *a = printed(ns_advise_xl_lines, &s, 0), *b = printed(ns_advise_xl_lines, &s, 1);
    cr_assert_str_eq(a, "cpus = [\"nodes:0-1\", \"node:0,node:2\"]\ncpus_soft = \"0-2\"\n");
    cr_assert_str_eq(b, "cpus = [\"all\"]\n");
    free(a);
    free(b);
    ns_sim_spec_free(&s);
    rm_rf(d);
    free(d);
}

/* The xl commands are pasted into a shell: a name with a blank or a quote
 * is one quoted word ("web 1" -> 'web 1', "db's" -> 'db'\''s'). */
Test(advise_settings, xl_commands_quote_names_for_the_shell)
{
    char *d = tmpdir(), *text = NULL;
    struct ns_sim_spec s = {0};
    size_t len = 0;
    const char *const vms[] = {
        "name = \"web 1\"\nvcpus = 1\nmemory = 64\ncpus = [\"0-1\"]\n",
        "name = \"db's\"\nvcpus = 1\nmemory = 64\ncpus = [\"2-3\"]\n",
        "name = \"plain\"\nvcpus = 1\nmemory = 64\ncpus = [\"all\"]\n",
        NULL};
    load_placed(d, "pack:2 [numa(memory=1GiB)] core:1 pu:2", vms, &s);

    FILE *f = open_memstream(&text, &len);
    ns_advise_print_settings(&s, f);
    fclose(f);
    cr_assert(strstr(text, "\nxl vcpu-pin 'web 1' all node:0 all\n"), "%s", text);
    cr_assert(strstr(text, "\nxl vcpu-pin 'db'\\''s' all node:1 all\n"), "%s", text);
    cr_assert(strstr(text, "\nxl vcpu-pin plain all all all\n"), "%s", text);
    free(text);
    ns_sim_spec_free(&s);
    rm_rf(d);
    free(d);
}

/* Run @cmd (a shell line); its exit status. */
static int shell(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Validate @xml (a whole <domain>) with libvirt's own checker when it is
 * installed (scripts/deps.sh installs libvirt-clients for `make test`). */
static void libvirt_accepts(const char *d, const char *xml)
{
    if (access("/usr/bin/virt-xml-validate", X_OK) != 0) {
        cr_log_warn("virt-xml-validate missing: the XML was not validated");
        return;
    }
    write_file(d, "dom.xml", xml);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "virt-xml-validate '%s/dom.xml' domain >/dev/null 2>&1", d);
    cr_assert_eq(shell(cmd), 0, "libvirt refuses:\n%s", xml);
}

/*
 * 2 nodes of 4 pCPUs (0-3, 4-7), 4 GiB each. "p" is pinned to node 1: its
 * memory goes there (the node affinity of hard affinity 4-7 is node 1), so
 * <vcpu cpuset='4-7'> and strict memory on node 1. "q" pins its vCPUs apart
 * (0-3, 4-7): one <vcpupin> each, and its memory is striped over both nodes,
 * so interleave over 0-1. Lists, so that libxl does not place them (4.12+).
 */
Test(advise_settings, libvirt_xml_pins_and_places_memory)
{
    char *d = tmpdir();
    struct ns_sim_spec s = {0};
    const char *const vms[] = {
        "name = \"p\"\nvcpus = 2\nmemory = 512\ncpus = [\"4-7\", \"4-7\"]\n",
        "name = \"q\"\nvcpus = 2\nmemory = 512\ncpus = [\"0-3\", \"4-7\"]\n",
        NULL};
    load_placed(d, "pack:2 [numa(memory=4GiB)] core:4 pu:1", vms, &s);

    char *p = printed(ns_advise_libvirt_xml, &s, 0), *q = printed(ns_advise_libvirt_xml, &s, 1);
    cr_assert_not_null(strstr(p, "<vcpu placement='static' cpuset='4-7'>2</vcpu>"), "%s", p);
    cr_assert_not_null(strstr(p, "<memory mode='strict' nodeset='1'/>"), "%s", p);
    cr_assert_null(strstr(p, "<cputune>"), "%s", p);
    cr_assert_not_null(strstr(q, "<vcpupin vcpu='0' cpuset='0-3'/>"), "%s", q);
    cr_assert_not_null(strstr(q, "<vcpupin vcpu='1' cpuset='4-7'/>"), "%s", q);
    cr_assert_not_null(strstr(q, "<memory mode='interleave' nodeset='0-1'/>"), "%s", q);
    libvirt_accepts(d, p);
    libvirt_accepts(d, q);
    free(p);
    free(q);
    ns_sim_spec_free(&s);
    rm_rf(d);
    free(d);
}

/* ---- the command ------------------------------------------------------------------------ */

/* The winner's policy-scheduler label from "recommended: policy P with scheduler S:". */
static void winner(const char *out, char *label, size_t len)
{
    char policy[16], sched[16];
    const char *r = strstr(out, "recommended: policy ");
    cr_assert_not_null(r, "no recommendation in:\n%s", out);
    cr_assert_eq(sscanf(r, "recommended: policy %15s with scheduler %15[^:]", policy, sched), 2);
    snprintf(label, len, "%s-%s", policy, sched);
}

/* The mean it predicted: the number after "scheduler S: ". */
static double predicted(const char *out)
{
    const char *r = strstr(out, "recommended: policy ");
    r = strchr(strstr(r, "scheduler "), ':');
    return strtod(r + 1, NULL);
}

/*
 * Run DIR/apply/scenario.cfg with seeds 1..@seeds: each run's results.json
 * must be byte for byte the winner's run of the same seed, and the mean of
 * their metric the one advise printed (2 decimals, as printed).
 */
static void applied_gives_prediction(const char *d, const char *out, unsigned seeds)
{
    char label[40], *scen = ns_path_join(d, "apply/scenario.cfg");
    double sum = 0;
    struct ns_err err;

    winner(out, label, sizeof(label));
    for (unsigned k = 1; k <= seeds; k++) {
        char seed[8], got[512], want[512];
        snprintf(seed, sizeof(seed), "%u", k);
        snprintf(got, sizeof(got), "%s/check-%u", d, k);
        struct outcome r = cli(d, (const char *[]){"run", scen, "--seed", seed, "--out", got,
                                                   "--quiet", NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        outcome_free(&r);
        strcat(got, "/results.json");
        snprintf(want, sizeof(want), "%s/runs/%s/seed-%u/results.json", d, label, k);
        char *a = slurp(got, NULL), *b = slurp(want, NULL);
        cr_assert(a && b && strcmp(a, b) == 0, "seed %u: %s differs from %s", k, got, want);
        struct ns_exp_run run;
        cr_assert_eq(ns_exp_read_run(got, &run, &err), 0, "%s", err.msg);
        sum += run.value;
        free(a);
        free(b);
    }
    double mean = sum / seeds, said = predicted(out);
    cr_assert(mean - said < 0.005 && said - mean < 0.005, "ran %.4f, predicted %.2f", mean,
              said);
    free(scen);
}

/* Every <domain>...</domain> of @out is valid libvirt XML. */
static void all_xml_valid(const char *d, const char *out)
{
    int n = 0;
    for (const char *p = strstr(out, "<domain "); p; p = strstr(p + 1, "<domain ")) {
        const char *end = strstr(p, "</domain>\n");
        cr_assert_not_null(end);
        char *xml = strndup(p, (size_t)(end - p) + 10);
        libvirt_accepts(d, xml);
        free(xml);
        n++;
    }
    cr_assert_gt(n, 0, "no libvirt XML in:\n%s", out);
}

/* How many ranking rows of @out have @policy in the policy column. */
static int rows_of(const char *out, const char *policy)
{
    char key[32];
    int n = 0;
    snprintf(key, sizeof(key), "  %-6s  ", policy);
    for (const char *p = strstr(out, "\n   "); p; p = strstr(p + 1, "\n   "))
        n += p[4] >= '1' && p[4] <= '9' && strncmp(p + 5, key, strlen(key)) == 0;
    return n;
}

/*
 * The shipped 10-VM example, 100 ms per run, 2 seeds: a ranking of every
 * candidate (4 policies x each scheduler Xen has: none, pin, numa and, its
 * host having 2 nodes and Pool-0 alone, split; credit and credit2 give 8;
 * numasched's own rr is no advice, nor the Experimental rtds), settings for each of the ten guests, and
 * a winner that the rewritten files reproduce.
 */
Test(advise_cli, placement_10vm_ranks_and_reproduces)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"advise", "examples/placement-10vm.cfg",
                                               "--duration", "100ms", "--seeds", "2",
                                               "--jobs", "2", "--out", d, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    int ranks = 0;
    for (const char *p = strstr(r.out, "\n   "); p; p = strstr(p + 1, "\n   "))
        ranks += p[4] >= '1' && p[4] <= '9' && p[5] == ' ';
    cr_assert_eq(ranks, 8, "%s", r.out);
    cr_assert_eq(rows_of(r.out, "split"), 2, "%s", r.out);
    cr_assert_null(strstr(r.out, " rr "), "%s", r.out);
    cr_assert_null(strstr(r.out, " rtds "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "## vm10 "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "xl vcpu-pin vm1 "), "%s", r.out);
    applied_gives_prediction(d, r.out, 2);
    all_xml_valid(d, r.out);
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

/*
 * A live host and two plain xl.cfg files as an operator has them, with no
 * workload key: --workload gives it, and the rewritten files carry it.
 */
Test(advise_cli, live_host_with_plain_xl_files)
{
    char *d = tmpdir();
    write_file(d, "web.cfg", "name = \"web\"\nvcpus = 2\nmemory = 256\n");
    write_file(d, "db.cfg", "name = \"db\"\nvcpus = 1\nmemory = 512\ncpus = \"0\"\n");
    write_file(d, "s.cfg", "host = \"live\"\nduration = 1\ndomains = [\"web.cfg\", \"db.cfg\"]\n");
    char *s = ns_path_join(d, "s.cfg"), *web = ns_path_join(d, "apply/web.cfg");
    struct outcome r = cli(d, (const char *[]){"advise", s, "--workload", "specjbb",
                                               "--duration", "50ms", "--seeds", "2",
                                               "--out", d, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "## web "), "%s", r.out);
    /* db's own cpus = "0" is kept: libxl never places a domain with cpus=. */
    cr_assert_not_null(strstr(r.out, "cpus = [\"0\"]\n"), "%s", r.out);
    char *text = slurp(web, NULL);
    cr_assert(text && strstr(text, "workload = \"specjbb\"\n"), "%s", text);
    applied_gives_prediction(d, r.out, 2);
    free(text);
    outcome_free(&r);
    free(s);
    free(web);
    rm_rf(d);
    free(d);
}

/* null gives each vCPU a pCPU of its own: a candidate on 4 pCPUs for 2
 * guests of 2 vCPUs (and no Domain-0), not for 3 of them (6 vCPUs). */
static bool null_offered(unsigned guests)
{
    char *d = tmpdir();
    for (unsigned i = 1; i <= 3; i++)
        write_filef(d, i == 1 ? "vm1.cfg" : i == 2 ? "vm2.cfg" : "vm3.cfg",
                    "name = \"vm%u\"\nvcpus = 2\nmemory = 256\nworkload = \"cpu\"\n", i);
    write_filef(d, "s.cfg", "host = \"pack:1 core:4 pu:1\"\ndomains = [ \"vm1.cfg\", "
                "\"vm2.cfg\"%s ]\n", guests == 3 ? ", \"vm3.cfg\"" : "");
    char *s = ns_path_join(d, "s.cfg");
    struct outcome r = cli(d, (const char *[]){"advise", s, "--seeds", "1", "--duration",
                                               "20ms", "--out", d, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    bool offered = strstr(r.out, " null ") != NULL;
    outcome_free(&r);
    free(s);
    rm_rf(d);
    free(d);
    return offered;
}

Test(advise_cli, null_only_where_every_vcpu_has_a_pcpu)
{
    cr_expect(null_offered(2));
    cr_expect_not(null_offered(3));
}

/* One run per candidate has no interval: neither "± 0" nor a claim that the
 * candidates are or are not apart. */
Test(advise_cli, one_seed_claims_no_interval)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"advise", "examples/cpu.cfg", "--seeds", "1",
                                               "--duration", "50ms", "--out", d, "--quiet",
                                               NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "(one seed: no interval)\n"), "%s", r.out);
    cr_assert(strstr(r.out, "how far apart they are is unknown"), "%s", r.out);
    cr_assert_null(strstr(r.out, "± 0.00"), "%s", r.out);
    cr_assert_null(strstr(r.out, "are not apart"), "%s", r.out);
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

Test(advise_cli, refuses_bad_input_in_one_line)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"advise", "no-such.cfg", "--quiet", NULL});
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "no-such.cfg"), "%s", r.err);
    char *nl = strchr(r.err, '\n');
    cr_assert(nl && nl[1] == '\0', "not one line: %s", r.err);
    outcome_free(&r);
    r = cli(d, (const char *[]){"advise", "examples/cpu.cfg", "--seeds", "0", NULL});
    cr_assert_eq(r.status, 2, "%s", r.err);
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

/* ---- cpupools ---------------------------------------------------------------------------- */

/*
 * examples/cpupools.cfg has a pool file of its own: rr-node1 takes node 1
 * (pCPUs 8-15 of "pack:2 core:4 pu:2") and runs rr; Pool-0 keeps node 0.
 * advise keeps the pools, gives them the candidate's scheduler and offers
 * no split (xl splits only while Pool-0 is alone): 3 policies x 2
 * schedulers. The winner's pool file is written as the operator is told
 * to create it, and read back by numasched's pool loader (libxlutil) it
 * gives rr-node1 exactly pCPUs 8-15 with the winner's scheduler; batch
 * (pool = "rr-node1" in its file) stays in it; the files run as the winner.
 */
Test(advise_cli, user_cpupools_get_pool_files_that_reproduce)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"advise", "examples/cpupools.cfg",
                                               "--duration", "100ms", "--seeds", "2",
                                               "--jobs", "2", "--out", d, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(rows_of(r.out, "split"), 0, "%s", r.out);
    cr_assert_eq(rows_of(r.out, "none") + rows_of(r.out, "pin") + rows_of(r.out, "numa"), 6,
                 "%s", r.out);
    char label[40], want[256];
    winner(r.out, label, sizeof(label));
    const char *sched = strchr(label, '-') + 1;
    cr_assert_not_null(strstr(r.out, "xl cpupool-cpu-remove Pool-0 node:1\n"
                                     "xl cpupool-create rr-node1.pool\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "pool = \"rr-node1\"\n"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "xl cpupool-migrate batch rr-node1 "), "%s", r.out);

    char *pool = ns_path_join(d, "apply/rr-node1.pool"), *text = slurp(pool, NULL);
    snprintf(want, sizeof(want), "name = \"rr-node1\"\nsched = \"%s\"\ncpus = \"node:1\"\n",
             sched);
    cr_assert(text && strstr(text, want), "%s", text);
    char *scen = ns_path_join(d, "apply/scenario.cfg");
    struct ns_sim_spec s = {0};
    struct ns_err err;
    cr_assert_eq(ns_config_load(scen, NULL, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.nr_pools, 2);
    cr_assert_str_eq(s.pool[1].name, "rr-node1");
    cr_assert_str_eq(s.pool[1].sched, sched);
    char *cpus = ns_mask_format(&s.pool[1].cpus), *cpus0 = ns_mask_format(&s.pool[0].cpus);
    cr_assert_str_eq(cpus, "8-15");
    cr_assert_str_eq(cpus0, "0-7");
    size_t batch = s.nr_dom - 1;               /* the last of the domains list */
    cr_assert_str_eq(s.dom[batch].name, "batch");
    cr_assert_eq(ns_spec_pool_of(&s, batch), &s.pool[1]);
    applied_gives_prediction(d, r.out, 2);
    free(cpus);
    free(cpus0);
    ns_sim_spec_free(&s);
    free(scen);
    free(text);
    free(pool);
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

/*
 * The winner's files for a split host: 2 nodes of 2 pCPUs (0-1, 2-3), split
 * as xl does (Pool-node0 is Pool-0 renamed, Pool-node1 holds 2-3), guest
 * "far" in Pool-node1 and "near" without pool= (so in Pool-node0). The
 * settings say `xl cpupool-numa-split`, pool= and cpupool-migrate for far
 * only; the rewritten scenario splits again (no pool files: xl's split
 * names them) and, read back, puts far in Pool-node1 on pCPUs 2-3.
 */
Test(advise_settings, numa_split_winner_is_written_as_xl_splits)
{
    char *d = tmpdir(), *apply = NULL;
    write_file(d, "far.cfg", "name = \"far\"\nvcpus = 1\nmemory = 64\npool = \"Pool-node1\"\n");
    write_file(d, "near.cfg", "name = \"near\"\nvcpus = 1\nmemory = 64\n");
    write_file(d, "s.cfg", "host = \"pack:2 [numa(memory=1GiB)] core:2 pu:1\"\nduration = 1\n"
                           "cpupool_numa_split = 1\ndomains = [\"far.cfg\", \"near.cfg\"]\n");
    char *path = ns_path_join(d, "s.cfg");
    struct ns_sim_spec s = {0}, back = {0};
    struct ns_err err;
    cr_assert_eq(ns_config_load(path, NULL, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_place_spec(&s, NULL, &err), 0, "%s", err.msg);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ns_advise_print_settings(&s, f);
    fclose(f);
    cr_assert_not_null(strstr(buf, "\nxl cpupool-numa-split\n"), "%s", buf);
    cr_assert_not_null(strstr(buf, "pool = \"Pool-node1\"\n"), "%s", buf);
    cr_assert_not_null(strstr(buf, "xl cpupool-migrate far Pool-node1 "), "%s", buf);
    cr_assert_null(strstr(buf, "xl cpupool-migrate near"), "%s", buf);
    cr_assert_null(strstr(buf, "cpupool-create"), "%s", buf);

    apply = ns_path_join(d, "apply");
    cr_assert_eq(mkdir(apply, 0777), 0);
    struct ns_advise_opts o = {.seeds = 1};
    cr_assert_eq(ns_advise_rewrite(path, &s, &o, apply, &err), 0, "%s", err.msg);
    char *scen = ns_path_join(apply, "scenario.cfg"), *text = slurp(scen, NULL);
    cr_assert(text && strstr(text, "\ncpupool_numa_split = 1\n"), "%s", text);
    cr_assert_eq(ns_config_load(scen, NULL, &back, &err), 0, "%s", err.msg);
    cr_assert_eq(back.nr_pools, 2);
    cr_assert_str_eq(back.pool[0].name, "Pool-node0");
    cr_assert_eq(ns_spec_pool_of(&back, 0), &back.pool[1]);
    cr_assert_eq(ns_spec_pool_of(&back, 1), &back.pool[0]);
    char *cpus = ns_mask_format(&back.pool[1].cpus);
    cr_assert_str_eq(cpus, "2-3");
    free(cpus);
    free(text);
    free(scen);
    free(buf);
    ns_sim_spec_free(&back);
    ns_sim_spec_free(&s);
    free(apply);
    free(path);
    rm_rf(d);
    free(d);
}

/* ---- guests of different workloads ------------------------------------------------------- */

/*
 * The score of a run whose guests report different metrics, by hand: a
 * throughput guest at 200 against a reference 100 (ratio 2) and a latency
 * guest at 5 us against 10 (lower is better: 10/5 = 2) score sqrt(2*2) = 2;
 * 400/100 = 4 with 10/40 = 0.25 score sqrt(1) = 1 (twice as good and as bad
 * offset); 50/100 = 0.5 with 10/20 = 0.5 score 0.5. Three guests, 100/100,
 * 800/100 and 10/10: the cube root of 8 = 2.
 */
Test(advise_score, geometric_mean_of_direction_aware_ratios)
{
    const double ref[] = {100, 10};
    const bool higher[] = {true, false};
    cr_assert_float_eq(ns_advise_score((const double[]){200, 5}, ref, higher, 2), 2.0, 1e-12);
    cr_assert_float_eq(ns_advise_score((const double[]){400, 40}, ref, higher, 2), 1.0, 1e-12);
    cr_assert_float_eq(ns_advise_score((const double[]){50, 20}, ref, higher, 2), 0.5, 1e-12);
    cr_assert_float_eq(ns_advise_score((const double[]){100, 800, 10},
                                       (const double[]){100, 100, 10},
                                       (const bool[]){true, true, false}, 3), 2.0, 1e-12);
}

/* Guest @i's value in the run file @path. */
static double guest_value(const char *path, size_t i)
{
    struct ns_exp_guest *g;
    size_t n;
    struct ns_err err;
    cr_assert_eq(ns_exp_read_guests(path, &g, &n, &err), 0, "%s", err.msg);
    cr_assert_lt(i, n);
    double v = g[i].value;
    free(g);
    return v;
}

/*
 * A cpu guest (ops/s, higher is better) and an lmbench-proc guest (fork
 * latency in us, lower is better) on 2 nodes: advise ranks them by score,
 * the rewritten files reproduce the winner's runs byte for byte, and the
 * score recomputed from those runs and the reference's (none-credit, the
 * first candidate) is the one it predicted.
 */
Test(advise_cli, guests_of_different_workloads_are_ranked_by_score)
{
    char *d = tmpdir();
    write_file(d, "web.cfg", "name = \"web\"\nvcpus = 2\nmemory = 256\nworkload = \"cpu\"\n");
    write_file(d, "lat.cfg", "name = \"lat\"\nvcpus = 2\nmemory = 256\n"
                             "workload = \"lmbench-proc\"\n");
    write_file(d, "s.cfg", "host = \"pack:2 [numa(memory=2GiB)] core:2 pu:1\"\nduration = 1\n"
                           "domains = [\"web.cfg\", \"lat.cfg\"]\n");
    char *s = ns_path_join(d, "s.cfg"), *scen = ns_path_join(d, "apply/scenario.cfg");
    struct outcome r = cli(d, (const char *[]){"advise", s, "--duration", "50ms", "--seeds",
                                               "2", "--jobs", "2", "--out", d, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "ops in ops/s, fork_latency in us (lower is better)"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, " x none-credit ± "), "%s", r.out);
    char label[40];
    winner(r.out, label, sizeof(label));

    double ref[2] = {0, 0}, sum = 0;
    for (unsigned k = 1; k <= 2; k++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/runs/none-credit/seed-%u/results.json", d, k);
        for (size_t g = 0; g < 2; g++)
            ref[g] += guest_value(path, g) / 2;
    }
    for (unsigned k = 1; k <= 2; k++) {
        char seed[8], got[512], want[512];
        snprintf(seed, sizeof(seed), "%u", k);
        snprintf(got, sizeof(got), "%s/check-%u", d, k);
        struct outcome run = cli(d, (const char *[]){"run", scen, "--seed", seed, "--out", got,
                                                     "--quiet", NULL});
        cr_assert_eq(run.status, 0, "%s", run.err);
        outcome_free(&run);
        strcat(got, "/results.json");
        snprintf(want, sizeof(want), "%s/runs/%s/seed-%u/results.json", d, label, k);
        char *a = slurp(got, NULL), *b = slurp(want, NULL);
        cr_assert(a && b && strcmp(a, b) == 0, "seed %u: %s differs from %s", k, got, want);
        double v[2] = {guest_value(got, 0), guest_value(got, 1)};
        sum += ns_advise_score(v, ref, (const bool[]){true, false}, 2);
        free(a);
        free(b);
    }
    double said = predicted(r.out);
    cr_assert(fabs(sum / 2 - said) < 0.00005, "ran %.6f, predicted %.4f", sum / 2, said);
    outcome_free(&r);
    free(scen);
    free(s);
    rm_rf(d);
    free(d);
}
