/*
 * The HTML reports: self-contained (no script, nothing fetched), and drawn
 * by a real browser. When Debian's chromium is installed (scripts/deps.sh
 * installs it for `make test`), each page is rendered headless into a PNG,
 * which is decoded here (zlib; 8-bit RGB or RGBA, as Chromium writes them)
 * and must show the tables and the plots, not a blank page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"
#include "numasched/report.h"
#include "numasched/util.h"

/* ---- a PNG, decoded ---------------------------------------------------------------------- */

struct image {
    unsigned w, h;
    uint8_t *rgb;                   /* [h][w][3] */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo the per-row filters (PNG spec, 9.2) in place; @bpp bytes per pixel. */
static void unfilter(uint8_t *raw, unsigned w, unsigned h, unsigned bpp)
{
    size_t stride = (size_t)w * bpp;
    for (unsigned y = 0; y < h; y++) {
        uint8_t *row = raw + y * (stride + 1), f = row[0], *cur = row + 1;
        const uint8_t *up = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;
        for (size_t i = 0; i < stride; i++) {
            int a = i >= bpp ? cur[i - bpp] : 0, b = up ? up[i] : 0;
            int c = up && i >= bpp ? up[i - bpp] : 0;
            int add = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? paeth(a, b, c) : 0;
            cur[i] = (uint8_t)(cur[i] + add);
        }
    }
}

static void png_read(const char *path, struct image *img)
{
    size_t len;
    uint8_t *png = (uint8_t *)slurp(path, &len), *idat = NULL;
    size_t idat_len = 0;
    unsigned bpp = 0;

    cr_assert(png && len > 8 && memcmp(png, "\x89PNG", 4) == 0, "%s is not a PNG", path);
    for (size_t at = 8; at + 12 <= len;) {
        uint32_t n = be32(png + at);
        const uint8_t *type = png + at + 4, *data = png + at + 8;
        cr_assert_leq(at + 12 + n, len, "truncated PNG");
        if (memcmp(type, "IHDR", 4) == 0) {
            img->w = be32(data);
            img->h = be32(data + 4);
            cr_assert_eq(data[8], 8, "bit depth %u", data[8]);
            cr_assert(data[9] == 2 || data[9] == 6, "colour type %u", data[9]);
            cr_assert_eq(data[12], 0, "interlaced");
            bpp = data[9] == 6 ? 4 : 3;
        } else if (memcmp(type, "IDAT", 4) == 0) {
            idat = realloc(idat, idat_len + n);
            memcpy(idat + idat_len, data, n);
            idat_len += n;
        }
        at += 12 + n;
    }
    uLongf raw_len = (uLongf)img->h * ((uLongf)img->w * bpp + 1);
    uint8_t *raw = malloc(raw_len);
    cr_assert_eq(uncompress(raw, &raw_len, idat, idat_len), Z_OK);
    unfilter(raw, img->w, img->h, bpp);
    img->rgb = malloc((size_t)img->w * img->h * 3);
    for (size_t y = 0; y < img->h; y++)
        for (size_t x = 0; x < img->w; x++)
            memcpy(img->rgb + (y * img->w + x) * 3, raw + y * (img->w * bpp + 1) + 1 + x * bpp, 3);
    free(raw);
    free(idat);
    free(png);
}

/* Pixels within 6 of @r,@g,@b in every channel. */
static size_t count_colour(const struct image *img, int r, int g, int b)
{
    size_t n = 0;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++) {
        const uint8_t *p = img->rgb + i * 3;
        n += abs(p[0] - r) <= 6 && abs(p[1] - g) <= 6 && abs(p[2] - b) <= 6;
    }
    return n;
}

static size_t count_dark(const struct image *img)
{
    size_t n = 0;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++)
        n += img->rgb[i * 3] < 100 && img->rgb[i * 3 + 1] < 100 && img->rgb[i * 3 + 2] < 100;
    return n;
}

/* ---- the pages ---------------------------------------------------------------------------- */

