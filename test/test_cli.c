/*
 * The numasched command as a user meets it: exit codes, one-line errors that
 * name the file, line and key, no results left behind by a failed run, and
 * byte-identical results for the same seed. Runs the binary named by
 * $NUMASCHED (make test points it at the sanitized build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "numasched/report.h"
#include "numasched/util.h"

#define SCENARIO_HEAD "host = \"pack:2 [numa(memory=6GiB)] core:4 pu:2\"\nsched = \"rr\"\nseed = 1\n"

static const char good_vm[] = "name = \"vm1\"\nvcpus = 2\nmemory = 960\nworkload = \"specjbb\"\n";

/*
 * Run a scenario that must be refused: exit 1, one line on stderr that
 * contains every one of @needles, and nothing in the --out folder.
 */
static void refused(const char *scenario, const char *vm, const char *const *needles)
{
    char *d = tmpdir();
    write_file(d, "s.cfg", scenario);
    if (vm)
        write_file(d, "vm1.cfg", vm);
    char *s = ns_path_join(d, "s.cfg"), *out = ns_path_join(d, "out");
    struct outcome r = cli(d, (const char *[]){"run", s, "--out", out, "--quiet", NULL});
    cr_assert_eq(r.status, 1, "exit %d, stderr: %s", r.status, r.err);
    char *nl = strchr(r.err, '\n');
    cr_assert(nl && nl[1] == '\0', "not one line: %s", r.err);
    for (size_t i = 0; needles[i]; i++)
        cr_assert_not_null(strstr(r.err, needles[i]), "\"%s\" not in: %s", needles[i], r.err);
    cr_assert_leq(count_entries(out), 0, "results left behind");
    outcome_free(&r);
    free(s);
    free(out);
    rm_rf(d);
    free(d);
}

