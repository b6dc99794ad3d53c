/*
 * weft.c - the `weft` command-line tool: wc and word search on the
 * kernels, in a pool of -j N threads.
 *
 * `weft wc` is GNU wc (coreutils 9.1) in the C locale, output byte for
 * byte: the same columns, widths, total line, messages and exit status.
 * The manual page is the README's section "The `weft` command".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "weft.h"
#include "weft/kernels.h"

#ifndef WEFT_CLI_VERSION
#define WEFT_CLI_VERSION "0"
#endif

static const char usage_text[] =
    "Usage: weft [-j N] COMMAND [OPTION]... [ARG]...\n"
    "Parallel text tools on the weft work-stealing runtime.\n"
    "\n"
    "Commands:\n"
    "  wc [-l] [-w] [-m] [-c] [FILE]...\n"
    "      Print newline, word and byte counts for each FILE, and a total\n"
    "      line if more than one FILE is specified, exactly as GNU wc in\n"
    "      the C locale (LC_ALL=C wc).  A word is a run of printable\n"
    "      characters (0x21-0x7e) delimited by white space; other bytes\n"
    "      neither start nor end a word.\n"
    "        -c, --bytes   print the byte counts\n"
    "        -m, --chars   print the character counts (bytes: C locale)\n"
    "        -l, --lines   print the newline counts\n"
    "        -w, --words   print the word counts\n"
    "  search [-b] NEEDLE [FILE]...\n"
    "      Count the whitespace-separated words equal to NEEDLE, as\n"
    "      Python's contents.split().count(NEEDLE).  Text is UTF-8 and\n"
    "      whitespace is Unicode's (str.split()); with -b, --bytes, the\n"
    "      contents are bytes and whitespace is ASCII (bytes.split()).\n"
    "      With one input, prints the count; with several, prints\n"
    "      'COUNT FILE' for each and then 'COUNT total'.\n"
    "\n"
    "With no FILE, or when FILE is -, read standard input.  Files are\n"
    "mapped into memory; standard input and other streams are read in\n"
    "blocks.  A FILE that cannot be read is reported on standard error\n"
    "and the exit status is 1.\n"
    "\n"
    "Options (before or after the command):\n"
    "  -j, --threads=N   run on N threads (default: WEFT_NUM_THREADS, else\n"
    "                    the number of CPUs)\n"
    "      --help        display this help and exit\n"
    "      --version     output version information and exit\n";

static int usage_error(void)
{
    fputs("Try 'weft --help' for more information.\n", stderr);
    return 1;
}

/* Report an input error: GNU's error() flushes stdout first. */
static void report(const char *name, int err)
{
    fflush(stdout);
    fputs("weft: ", stderr);
    cli_quote(stderr, name);
    fprintf(stderr, ": %s\n", strerror(err));
}