/* Nothing the page would fetch: no script, no external source or style. */
static void self_contained(const char *page)
{
    char *html = slurp(page, NULL);
    cr_assert_not_null(html, "%s not written", page);
    cr_assert_null(strstr(html, "<script"), "%s has a script", page);
    cr_assert_null(strstr(html, "src="), "%s loads something", page);
    cr_assert_null(strstr(html, "<link"), "%s links a style sheet", page);
    cr_assert_not_null(strstr(html, "<table>"), "%s has no table", page);
    cr_assert_not_null(strstr(html, "<svg"), "%s has no plot", page);
    free(html);
}

/*
 * Render @page headless at 1000x1400 and check what is on the screenshot:
 * the plots' blue (#4e79a7) covers at least @min_blue pixels, the table
 * headers' background (#e8eef6) at least 1,000 (a header row is about 25 px
 * high and several hundred wide), and text, dark pixels, at least 1,000. A
 * blank page has none of them.
 */
static void renders_with(const char *d, const char *page, size_t min_blue)
{
    if (access("/usr/bin/chromium", X_OK) != 0) {
        cr_log_warn("chromium missing: %s was not rendered", page);
        return;
    }
    char cmd[2048], *shot = ns_path_join(d, "shot.png"), *profile = ns_path_join(d, "profile");
    snprintf(cmd, sizeof(cmd),
             "timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic "
             "--no-first-run --disable-background-networking --disable-component-update "
             "--disable-sync --user-data-dir='%s' --window-size=1000,1400 --screenshot='%s' "
             "'file://%s' >/dev/null 2>&1", profile, shot, page);
    cr_assert_eq(system(cmd), 0, "chromium failed on %s", page);
    struct image img;
    png_read(shot, &img);
    cr_assert_eq(img.w, 1000);
    size_t bars = count_colour(&img, 0x4e, 0x79, 0xa7), heads = count_colour(&img, 0xe8, 0xee, 0xf6);
    size_t text = count_dark(&img);
    cr_assert_geq(bars, min_blue, "%s: %zu pixels of plot blue", page, bars);
    cr_assert_geq(heads, 1000, "%s: %zu pixels of table headers", page, heads);
    cr_assert_geq(text, 1000, "%s: %zu pixels of text", page, text);
    free(img.rgb);
    unlink(shot);
    free(shot);
    free(profile);
}

/* The horizontal bars of html.c are blue, each at least 16 px high: 2,000
 * pixels are a few bars. */
static void renders(const char *d, const char *page)
{
    renders_with(d, page, 2000);
}

/* An absolute path for file:// (the tests run from the repository root). */
static char *absolute(const char *path)
{
    char *abs = realpath(path, NULL);
    cr_assert_not_null(abs, "%s", path);
    return abs;
}

/* A run folder named with a space, '#' and '%': the link is a URL path to
 * that very folder, not to "a" with a fragment. */
Test(html, links_are_percent_encoded)
{
    char *dir = tmpdir(), *page = ns_path_join(dir, "page.html");
    char *run = ns_path_join(dir, "runs/a b#2%");
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", run);
    cr_assert_eq(system(cmd), 0);
    write_file(run, "results.json", "{}\n");
    char *target = ns_path_join(run, "results.json"), *href = ns_html_href(page, target);
    cr_assert_str_eq(href, "runs/a%20b%232%25/results.json");
    free(href);
    free(target);
    free(run);
    free(page);
    rm_rf(dir);
    free(dir);
}

