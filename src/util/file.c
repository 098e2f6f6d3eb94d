/*
 * The run's files: what it reads, what it writes, and what is left if it
 * stops half-way. Every part opens its inputs and creates its outputs here,
 * so that each promise below is kept in one place.
 *
 * Inputs. A path given as a scenario, a domain file or a trace may name a
 * FIFO or a device: open() on a FIFO blocks until a writer comes, reading
 * /dev/zero never ends. An input is opened with O_NONBLOCK (which a FIFO
 * honours at open) and kept only if fstat() says it is a regular file. Each
 * input is remembered (device, inode and resolved path) so that no output
 * of the run can replace it.
 *
 * Outputs. An output is written under a temporary name beside its final one
 * and renamed when complete (ns_outfile). Before the temporary is created,
 * the final path is compared with every input and every other output of the
 * run, by device and inode where the file exists and by resolved path
 * (symbolic links and ".." followed) always: `--trace` naming the scenario,
 * or results.json, or the same file as `--perfetto`, is refused before
 * anything is written. An existing final path that is not a regular file
 * (a device, a FIFO, a folder) is refused too: renaming over /dev/null as
 * root would replace it.
 *
 * All or none. Between ns_outputs_hold() and ns_outputs_commit(), a
 * completed output is only closed and kept under its temporary name; the
 * commit renames them all, with the signals below blocked, so that a run
 * leaves all of its files or none of them. Two runs writing to one folder
 * (`--out`) take an flock() on each destination folder for their renames,
 * in (device, inode) order so that they cannot deadlock: the later run's
 * files replace the earlier run's as a set, never mixed.
 *
 * Signals. SIGINT, SIGTERM and SIGHUP remove every temporary file of the
 * process and then kill it as the signal would have. The list of outputs is
 * only changed with those signals blocked, so the handler always sees a
 * whole list. Forked children (the hwloc guard, experiment workers) inherit
 * the handler and the list, not the files: the handler removes only the
 * files the process it runs in created. A signal ignored when numasched starts (nohup,
 * a background job of a script) stays ignored. SIGXFSZ (`ulimit -f`) is
 * ignored: the write that went past the limit fails with EFBIG instead, and
 * the run is refused and cleaned up as for a full disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numasched/util.h"

/* ---- resolved paths ------------------------------------------------------------- */

/*
 * @path with symbolic links, "." and ".." resolved as far as it exists: an
 * output's folder may not exist yet (`--out` creates it), so the missing
 * tail is appended, its "." and ".." taken as the kernel would once the
 * folders exist (after a missing folder, ".." cannot cross a link).
 * malloc'd.
 */