static bool parse_threads(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v == 0 ||
        v > WEFT_MAX_THREADS) {
        fprintf(stderr, "weft: invalid thread count '%s' (1..%d)\n", s,
                WEFT_MAX_THREADS);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* ------------------------------------------------------------------ */
/* wc                                                                  */
/* ------------------------------------------------------------------ */

typedef struct wc_opts {
    bool lines, words, chars, bytes;
} wc_opts;

typedef struct wc_input {
    weft_wc_state st;
    bool bytes_only; /* neither -l nor -w: a mapped file's size is enough */
} wc_input;

static void wc_whole(const char *buf, size_t len, void *arg)
{
    wc_input *in = arg;
    if (in->bytes_only) {
        /* As GNU wc -c does with a regular file: the size, unread (the
         * mapping is never touched, so no page is faulted in). */
        in->st.counts.bytes = len;
        return;
    }
    weft_wc_counts c;
    weft_wc(buf, len, &c);
    in->st.counts = c;
}

static size_t wc_consume(const char *buf, size_t len, bool eof, void *arg)
{
    (void)eof;
    wc_input *in = arg;
    weft_wc_update(&in->st, buf, len);
    return len;
}

/* GNU wc's column width: 1 when a single count of a single input is
 * printed; else wide enough for the total size of the regular files
 * among the inputs (stat'ed before reading), and at least 7 when any
 * input is not a regular file (a pipe's size is unknown). */
static int wc_width(const wc_opts *o, char **files, int nfiles)
{
    int selected = o->lines + o->words + o->chars + o->bytes;
    if (nfiles <= 1 && selected == 1)
        return 1;
    uintmax_t total = 0;
    int min_width = 1;
    for (int i = 0; i < (nfiles == 0 ? 1 : nfiles); i++) {
        struct stat st;
        const char *f = nfiles == 0 ? "-" : files[i];
        int rc = strcmp(f, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(f, &st);
        if (rc != 0)
            continue;
        if (S_ISREG(st.st_mode))
            total += (uintmax_t)st.st_size;
        else
            min_width = 7;
    }
    int width = 1;
    for (; total >= 10; total /= 10)
        width++;
    return width < min_width ? min_width : width;
}

static void wc_print(const wc_opts *o, int width, const weft_wc_counts *c,
                     const char *name)
{
    const char *sep = "";
    if (o->lines) {
        printf("%s%*" PRIu64, sep, width, c->lines);
        sep = " ";
    }
    if (o->words) {
        printf("%s%*" PRIu64, sep, width, c->words);
        sep = " ";
    }
    if (o->chars) {
        printf("%s%*" PRIu64, sep, width, c->bytes);
        sep = " ";
    }
    if (o->bytes)
        printf("%s%*" PRIu64, sep, width, c->bytes);
    if (name != NULL) {
        putchar(' ');
        if (strchr(name, '\n') != NULL)
            cli_quote(stdout, name);
        else
            fputs(name, stdout);
    }
    putchar('\n');
}

static int cmd_wc(const wc_opts *o, char **files, int nfiles)
{
    int width = wc_width(o, files, nfiles);
    weft_wc_counts total = {0, 0, 0};
    int status = 0;
    for (int i = 0; i < (nfiles == 0 ? 1 : nfiles); i++) {
        const char *name = nfiles == 0 ? NULL : files[i];
        bool is_stdin = name == NULL || strcmp(name, "-") == 0;
        if (name != NULL && *name == '\0') {
            /* GNU wc's words; the file adds nothing, not even a line. */
            fflush(stdout);
            fputs("weft: invalid zero-length file name\n", stderr);
            status = 1;
            continue;
        }
        wc_input in = {WEFT_WC_STATE_INIT, !o->lines && !o->words};
        int err;
        cli_status st = cli_process(is_stdin ? NULL : name, wc_whole,
                                    wc_consume, &in, &err);
        if (st != CLI_OK) {
            /* GNU wc calls an implicit standard input so; "-" stays. */
            report(name != NULL ? name : "standard input", err);
            status = 1;
            if (st == CLI_OPEN_FAILED)
                continue;
        }
        wc_print(o, width, &in.st.counts, name);
        total.lines += in.st.counts.lines;
        total.words += in.st.counts.words;
        total.bytes += in.st.counts.bytes;
    }
    if (nfiles > 1)
        wc_print(o, width, &total, "total");
    return status;
}

/* ------------------------------------------------------------------ */
/* search                                                              */
/* ------------------------------------------------------------------ */

typedef struct search_input {
    const char *needle;
    size_t needle_len;
    weft_text mode;
    uint64_t count;
} search_input;

static void search_whole(const char *buf, size_t len, void *arg)
{
    search_input *in = arg;
    uint64_t c = 0;
    weft_search(buf, len, in->needle, in->needle_len, in->mode, &c);
    in->count += c;
}

/* A stream is cut just after its last ASCII whitespace byte: a word never
 * straddles the cut, and no multi-byte whitespace contains ASCII. */
static size_t search_consume(const char *buf, size_t len, bool eof, void *arg)
{
    size_t cut = len;
    if (!eof) {
        while (cut > 0) {
            unsigned char c = (unsigned char)buf[cut - 1];
            if (c == ' ' || (unsigned char)(c - 9) < 5)
                break;
            cut--;
        }
    }
    search_whole(buf, cut, arg);
    return cut;
}

static int cmd_search(const char *needle, weft_text mode, char **files,
                      int nfiles)
{
    uint64_t total = 0;
    int status = 0;
    for (int i = 0; i < (nfiles == 0 ? 1 : nfiles); i++) {
        const char *name = nfiles == 0 ? NULL : files[i];
        bool is_stdin = name == NULL || strcmp(name, "-") == 0;
        search_input in = {needle, strlen(needle), mode, 0};
        int err;
        cli_status st = cli_process(is_stdin ? NULL : name, search_whole,
                                    search_consume, &in, &err);
        if (st != CLI_OK) {
            report(name != NULL ? name : "-", err);
            status = 1;
            if (st == CLI_OPEN_FAILED)
                continue;
        }
        total += in.count;
        if (nfiles > 1)
            printf("%" PRIu64 " %s\n", in.count, name);
        else
            printf("%" PRIu64 "\n", in.count);
    }
    if (nfiles > 1)
        printf("%" PRIu64 " total\n", total);
    return status;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

enum { OPT_HELP = 256, OPT_VERSION };

typedef struct job {
    int cmd; /* 'w' wc, 's' search */
    wc_opts wc;
    const char *needle;
    weft_text mode;
    char **files;
    int nfiles;
    int status;
} job;

static void run_job(void *arg)
{
    job *j = arg;
    if (j->cmd == 'w')
        j->status = cmd_wc(&j->wc, j->files, j->nfiles);
    else
        j->status = cmd_search(j->needle, j->mode, j->files, j->nfiles);
}

/* The long option whose value getopt_long reported in optopt. */
static const char *long_name(const struct option *longopts, int val)
{
    for (const struct option *o = longopts; o->name != NULL; o++)
        if (o->val == val)
            return o->name;
    return NULL;
}

/* getopt_long with our own messages, in GNU's words.  For a long option
 * getopt sets optopt to the option's value (0 if unknown), so whether the
 * offending argument was long is read from the argument itself. */
static int next_opt(int argc, char **argv, const char *shortopts,
                    const struct option *longopts)
{
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    const char *name = strncmp(arg, "--", 2) == 0 && optopt != 0
                           ? long_name(longopts, optopt)
                           : NULL;
    if (c == '?') {
        if (name != NULL)
            fprintf(stderr, "weft: option '--%s' doesn't allow an argument\n",
                    name);
        else if (optopt != 0)
            fprintf(stderr, "weft: invalid option -- '%c'\n", optopt);
        else
            fprintf(stderr, "weft: unrecognized option '%s'\n", arg);
    } else {
        if (name != NULL)
            fprintf(stderr, "weft: option '--%s' requires an argument\n", name);
        else
            fprintf(stderr, "weft: option requires an argument -- '%c'\n",
                    optopt);
    }
    return c;
}

int main(int argc, char **argv)
{
    static const struct option global_long[] = {
        {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    static const struct option wc_long[] = {
        {"bytes", no_argument, NULL, 'c'},
        {"chars", no_argument, NULL, 'm'},
        {"lines", no_argument, NULL, 'l'},
        {"words", no_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    static const struct option search_long[] = {
        {"bytes", no_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    unsigned threads = 0;
    job j;
    memset(&j, 0, sizeof(j));
    j.mode = WEFT_TEXT_UTF8;
    opterr = 0;

    /* Global options stop at the command ('+'). */
    int c;
    while ((c = next_opt(argc, argv, "+:j:", global_long)) != -1) {
        switch (c) {
        case 'j':
            if (!parse_threads(optarg, &threads))
                return usage_error();
            break;
        case OPT_HELP:
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf("weft %s\n", WEFT_CLI_VERSION);
            return 0;
        default:
            return usage_error();
        }
    }
    if (optind >= argc) {
        fputs("weft: missing command\n", stderr);
        return usage_error();
    }
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* full re-initialisation of getopt for the command */
    if (strcmp(cmd, "wc") == 0) {
        j.cmd = 'w';
        while ((c = next_opt(sub_argc, sub_argv, ":clmwj:", wc_long)) != -1) {
            switch (c) {
            case 'c':
                j.wc.bytes = true;
                break;
            case 'l':
                j.wc.lines = true;
                break;
            case 'm':
                j.wc.chars = true;
                break;
            case 'w':
                j.wc.words = true;
                break;
            case 'j':
                if (!parse_threads(optarg, &threads))
                    return usage_error();
                break;
            case OPT_HELP:
                fputs(usage_text, stdout);
                return 0;
            case OPT_VERSION:
                printf("weft %s\n", WEFT_CLI_VERSION);
                return 0;
            default:
                return usage_error();
            }
        }
        if (!j.wc.lines && !j.wc.words && !j.wc.chars && !j.wc.bytes)
            j.wc.lines = j.wc.words = j.wc.bytes = true;
    } else if (strcmp(cmd, "search") == 0) {
        j.cmd = 's';
        while ((c = next_opt(sub_argc, sub_argv, ":bj:", search_long)) != -1) {
            switch (c) {
            case 'b':
                j.mode = WEFT_TEXT_BYTES;
                break;
            case 'j':
                if (!parse_threads(optarg, &threads))
                    return usage_error();
                break;
            case OPT_HELP:
                fputs(usage_text, stdout);
                return 0;
            case OPT_VERSION:
                printf("weft %s\n", WEFT_CLI_VERSION);
                return 0;
            default:
                return usage_error();
            }
        }
        if (optind >= sub_argc) {
            fputs("weft: search: missing NEEDLE\n", stderr);
            return usage_error();
        }
        j.needle = sub_argv[optind++];
    } else {
        fprintf(stderr, "weft: unknown command '%s'\n", cmd);
        return usage_error();
    }
    j.files = sub_argv + optind;
    j.nfiles = sub_argc - optind;

    weft_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.num_threads = threads;
    cfg.thread_name = "weft";
    weft_pool *pool = NULL;
    int rc = weft_pool_create(&cfg, &pool);
    if (rc != 0 || weft_pool_run(pool, run_job, &j) != 0) {
        /* No pool of our own: the kernels fall back to the default pool,
         * or to this thread. */
        run_job(&j);
    }
    weft_pool_destroy(pool);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "weft: write error: %s\n", strerror(errno));
        return 1;
    }
    return j.status;
}