Test(html, run_page_renders)
{
    char *d = tmpdir(), *page = ns_path_join(d, "run.html");
    struct outcome r = cli(d, (const char *[]){"run", "examples/specjbb-2node.cfg", "--duration",
                                               "100ms", "--html", page, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    self_contained(page);
    char *abs = absolute(page);
    renders(d, abs);
    free(abs);
    outcome_free(&r);
    free(page);
    rm_rf(d);
    free(d);
}

/* advise's page: the ranking table and its bars, the settings, and a link to
 * every run relative to the page (it sits in --out DIR). */
Test(html, advise_page_renders_and_links_its_runs)
{
    char *d = tmpdir(), *page = ns_path_join(d, "advise.html");
    struct outcome r = cli(d, (const char *[]){"advise", "examples/cpu.cfg", "--duration", "50ms",
                                               "--seeds", "2", "--out", d, "--html", page,
                                               "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    self_contained(page);
    char *html = slurp(page, NULL);
    cr_assert_not_null(strstr(html, "<a href=\"runs/none-credit/seed-2/results.json\">"), "%s",
                       html);
    char *abs = absolute(page);
    renders(d, abs);
    free(abs);
    free(html);
    outcome_free(&r);
    free(page);
    rm_rf(d);
    free(d);
}

/* experiment's page: its plot (plot.svg, inline), its tables and a link to
 * each of the 27 runs; 1 seed of 10 ms, no warm-up, to stay quick. */
Test(html, experiment_page_renders_and_links_every_run)
{
    char *d = tmpdir(), *page = ns_path_join(d, "experiment.html");
    struct outcome r = cli(d, (const char *[]){"experiment", "numa2013", "--seeds", "1",
                                               "--duration", "10ms", "--warmup", "0",
                                               "--jobs", "2", "--out", d, "--html", page,
                                               "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *html = slurp(page, NULL);
    cr_assert_not_null(html);
    cr_assert_null(strstr(html, "<script"));
    cr_assert_not_null(strstr(html, "<svg"));
    int links = 0;
    for (const char *p = strstr(html, "<a href=\"runs/"); p; p = strstr(p + 1, "<a href=\"runs/"))
        links++;
    cr_assert_eq(links, 27, "%d links to runs", links);
    char *abs = absolute(page);
    if (access("/usr/bin/chromium", X_OK) == 0) {
        /* No table element here (the tables are text): bars and text only. */
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "timeout 90 chromium --headless --no-sandbox --disable-gpu "
                 "--disable-quic --no-first-run --disable-background-networking "
                 "--disable-component-update --disable-sync --user-data-dir='%s/profile' "
                 "--window-size=1000,1400 --screenshot='%s/shot.png' 'file://%s' "
                 ">/dev/null 2>&1", d, d, abs);
        cr_assert_eq(system(cmd), 0);
        char *shot = ns_path_join(d, "shot.png");
        struct image img;
        png_read(shot, &img);
        cr_assert_geq(count_dark(&img), 1000, "blank experiment page");
        free(img.rgb);
        free(shot);
    }
    free(abs);
    free(html);
    outcome_free(&r);
    free(page);
    rm_rf(d);
    free(d);
}

/*
 * sweep's page: summary.md as a table (a header cell per axis and metric),
 * the nine plot-METRIC.svg inline, and a link to each of the 3 points x 3
 * seeds of examples/sweeps/vcpus.cfg, relative to the page (it sits in the
 * --out folder). On the screenshot, the first two plots are whole: each
 * has its first line's legend swatch, a 12x12 square of blue, so at least
 * 200 blue pixels (the inner 10x10 of two swatches, whatever the
 * anti-aliasing of their edges), besides the lines themselves.
 */
Test(html, sweep_page_renders_and_links_every_run)
{
    char *d = tmpdir(), *page = ns_path_join(d, "sweep.html");
    struct outcome r = cli(d, (const char *[]){"sweep", "examples/sweeps/vcpus.cfg",
                                               "--duration", "20ms", "--jobs", "2", "--out", d,
                                               "--html", page, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    self_contained(page);
    char *html = slurp(page, NULL);
    cr_assert_not_null(strstr(html, "<th>domain_vcpus</th><th>sched</th><th>metric</th>"), "%s",
                       html);
    int svgs = 0, links = 0;
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg"))
        svgs++;
    for (const char *p = strstr(html, "<a href=\"runs/p"); p; p = strstr(p + 1, "<a href=\"runs/p"))
        links++;
    cr_assert_eq(svgs, 9, "%d plots", svgs);
    cr_assert_eq(links, 9, "%d links to runs", links);
    cr_assert_not_null(strstr(html, "<a href=\"runs/p3/seed-3/results.json\">"), "%s", html);
    char *abs = absolute(page);
    renders_with(d, abs, 200);
    free(abs);
    free(html);
    outcome_free(&r);
    free(page);
    rm_rf(d);
    free(d);
}
