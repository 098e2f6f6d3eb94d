/*
 * Guarding hwloc: numasched must refuse a bad topology, never crash on it.
 *
 * hwloc trusts what it loads. hwloc 2.9 dereferences NULL on an XML export
 * whose objects lack complete_cpuset or complete_nodeset
 * (test/data/hwloc-crash.xml; `lstopo-no-graphics -i` dies on it too), and a
 * synthetic string such as "pack:4096 pu:4096" makes it build 16 million
 * objects before anything can be said. We cannot fix the library, and the
 * next such bug is one we have not found yet. So a topology the user wrote
 * (an XML file or a synthetic string; never the live machine) is loaded by
 * hwloc twice:
 *
 *   1. in a forked child, which only loads it, counts PUs and NUMA nodes,
 *      writes the counts to a pipe and exits. If hwloc crashes, aborts or
 *      hangs there (an alarm ends it after NS_TOPO_LOAD_TIMEOUT_S), the
 *      parent refuses the topology with one line saying so;
 *   2. in the process itself, from the same bytes (the XML is read once into
 *      memory, so the file cannot change between the two loads), only once
 *      the child came back with counts within the limits. hwloc is
 *      deterministic: what loaded in the child loads here.
 *
 * Why a child rather than checking the XML ourselves for what hwloc needs:
 * a checker covers the crashes we know of, a child every crash, abort and
 * hang, found or not, for about a millisecond per load. It also keeps fuzzing
 * honest: the topology harness goes through this entry point, so hwloc's own
 * crashes are refusals, while any crash in numasched's code after the load,
 * which runs in the fuzzer's process, is still reported.
 *
 * Before the child, two cheap checks bound what hwloc is asked to build: the
 * XML file's size (NS_TOPO_MAX_XML_BYTES) and the numbers of PUs and NUMA
 * nodes a synthetic string describes, counted as hwloc will read it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "topo/internal.h"

/* ---- limits --------------------------------------------------------------------- */

int topo_check_size(const char *spec, unsigned long nr_pus, unsigned long nr_nodes,
                    struct ns_err *err)
{
    if (nr_pus > NS_TOPO_MAX_PCPUS)
        return ns_err_set(err, NULL, 0, NULL, "%s: the host has %lu PUs, more than numasched's "
                          "limit of %u pCPUs", spec, nr_pus, NS_TOPO_MAX_PCPUS);
    if (nr_nodes > NS_TOPO_MAX_NODES)
        return ns_err_set(err, NULL, 0, NULL, "%s: the host has %lu NUMA nodes, more than "
                          "numasched's limit of %u", spec, nr_nodes, NS_TOPO_MAX_NODES);
    return 0;
}