Test(cli, help_and_misuse)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "run"));
    outcome_free(&r);
    r = cli(d, (const char *[]){"run", "--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "--seed"));
    cr_assert_not_null(strstr(r.out, "--duration"));
    cr_assert_not_null(strstr(r.out, "--out"));
    outcome_free(&r);
    r = cli(d, (const char *[]){"topo", "--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "--json"));
    outcome_free(&r);
    const char *const *misuses[] = {
        (const char *[]){NULL},
        (const char *[]){"frobnicate", NULL},
        (const char *[]){"run", NULL},
        (const char *[]){"run", "a.cfg", "--seed", "abc", NULL},
        (const char *[]){"run", "a.cfg", "--duration", "-5", NULL},
        (const char *[]){"run", "a.cfg", "--duration", "0ms", NULL},
        (const char *[]){"run", "a.cfg", "--bogus", NULL},
        (const char *[]){"run", "a.cfg", "--out", NULL},
        (const char *[]){"topo", NULL},
    };
    for (size_t i = 0; i < sizeof(misuses) / sizeof(misuses[0]); i++) {
        r = cli(d, misuses[i]);
        cr_assert_eq(r.status, 2, "case %zu: exit %d (%s)", i, r.status, r.err);
        cr_assert_neq(r.err[0], '\0');
        outcome_free(&r);
    }
    rm_rf(d);
    free(d);
}

/* --version names the model: 16 hex digits, the one this build's sweeps
 * write into point.txt. */
Test(cli, version_names_the_model)
{
    char *d = tmpdir();
    struct outcome r = cli(d, (const char *[]){"--version", NULL});
    char *want = ns_xasprintf("numasched model %s\n", ns_model_id());

    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, want);
    cr_assert_eq(strspn(ns_model_id(), "0123456789abcdef"), 16);
    cr_assert_eq(strlen(ns_model_id()), 16);
    free(want);
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

Test(cli, missing_and_malformed_files)
{
    refused("", NULL, (const char *[]){"s.cfg", NULL});   /* no host, no duration */
    char *d = tmpdir();
    char *s = ns_path_join(d, "nope.cfg"), *out = ns_path_join(d, "out");
    struct outcome r = cli(d, (const char *[]){"run", s, "--out", out, NULL});
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "nope.cfg"));
    cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    cr_assert_leq(count_entries(out), 0, "results left behind");
    outcome_free(&r);
    free(s);
    free(out);
    rm_rf(d);
    free(d);
    refused(SCENARIO_HEAD "duration = 1\ndomains = [ \"vm1.cfg\" \n",
            NULL, (const char *[]){"s.cfg:5", NULL});           /* unterminated list */
    refused(SCENARIO_HEAD "duration = 1\ndomains = [ \"vm9.cfg\" ]\n",
            NULL, (const char *[]){"vm9.cfg", NULL});
}

Test(cli, bad_values_name_file_line_and_key)
{
    const char *ok = SCENARIO_HEAD "duration = 1\ndomains = [ \"vm1.cfg\" ]\n";
    refused(ok, "name = \"vm1\"\nvcpus = 2\nmemory = 960\nworkload = \"nosuch\"\n",
            (const char *[]){"vm1.cfg:4", "workload", "nosuch", NULL});
    refused(ok, "name = \"vm1\"\nvcpus = 0\nmemory = 960\n",
            (const char *[]){"vm1.cfg:2", "vcpus", NULL});
    refused(ok, "name = \"vm1\"\nvcpus = 2\nmemory = 960\ncpus = \"99\"\n",
            (const char *[]){"vm1.cfg:4", "cpus", "99", NULL});
    refused(ok, "name = \"vm1\"\nvcpus = 2\nmemory = 960\ncpus_soft = \"node:5\"\n",
            (const char *[]){"vm1.cfg:4", "cpus_soft", NULL});
    refused(ok, "name = \"vm1\"\nvcpus = 2\nmemory = 100000\n",
            (const char *[]){"vm1", "memory", NULL});
    refused("host = \"pack:2 [numa(memory=6GiB)] core:4 pu:2\"\nsched = \"fifo\"\n"
            "duration = 1\ndomains = [ \"vm1.cfg\" ]\n", good_vm,
            (const char *[]){"s.cfg:2", "sched", "fifo", NULL});
    refused("host = \"pack:2 zork:7\"\nduration = 1\ndomains = [ \"vm1.cfg\" ]\n", good_vm,
            (const char *[]){"s.cfg:1", "host", NULL});
    refused(SCENARIO_HEAD "duration = \"-1s\"\ndomains = [ \"vm1.cfg\" ]\n", good_vm,
            (const char *[]){"s.cfg:4", "duration", NULL});
    /* xl's grammar has no negative numbers: libxlutil itself refuses it. */
    refused(SCENARIO_HEAD "duration = -1\ndomains = [ \"vm1.cfg\" ]\n", good_vm,
            (const char *[]){"s.cfg:4", NULL});
    refused(SCENARIO_HEAD "duration = \"9999999999s\"\ndomains = [ \"vm1.cfg\" ]\n", good_vm,
            (const char *[]){"s.cfg:4", "duration", NULL});
}

Test(cli, malformed_topology_xml)
{
    char *d = tmpdir();
    write_file(d, "host.xml", "<?xml version=\"1.0\"?>\n<topology version=\"2.0\"><object\n");
    write_file(d, "vm1.cfg", good_vm);
    write_file(d, "s.cfg", "host = \"host.xml\"\nduration = 1\ndomains = [ \"vm1.cfg\" ]\n");
    char *s = ns_path_join(d, "s.cfg"), *out = ns_path_join(d, "out");
    struct outcome r = cli(d, (const char *[]){"run", s, "--out", out, NULL});
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "host.xml"), "%s", r.err);
    cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    cr_assert_leq(count_entries(out), 0, "results left behind");
    outcome_free(&r);
    free(s);
    free(out);
    rm_rf(d);
    free(d);
}

