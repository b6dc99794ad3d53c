/*
 * cli.h - the pieces of the `weft` command-line tool.
 */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/* ---- input.c: reading a file through mmap, or a stream in blocks ---- */

/* Called with the whole contents of a mapped file (len > 0). */
typedef void (*cli_whole_fn)(const char *buf, size_t len, void *arg);

/* Called with the next bytes of a stream; returns how many it consumed
 * from the front (the rest is offered again, with more bytes after it).
 * At eof it must consume everything. */
typedef size_t (*cli_consume_fn)(const char *buf, size_t len, bool eof,
                                 void *arg);

typedef enum cli_status {
    CLI_OK = 0,
    CLI_OPEN_FAILED, /* nothing was read: report the error, print no counts */
    CLI_READ_FAILED, /* part or none was read: report it, print the counts */
} cli_status;

/*
 * Process one input: path NULL means standard input (always streamed); a
 * regular file with a size is mapped and given to whole() at once;
 * anything else (pipes, devices, files the kernel reports as empty such
 * as /proc files, files mmap refuses) is streamed through consume().
 * A directory is a read failure with EISDIR, as GNU wc reports it.
 * Returns the status, with the errno value in *err.
 */
cli_status cli_process(const char *path, cli_whole_fn whole,
                       cli_consume_fn consume, void *arg, int *err);

/* ---- quote.c: file names in messages, as GNU coreutils quotes them ---- */

/* Write name as GNU's quotef() would in the C locale: unchanged when it
 * is plain, else shell-quoted ('...', "..." or with $'\ooo' escapes). */
void cli_quote(FILE *f, const char *name);

#endif /* WEFT_CLI_H */