char *topo_read_xml(const char *spec, const char *path, size_t *len, struct ns_err *err)
{
    /* Only a regular file: a FIFO or a device would block or never end. */
    FILE *in = ns_input_fopen(path, spec, err);
    if (!in)
        return NULL;
    /* Read one byte past the limit to tell "at the limit" from "over it". */
    size_t cap = 64 * 1024, n = 0;
    char *buf = ns_xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, in);
        n += got;
        if (n < cap || n > NS_TOPO_MAX_XML_BYTES)
            break;
        cap *= 2;
        buf = ns_xrealloc(buf, cap + 1);
    }
    int bad = ferror(in), saved = errno;
    fclose(in);
    if (bad || n > NS_TOPO_MAX_XML_BYTES) {
        if (bad)
            ns_err_set(err, NULL, 0, NULL, "%s: cannot read: %s", spec,
                       strerror(saved ? saved : EIO));
        else
            ns_err_set(err, NULL, 0, NULL, "%s: larger than numasched's limit of %u MiB for "
                       "an XML topology", spec, NS_TOPO_MAX_XML_BYTES >> 20);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/*
 * How many PUs and NUMA nodes a synthetic string asks hwloc for; the PUs
 * are the product of its level arities, saturated at one past the limit.
 * The walk is hwloc 2.9's own (hwloc/topology-synthetic.c,
 * hwloc_backend_synthetic_init), because any other reading lets a string
 * past us that makes hwloc build millions of objects. To hwloc:
 *
 *   - a level starts after spaces and newlines, or right where the last one
 *     ended: "244244pu4pu:4" is a level of 244244 and one of 4 PUs;
 *   - a level that starts with a letter is a type (hwloc_type_sscanf reads
 *     it for us), whose arity follows the first ':' after it, wherever that is;
 *   - an arity is strtoul(..., 0): "0x200", "0200" and "+512" are 512, 128
 *     and 512, and must be to us;
 *   - "(...)" after an arity (or at the very start, for the root) holds
 *     attributes up to the first ')'; "[...]" up to the first ']' is a
 *     memory child: no PUs, but a NUMA node for every object of the level
 *     before it. "pu:4096" then a hundred "[numa]" is 409,600 nodes, which
 *     took hwloc past the child's alarm: those are counted too;
 *   - when no level between the root and the PUs has a type and there is no
 *     memory child, hwloc picks one of them to be the NUMA nodes (below):
 *     "2 2048pu:1" is 2 packages of 2048 nodes each.
 *
 * Where hwloc would refuse the string (no ':', no number, a zero arity, an
 * unclosed bracket, too many levels) the walk stops and leaves the refusal
 * to hwloc.
 */
#define SYNTHETIC_MAX_LEVELS 127    /* below the root: HWLOC_SYNTHETIC_MAX_DEPTH - 1 */

struct synthetic_level {
    unsigned long arity;        /* 1 for a memory child */
    bool memory;                /* "[...]": one NUMA node per object of the level above */
    bool typed;                 /* "core:4", not "4" */
    bool numa;                  /* "numa:2" */
    const char *attrs;          /* "(...)" or NULL */
    size_t attrs_len;
};

/* What the walk has seen so far. */
struct synthetic_count {
    unsigned long width[SYNTHETIC_MAX_LEVELS];  /* objects at each level, saturated */
    size_t levels;              /* levels with an arity, PUs included */
    size_t typed;               /* those of them with a type */
    bool last_typed;
    unsigned long nodes;        /* memory children and typed NUMA levels */
};

/* The "(...)" at @open, up to the first ')'; NULL if there is none. */
static const char *attrs_span(const char *open, struct synthetic_level *l)
{
    const char *close = strchr(open, ')');

    if (close) {
        l->attrs = open;
        l->attrs_len = (size_t)(close - open);
    }
    return close;
}

/* The memory child at @p ("[numa(memory=1GB)]"); returns what follows its ']'. */
static const char *memory_child(const char *p, struct synthetic_level *l)
{
    const char *close = strchr(p, ']');
    const char *open = close ? memchr(p, '(', (size_t)(close - p)) : NULL;

    if (!close || (open && !attrs_span(open, l)))
        return NULL;
    return close + 1;
}

/* The level at @p; returns where the next one may start, NULL where hwloc stops. */
static const char *synthetic_level(const char *p, struct synthetic_level *l)
{
    hwloc_obj_type_t type;
    const char *end;

    *l = (struct synthetic_level){.arity = 1, .memory = *p == '['};
    if (l->memory)
        return memory_child(p, l);
    l->typed = *p < '0' || *p > '9';
    if (l->typed) {
        l->numa = hwloc_type_sscanf(p, &type, NULL, 0) == 0 && type == HWLOC_OBJ_NUMANODE;
        if (!(p = strchr(p, ':')))
            return NULL;
        p++;
    }
    l->arity = strtoul(p, (char **)&end, 0);    /* ULONG_MAX when out of range */
    if (end == p || l->arity == 0)
        return NULL;
    if (*end == '(') {
        if (!(end = attrs_span(end, l)))
            return NULL;
        end++;
    }
    return end;
}

static unsigned long saturating_add(unsigned long a, unsigned long b)
{
    return a > ULONG_MAX - b ? ULONG_MAX : a + b;
}

/* Take level @l into @c; false when hwloc would stop at it. */
static bool count_level(struct synthetic_count *c, const struct synthetic_level *l)
{
    unsigned long above = c->levels ? c->width[c->levels - 1] : 1;

    if (l->memory) {
        c->nodes = saturating_add(c->nodes, above);
        return true;
    }
    if (c->levels == SYNTHETIC_MAX_LEVELS)
        return false;
    c->width[c->levels++] = above > (NS_TOPO_MAX_PCPUS + 1UL) / l->arity
                          ? NS_TOPO_MAX_PCPUS + 1UL : above * l->arity;
    c->typed += l->typed;
    c->last_typed = l->typed;
    if (l->numa)
        c->nodes = saturating_add(c->nodes, c->width[c->levels - 1]);
    return true;
}

/*
 * The NUMA nodes of a string that types none of its inner levels. hwloc
 * gives them types in priority order, NUMA nodes first, then a package, a
 * core, up to four caches, and groups for the rest; and stacks them, top
 * down, as groups, package, NUMA nodes, caches, core. So of k inner levels
 * the first is the nodes when k = 1, the (k - 5)th when k > 7 (k - 7
 * groups and a package above it), the second otherwise.
 */
static unsigned long guessed_nodes(const struct synthetic_count *c)
{
    size_t inner = c->levels - 1;

    if (c->nodes || inner == 0 || c->typed > (c->last_typed ? 1u : 0u))
        return c->nodes;
    return c->width[inner == 1 ? 0 : inner > 7 ? inner - 6 : 1];
}

/*
 * hwloc reads an explicit index list ("indexes=0,4000000000") with
 * strtoul(..., 10) and sizes its bitmaps by the largest index (4 GB for that
 * one, twice).
 */
static int check_indexes(const char *spec, const char *tok, size_t len, struct ns_err *err)
{
    const char *p = tok, *stop = tok + len;

    while ((p = memmem(p, (size_t)(stop - p), "indexes=", 8))) {
        p += 8;
        size_t n = strcspn(p, " )");
        if (strspn(p, "0123456789,") < n)
            continue;           /* an interleaving: indexes derived from the arities */
        for (const char *q = p; q < p + n; q++) {
            char *end;
            unsigned long v = strtoul(q, &end, 10);
            if (v >= NS_TOPO_MAX_PCPUS)
                return ns_err_set(err, NULL, 0, NULL, "%s: index %lu in indexes= is beyond "
                                  "numasched's limit of %u", spec, v, NS_TOPO_MAX_PCPUS - 1);
            q = end;
        }
    }
    return 0;
}

int topo_check_synthetic(const char *spec, struct ns_err *err)
{
    struct synthetic_level l = {.arity = 1};
    struct synthetic_count c = {.levels = 0};
    const char *p = spec;
    int rc = 0;

    if (*p == '(' && (p = attrs_span(p, &l)))
        p++;
    while (p) {
        if (l.attrs && (rc = check_indexes(spec, l.attrs, l.attrs_len, err)) < 0)
            break;
        p += strspn(p, " \n");
        p = *p ? synthetic_level(p, &l) : NULL;
        if (p && !count_level(&c, &l))
            p = NULL;
    }
    if (rc == 0 && c.levels) {
        unsigned long pus = c.width[c.levels - 1];
        if (pus > NS_TOPO_MAX_PCPUS)
            rc = ns_err_set(err, NULL, 0, NULL, "%s: describes more PUs than numasched's "
                            "limit of %u pCPUs", spec, NS_TOPO_MAX_PCPUS);
        else
            rc = topo_check_size(spec, pus, guessed_nodes(&c), err);
    }
    return rc;
}

/* ---- the child ------------------------------------------------------------------ */

struct trial {
    unsigned loaded;            /* 1: hwloc loaded it */
    unsigned long pus, nodes;
};

/*
 * When numasched runs under AddressSanitizer (make test, make fuzz), a fault
 * ASan catches inside hwloc ends in ASan's death callback, which libFuzzer
 * uses to save a crash file and report a finding. In the child that fault is
 * hwloc's, and the parent reports it: the child takes the callback over.
 */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void child_dies(void)
{
    _exit(3);
}

/* Die quietly and at once on a fault, without a core file, within the time limit. */
static void become_trial_child(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
    struct rlimit no_core = {0, 0};
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
        signal(fatal[i], SIG_DFL);
        sigaddset(&set, fatal[i]);
    }
    signal(SIGALRM, SIG_DFL);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    setrlimit(RLIMIT_CORE, &no_core);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, STDERR_FILENO);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(child_dies);
    alarm(NS_TOPO_LOAD_TIMEOUT_S);
}

