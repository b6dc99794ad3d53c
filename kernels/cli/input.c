/*
 * input.c - how the tool reads its inputs.
 *
 * Regular files are mapped whole (a 64-bit address space maps a file of
 * any size; pages come from the page cache as the workers touch them, so
 * a file larger than memory streams through it).  Everything else, and
 * standard input always, is read in blocks: the kernels get BLOCK bytes at
 * a time, so a pipe never has to fit in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

#define BLOCK ((size_t)8 << 20)

/* Read until the buffer is full or end of file: a pipe returns at most
 * 64 KiB per read, and the kernels want big blocks. */
static ssize_t fill(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    while (have < cap) {
        ssize_t r = read(fd, buf + have, cap - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return have > 0 ? (ssize_t)have : -1;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    return (ssize_t)have;
}

static cli_status stream(int fd, cli_consume_fn consume, void *arg, int *err)
{
    size_t cap = BLOCK, have = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        *err = ENOMEM;
        return CLI_READ_FAILED;
    }
    cli_status st = CLI_OK;
    for (;;) {
        if (have == cap) {
            /* The consumer could not use a full buffer (a search with no
             * whitespace in it): grow. */
            char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (nb == NULL) {
                *err = ENOMEM;
                st = CLI_READ_FAILED;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        errno = 0;
        ssize_t r = fill(fd, buf + have, cap - have);
        if (r < 0) {
            *err = errno;
            st = CLI_READ_FAILED;
            consume(buf, have, true, arg); /* count what was read */
            break;
        }
        bool eof = have + (size_t)r < cap;
        have += (size_t)r;
        size_t used = consume(buf, have, eof, arg);
        if (eof)
            break;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    free(buf);
    return st;
}

cli_status cli_process(const char *path, cli_whole_fn whole,
                       cli_consume_fn consume, void *arg, int *err)
{
    *err = 0;
    if (path == NULL)
        return stream(STDIN_FILENO, consume, arg, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return CLI_OPEN_FAILED;
    }
    struct stat st;
    cli_status status = CLI_OK;
    if (fstat(fd, &st) != 0) {
        *err = errno;
        status = CLI_READ_FAILED;
    } else if (S_ISDIR(st.st_mode)) {
        *err = EISDIR;
        status = CLI_READ_FAILED;
    } else if (S_ISREG(st.st_mode) && st.st_size > 0 &&
               (uintmax_t)st.st_size <= SIZE_MAX / 2) {
        size_t len = (size_t)st.st_size;
        void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            /* Each worker reads its part front to back. */
            madvise(p, len, MADV_SEQUENTIAL);
            whole(p, len, arg);
            munmap(p, len);
        } else {
            status = stream(fd, consume, arg, err);
        }
    } else {
        status = stream(fd, consume, arg, err);
    }
    if (status == CLI_READ_FAILED && *err == 0)
        *err = EIO;
    close(fd);
    return status;
}