static char *run_to(const char *dir, const char *scenario, const char *sub, const char *seed,
                    const char *file)
{
    char *out = ns_path_join(dir, sub);
    struct outcome r = cli(dir, (const char *[]){"run", scenario, "--out", out, "--seed", seed,
                                                 "--duration", "0.3", "--quiet", "--check", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    char *path = ns_path_join(out, file);
    char *text = slurp(path, NULL);
    cr_assert_not_null(text, "%s missing", path);
    free(path);
    free(out);
    return text;
}

Test(cli, same_seed_gives_byte_identical_results)
{
    char *d = tmpdir();
    write_file(d, "s.cfg", SCENARIO_HEAD "duration = 1\n"
                           "domains = [ \"vm1.cfg\", \"vm2.cfg\" ]\n");
    write_file(d, "vm1.cfg", "name = \"vm1\"\nvcpus = 2\nmemory = 960\nworkload = \"lmbench-proc\"\n");
    write_file(d, "vm2.cfg", "name = \"vm2\"\nvcpus = 4\nmemory = 960\nworkload = \"idle\"\n");
    char *s = ns_path_join(d, "s.cfg");
    const char *files[] = {"results.json", "results.csv"};
    for (int f = 0; f < 2; f++) {
        char *a = run_to(d, s, "a", "7", files[f]);
        char *b = run_to(d, s, "b", "7", files[f]);
        char *c = run_to(d, s, "c", "8", files[f]);
        cr_assert_str_eq(a, b, "%s differs between identical runs", files[f]);
        cr_assert_str_neq(a, c, "%s identical for different seeds", files[f]);
        free(a);
        free(b);
        free(c);
    }
    char *json = run_to(d, s, "a", "7", "results.json");
    struct json_object *root = json_tokener_parse(json);
    cr_assert_not_null(root);
    struct json_object *seed, *doms;
    cr_assert(json_object_object_get_ex(root, "seed", &seed));
    cr_assert_eq(json_object_get_int64(seed), 7);
    cr_assert(json_object_object_get_ex(root, "domains", &doms));
    cr_assert_eq(json_object_array_length(doms), 2);
    json_object_put(root);
    free(json);
    free(s);
    rm_rf(d);
    free(d);
}

/* `run --set` over the scenario: the guest's metric of a run into @d/@name. */
static double run_with(const char *d, const char *name, const char *set)
{
    char *s = ns_path_join(d, "s.cfg"), *out = ns_path_join(d, name);
    const char *argv[] = {"run", s, "--out", out, "--quiet", set ? "--set" : NULL, set, NULL};
    struct outcome r = cli(d, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *path = ns_path_join(out, "results.json");
    struct ns_exp_run run;
    struct ns_err err;
    cr_assert_eq(ns_exp_read_run(path, &run, &err), 0, "%s", err.msg);
    outcome_free(&r);
    free(path);
    free(out);
    free(s);
    return run.value;
}

/*
 * One socket of 4 cores, one guest with 4 always-busy `cpu` vCPUs (m = 0.01,
 * 1 ms of nominal work per op). With turbo, 4 active cores clock the compute
 * part at 2533.33 / 2666.67 = 0.95 of a lone core's: rate 1 / (0.99 / 0.95 +
 * 0.01) = 0.9505, 3802 ops/s for the guest; `--set turbo_bin_mhz=0` gives
 * rate 1, 4000. A wrong --set is refused before any run.
 */
Test(cli, run_set_overrides_a_model_parameter)
{
    char *d = tmpdir();
    write_file(d, "s.cfg", "host = \"pack:1 [numa(memory=4GiB)] core:4 pu:1\"\n"
                           "duration = 1\ndomains = [ \"vm.cfg\" ]\n");
    write_file(d, "vm.cfg", "name = \"vm\"\nvcpus = 4\nmemory = 512\nworkload = \"cpu\"\n");
    cr_expect_float_eq(run_with(d, "turbo", NULL), 3802, 8);
    cr_expect_float_eq(run_with(d, "base", "turbo_bin_mhz=0"), 4000, 8);

    struct outcome r = cli(d, (const char *[]){"run", "s.cfg", "--set", "turbo=0", NULL});
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "no model parameter \"turbo\""), "%s", r.err);
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

Test(cli, topo_json_of_a_real_host)
{
    char *d = tmpdir();
    const char *dir = getenv("TOPOLOGIES") ? getenv("TOPOLOGIES") : "topologies";
    char *xml = ns_path_join(dir, "96em64t-4n4d3ca2co-pci.xml");
    struct outcome r = cli(d, (const char *[]){"topo", xml, "--json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    struct json_object *root = json_tokener_parse(r.out), *v;
    cr_assert_not_null(root);
    cr_assert(json_object_object_get_ex(root, "nodes", &v));
    cr_assert_eq(json_object_get_int(v), 4);
    cr_assert(json_object_object_get_ex(root, "pcpus", &v));
    cr_assert_eq(json_object_get_int(v), 96);
    cr_assert(json_object_object_get_ex(root, "distances", &v));
    cr_assert_eq(json_object_get_int(json_object_array_get_idx(json_object_array_get_idx(v, 0), 1)), 26);
    json_object_put(root);
    outcome_free(&r);
    free(xml);
    rm_rf(d);
    free(d);
}