static void trial_child(int out, const char *spec, const char *xml, size_t len)
{
    struct trial t;
    hwloc_topology_t h;

    memset(&t, 0, sizeof(t));   /* its padding too: the whole struct goes down the pipe */
    become_trial_child();
    if (hwloc_topology_init(&h) == 0) {
        int set = xml ? hwloc_topology_set_xmlbuffer(h, xml, (int)len + 1)
                      : hwloc_topology_set_synthetic(h, spec);
        if (set == 0 && hwloc_topology_load(h) == 0) {
            int pus = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
            int nodes = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
            t.loaded = 1;
            t.pus = pus > 0 ? (unsigned long)pus : 0;
            t.nodes = nodes > 0 ? (unsigned long)nodes : 0;
        }
    }
    /* No destroy, no exit handlers: the process ends here. */
    _exit(write(out, &t, sizeof(t)) == (ssize_t)sizeof(t) ? 0 : 4);
}

/* ---- the parent ----------------------------------------------------------------- */

/* What became of a child that did not report: one line for the user. */
static int child_failed(const char *spec, const char *what, int status, struct ns_err *err)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        return ns_err_set(err, NULL, 0, NULL, "%s: hwloc did not finish loading this %s "
                          "topology within %d s", spec, what, NS_TOPO_LOAD_TIMEOUT_S);
    if (WIFSIGNALED(status))
        return ns_err_set(err, NULL, 0, NULL, "%s: hwloc crashed (%s) loading this %s "
                          "topology: it is malformed", spec, strsignal(WTERMSIG(status)), what);
    return ns_err_set(err, NULL, 0, NULL, "%s: hwloc crashed (exit status %d) loading this %s "
                      "topology: it is malformed", spec,
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1, what);
}