char *ns_path_resolve(const char *path)
{
    char *real = realpath(path, NULL);

    if (real)
        return real;
    char *dir = ns_path_dir(path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *parent = strcmp(dir, path) == 0 ? ns_xstrdup(dir) : ns_path_resolve(dir);
    char *out;

    if (strcmp(base, ".") == 0 || !*base)
        out = ns_xstrdup(parent);
    else if (strcmp(base, "..") == 0)
        out = ns_path_dir(parent);
    else
        out = ns_path_join(parent, base);
    free(dir);
    free(parent);
    return out;
}

/* ---- inputs ------------------------------------------------------------------- */

struct io_input {
    dev_t dev;
    ino_t ino;
    char *real;
};

static struct {
    struct io_input *v;
    size_t n, cap;
} inputs;

static void remember_input(const char *path, const struct stat *st)
{
    for (size_t i = 0; i < inputs.n; i++)
        if (inputs.v[i].dev == st->st_dev && inputs.v[i].ino == st->st_ino)
            return;
    if (inputs.n == inputs.cap) {
        inputs.cap = inputs.cap ? 2 * inputs.cap : 8;
        inputs.v = ns_xrealloc(inputs.v, inputs.cap * sizeof(*inputs.v));
    }
    inputs.v[inputs.n++] = (struct io_input){st->st_dev, st->st_ino, ns_path_resolve(path)};
}

int ns_input_open(const char *path, const char *name, struct ns_err *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        ns_err_set(err, name, 0, NULL, "cannot read: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        ns_err_set(err, name, 0, NULL, "not a regular file");
    } else {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        remember_input(path, &st);
        return fd;
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

FILE *ns_input_fopen(const char *path, const char *name, struct ns_err *err)
{
    int fd = ns_input_open(path, name, err);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "r");

    if (fd >= 0 && !f) {
        ns_err_set(err, name, 0, NULL, "cannot read: %s", strerror(errno));
        close(fd);
    }
    return f;
}

/* ---- the outputs of the run -------------------------------------------------------- */

enum io_state { IO_CLAIMED, IO_OPEN, IO_PENDING };

struct io_out {
    struct io_out *next;
    char *path, *real, *tmp;    /* tmp: NULL while only claimed */
    enum io_state state;
    pid_t creator;              /* the process that created tmp */
};

static struct io_out *outputs;
static unsigned hold_depth;
static unsigned long tmp_serial;

static const int caught[] = {SIGINT, SIGTERM, SIGHUP};

static void block_signals(sigset_t *saved)
{
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        sigaddset(&set, caught[i]);
    sigprocmask(SIG_BLOCK, &set, saved);
}

static void restore_signals(const sigset_t *saved)
{
    sigprocmask(SIG_SETMASK, saved, NULL);
}

static void on_signal(int sig)
{
    pid_t self = getpid();

    for (struct io_out *o = outputs; o; o = o->next)
        if (o->tmp && o->creator == self)
            unlink(o->tmp);
    raise(sig);                 /* SA_RESETHAND: now the default action */
}

void ns_io_catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
        sigaddset(&sa.sa_mask, caught[i]);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
        struct sigaction was;
        /* Ignored on entry (nohup, a shell's background job): the user's choice stands. */
        if (sigaction(caught[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
            continue;
        sigaction(caught[i], &sa, NULL);
    }
    signal(SIGXFSZ, SIG_IGN);
}

static void link_output(struct io_out *o)
{
    sigset_t saved;

    block_signals(&saved);
    o->next = outputs;
    outputs = o;
    restore_signals(&saved);
}

static void unlink_output(struct io_out *o)
{
    sigset_t saved;

    block_signals(&saved);
    for (struct io_out **p = &outputs; *p; p = &(*p)->next) {
        if (*p == o) {
            *p = o->next;
            break;
        }
    }
    restore_signals(&saved);
    free(o->path);
    free(o->real);
    free(o->tmp);
    free(o);
}

static struct io_out *find_output(const char *real)
{
    for (struct io_out *o = outputs; o; o = o->next)
        if (strcmp(o->real, real) == 0)
            return o;
    return NULL;
}

/* May @path (resolved: @real) be written? Not over an input, a non-file or another output. */
static int check_output(const char *path, const char *real, struct ns_err *err)
{
    struct stat st;
    bool exists = stat(path, &st) == 0;

    if (exists && !S_ISREG(st.st_mode))
        return ns_err_set(err, path, 0, NULL, "exists and is not a regular file: "
                          "numasched writes only regular files");
    for (size_t i = 0; i < inputs.n; i++) {
        const struct io_input *in = &inputs.v[i];
        if ((exists && in->dev == st.st_dev && in->ino == st.st_ino) ||
            strcmp(in->real, real) == 0)
            return ns_err_set(err, path, 0, NULL, "is an input of this run (%s): "
                              "refusing to overwrite it", in->real);
    }
    for (struct io_out *o = outputs; o; o = o->next) {
        struct stat other;
        if (strcmp(o->real, real) != 0 &&
            !(exists && stat(o->path, &other) == 0 && other.st_dev == st.st_dev &&
              other.st_ino == st.st_ino))
            continue;
        if (strcmp(o->path, path) == 0)
            return ns_err_set(err, path, 0, NULL, "named twice as an output of this run: "
                              "give each output its own file");
        return ns_err_set(err, path, 0, NULL, "is the same file as %s, another output of "
                          "this run: give each output its own file", o->path);
    }
    return 0;
}

static struct io_out *new_output(const char *path, char *real, struct ns_err *err)
{
    if (check_output(path, real, err) < 0) {
        free(real);
        return NULL;
    }
    struct io_out *o = ns_xcalloc(1, sizeof(*o));
    o->path = ns_xstrdup(path);
    o->real = real;
    link_output(o);
    return o;
}

int ns_output_check(const char *path, struct ns_err *err)
{
    char *real = ns_path_resolve(path);
    int rc = check_output(path, real, err);

    free(real);
    return rc;
}

int ns_output_claim(const char *path, struct ns_err *err)
{
    return new_output(path, ns_path_resolve(path), err) ? 0 : -1;
}

int ns_outfile_open(struct ns_outfile *o, const char *path, struct ns_err *err)
{
    char *real = ns_path_resolve(path);
    struct io_out *node = find_output(real);

    memset(o, 0, sizeof(*o));
    if (node && node->state == IO_CLAIMED) {
        free(real);
    } else if (!(node = new_output(path, real, err))) {
        return -1;
    }
    size_t n = strlen(path) + 48;
    char *tmp = ns_xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld.%lu", path, (long)getpid(), ++tmp_serial);

    /* Listed before it exists, so that a signal in between cannot leave it. */
    sigset_t saved;
    block_signals(&saved);
    node->tmp = tmp;
    node->state = IO_OPEN;
    node->creator = getpid();
    restore_signals(&saved);

    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    o->f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!o->f) {
        ns_err_set(err, path, 0, NULL, "cannot create: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        unlink_output(node);
        return -1;
    }
    o->path = ns_xstrdup(path);
    o->tmp = ns_xstrdup(tmp);
    o->node = node;
    return 0;
}

ssize_t ns_read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* "PID.N" after ".tmp.": what ns_outfile_open appends, and nothing else. */
static bool is_stale_tail(const char *s)
{
    int dots = 0;

    if (!isdigit((unsigned char)*s))
        return false;
    for (; *s; s++) {
        if (*s == '.' && isdigit((unsigned char)s[1]))
            dots++;
        else if (!isdigit((unsigned char)*s))
            return false;
    }
    return dots == 1;
}

void ns_outfile_remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *tmp = strstr(e->d_name, ".tmp.");
        if (tmp && tmp != e->d_name && is_stale_tail(tmp + 5))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static void release(struct ns_outfile *o)
{
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof(*o));
}

/*
 * Why writing @f failed: stdio keeps an error flag but not its errno, so
 * write what is still buffered once more and see what the system says
 * (ENOSPC, EFBIG past a file-size limit); EIO if it is silent.
 */
static int write_error(FILE *f)
{
    clearerr(f);
    errno = 0;
    fflush(f);
    return errno ? errno : EIO;
}

int ns_outfile_commit(struct ns_outfile *o, struct ns_err *err)
{
    /* A write error (full disk, EFBIG) may only show at flush or close. */
    bool bad = ferror(o->f) != 0;
    int e = bad ? write_error(o->f) : 0;

    if (fclose(o->f) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    o->f = NULL;
    if (!bad && hold_depth > 0) {
        o->node->state = IO_PENDING;
        release(o);
        return 0;
    }
    if (!bad && rename(o->tmp, o->path) != 0) {
        bad = true;
        e = errno;
    }
    if (bad) {
        ns_err_set(err, o->path, 0, NULL, "cannot write: %s", strerror(e ? e : EIO));
        unlink(o->tmp);
    }
    unlink_output(o->node);
    release(o);
    return bad ? -1 : 0;
}

void ns_outfile_abort(struct ns_outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    if (o->node)
        unlink_output(o->node);
    release(o);
}

/* ---- all or none -------------------------------------------------------------------- */

void ns_outputs_hold(void)
{
    hold_depth++;
}

/* Forget what the held set has claimed or completed; remove its files. */
static void drop_held(void)
{
    struct io_out *o = outputs;

    while (o) {
        struct io_out *next = o->next;
        if (o->state != IO_OPEN) {
            if (o->tmp)
                unlink(o->tmp);
            unlink_output(o);
        }
        o = next;
    }
}

void ns_outputs_drop(void)
{
    drop_held();
    if (hold_depth)
        hold_depth--;
}

struct io_lock {
    int fd;
    dev_t dev;
    ino_t ino;
};

static int by_inode(const void *pa, const void *pb)
{
    const struct io_lock *a = pa, *b = pb;
    if (a->dev != b->dev)
        return a->dev < b->dev ? -1 : 1;
    return a->ino < b->ino ? -1 : a->ino > b->ino;
}

/* flock() every folder a pending output goes to, in inode order; returns how many. */
static size_t lock_folders(struct io_lock **out)
{
    size_t n = 0;
    struct io_lock *l = NULL;

    for (struct io_out *o = outputs; o; o = o->next) {
        if (o->state != IO_PENDING)
            continue;
        char *dir = ns_path_dir(o->path);
        struct stat st;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dir);
        if (fd < 0 || fstat(fd, &st) < 0) {
            if (fd >= 0)
                close(fd);
            continue;           /* the rename will say why */
        }
        l = ns_xrealloc(l, (n + 1) * sizeof(*l));
        l[n++] = (struct io_lock){fd, st.st_dev, st.st_ino};
    }
    if (n)
        qsort(l, n, sizeof(*l), by_inode);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || by_inode(&l[i - 1], &l[i]) != 0)
            while (flock(l[i].fd, LOCK_EX) < 0 && errno == EINTR)
                ;
    *out = l;
    return n;
}

static void unlock_folders(struct io_lock *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(l[i].fd);         /* closing releases the lock */
    free(l);
}

/* Rename every pending output; on a failure, remove the ones already renamed. */
static int rename_pending(struct ns_err *err)
{
    struct io_out *o, *failed = NULL;
    int e = 0;

    for (o = outputs; o && !failed; o = o->next)
        if (o->state == IO_PENDING && rename(o->tmp, o->path) != 0) {
            failed = o;
            e = errno;
        }
    if (!failed) {
        for (o = outputs; o; o = o->next)
            if (o->state == IO_PENDING) {
                free(o->tmp);
                o->tmp = NULL;
            }
        return 0;
    }
    for (o = outputs; o != failed; o = o->next)
        if (o->state == IO_PENDING)
            unlink(o->path);
    return ns_err_set(err, failed->path, 0, NULL, "cannot write: %s", strerror(e));
}

int ns_outputs_commit(struct ns_err *err)
{
    if (hold_depth == 0 || --hold_depth > 0)
        return 0;

    struct io_lock *locks;
    size_t n = lock_folders(&locks);
    sigset_t saved;
    block_signals(&saved);
    int rc = rename_pending(err);
    restore_signals(&saved);
    unlock_folders(locks, n);
    drop_held();
    return rc;
}

/* ---- standard streams ------------------------------------------------------------------ */

int ns_stdout_check(struct ns_err *err)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        return ns_err_set(err, "standard output", 0, NULL, "cannot write: %s",
                          strerror(errno ? errno : EIO));
    return 0;
}

int ns_std_close(struct ns_err *err)
{
    if (ns_stdout_check(err) < 0)
        return -1;
    errno = 0;
    if (fclose(stdout) != 0)
        return ns_err_set(err, "standard output", 0, NULL, "cannot write: %s",
                          strerror(errno ? errno : EIO));
    if (fflush(stderr) != 0 || ferror(stderr))  /* the message is lost: the status says it */
        return ns_err_set(err, "standard error", 0, NULL, "cannot write");
    return 0;
}

/* ---- paths ------------------------------------------------------------------------ */

char *ns_path_join(const char *dir, const char *rel)
{
    if (!dir || !*dir || rel[0] == '/')
        return ns_xstrdup(rel);
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = ns_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

char *ns_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return ns_xstrdup(".");
    if (slash == path)
        return ns_xstrdup("/");
    size_t n = (size_t)(slash - path);
    char *d = ns_xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}
