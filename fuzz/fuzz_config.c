/*
 * libFuzzer harness: a whole scenario as `numasched run` reads it. The input
 * is a bundle of files: the scenario first, then any number of files each
 * introduced by a line "#@ NAME" (a comment to libxlutil, so a bundle of one
 * file is also a plain scenario):
 *
 *     host = "pack:2 [numa(memory=2GiB)] core:2 pu:2"
 *     duration = 1
 *     domains = [ "vm1.cfg" ]
 *     #@ vm1.cfg
 *     name = "vm1"
 *     ...
 *
 * The files are written to a private folder and the scenario is loaded and
 * placed (ns_config_create): libxlutil's parser, every key of the scenario,
 * domain and xlcpupool files, the cpu-list syntax, units, the topology (a
 * synthetic string, or an XML file of the bundle, through the hwloc guard)
 * and libxl's placement. It must refuse with one line or give a spec; a
 * small spec is then run for 2 ms of virtual time with the invariant
 * checker on, which must hold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numasched/config.h"
#include "numasched/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 16
#define MARK "\n#@ "

static char dir[] = "/tmp/ns-fuzz-config-XXXXXX";

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    char path[512];

    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
}

static bool good_name(const char *s, size_t n)
{
    if (n == 0 || n > 40 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
            return false;
    return true;
}

static void write_file(const char *name, size_t name_len, const char *text, size_t len)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%.*s", dir, (int)name_len, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fwrite(text, 1, len, f);
    fclose(f);
}

/* Split the bundle @s into files in dir; the first is s.cfg. */
static void unpack(const char *s, size_t size)
{
    const char *name = "s.cfg", *text = s, *end = s + size;
    size_t name_len = 5;
    int files = 0;

    for (;;) {
        const char *mark = memmem(text, (size_t)(end - text), MARK, strlen(MARK));
        const char *stop = mark ? mark + 1 : end;
        if (files++ < MAX_FILES && good_name(name, name_len))
            write_file(name, name_len, text, (size_t)(stop - text));
        if (!mark)
            return;
        name = mark + strlen(MARK);
        const char *nl = memchr(name, '\n', (size_t)(end - name));
        name_len = (size_t)((nl ? nl : end) - name);
        text = nl ? nl + 1 : end;
    }
}

static bool has(const uint8_t *data, size_t size, const char *what)
{
    return memmem(data, size, what, strlen(what)) != NULL;
}

static size_t total_vcpus(const struct ns_sim_spec *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nr_dom; i++)
        n += s->dom[i].max_vcpus;
    return n;
}

/* A short checked run of a small spec: every invariant must hold. */
static void run_briefly(struct ns_sim_spec *spec)
{
    struct ns_err err;

    if (spec->topo->nr_pcpus > 64 || total_vcpus(spec) > 64)
        return;
    spec->warmup = spec->warmup < NS_MS ? spec->warmup : NS_MS;
    spec->check = true;
    struct ns_engine *e = ns_engine_create(spec, &err);
    if (e && ns_engine_run(e, &err) < 0) {
        fprintf(stderr, "fuzz_config: %s\n", err.msg);
        __builtin_trap();
    }
    ns_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    struct ns_overrides ov = {.has_duration = true, .duration = 2 * NS_MS};
    struct ns_sim_spec spec = {0};
    struct ns_err err;
    char path[512];

    if (!ready) {
        if (!mkdtemp(dir))
            abort();
        ready = true;
    }
    /* Devices and live kernel files are the environment, not input: a
     * scenario naming /dev/stdin would wait for a terminal. */
    if (has(data, size, "/dev") || has(data, size, "/proc") || has(data, size, "/sys"))
        return 0;
    clear_dir();
    unpack((const char *)data, size);

    snprintf(path, sizeof(path), "%s/s.cfg", dir);
    memset(err.msg, 0, sizeof(err.msg));
    if (ns_config_create(path, &ov, &spec, NULL, &err) < 0) {
        if (!err.msg[0] || strchr(err.msg, '\n'))
            __builtin_trap();           /* every refusal is one non-empty line */
        return 0;
    }
    run_briefly(&spec);
    ns_sim_spec_free(&spec);
    return 0;
}