/*
 * Topologies that passed their trial. A sweep loads the same few hosts once
 * per point and once per run; hwloc is deterministic, so bytes that loaded
 * in a child once load there again, and a second child would only cost a
 * fork. The last NR_PASSED distinct hosts are kept (and inherited by the
 * runs the process forks): a sweep has a few, and a fuzzer, which tries
 * millions, neither grows this nor searches further than NR_PASSED.
 */
#define NR_PASSED 16

struct passed {
    char *bytes;                /* the synthetic string, or the XML; NULL: free */
    size_t len;
    bool xml;
};

static struct passed passed[NR_PASSED];
static unsigned next_passed;

static bool has_passed(const char *spec, const char *xml, size_t len)
{
    const char *bytes = xml ? xml : spec;
    size_t n = xml ? len : strlen(spec);

    for (unsigned i = 0; i < NR_PASSED; i++) {
        const struct passed *p = &passed[i];
        if (p->bytes && p->xml == (xml != NULL) && p->len == n && memcmp(p->bytes, bytes, n) == 0)
            return true;
    }
    return false;
}

static void remember_pass(const char *spec, const char *xml, size_t len)
{
    struct passed *p = &passed[next_passed];

    next_passed = (next_passed + 1) % NR_PASSED;
    free(p->bytes);
    p->xml = xml != NULL;
    p->len = xml ? len : strlen(spec);
    p->bytes = ns_xmalloc(p->len + 1);
    memcpy(p->bytes, xml ? xml : spec, p->len);
    p->bytes[p->len] = '\0';
}

static int run_trial(const char *spec, const char *xml, size_t len, struct ns_err *err)
{
    const char *what = xml ? "XML" : "synthetic";
    int fd[2];

    if (pipe(fd) < 0)
        return ns_err_set(err, NULL, 0, NULL, "%s: cannot check this topology: pipe: %s", spec,
                          strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(fd[0]);
        close(fd[1]);
        return ns_err_set(err, NULL, 0, NULL, "%s: cannot check this topology: fork: %s", spec,
                          strerror(saved));
    }
    if (pid == 0) {
        close(fd[0]);
        trial_child(fd[1], spec, xml, len);
    }
    close(fd[1]);
    struct trial t;
    ssize_t got = ns_read_full(fd[0], &t, sizeof(t));
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* Counts on the pipe mean hwloc's load returned: how the child ended
     * after that does not matter (under valgrind, its status is valgrind's). */
    if (got != (ssize_t)sizeof(t))
        return child_failed(spec, what, status, err);
    if (!t.loaded)
        return 1;
    return topo_check_size(spec, t.pus, t.nodes, err);
}

int topo_trial_load(const char *spec, const char *xml, size_t len, struct ns_err *err)
{
    if (has_passed(spec, xml, len))
        return 0;
    int rc = run_trial(spec, xml, len, err);
    if (rc == 0)
        remember_pass(spec, xml, len);
    return rc;
}
