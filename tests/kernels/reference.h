/*
 * reference.h - slow, obvious versions of search and wc, written from the
 * contracts (not from the kernels' code), for the tests and the fuzzer.
 */
#ifndef WEFT_TEST_REFERENCE_H
#define WEFT_TEST_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/kernels.h"

/* The multi-byte whitespace characters of str.split(), in UTF-8. */
static const char *const ref_mb_ws[] = {
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80",
    "\xE2\x80\x81", "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84",
    "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88",
    "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9",
    "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
#define REF_N_MB_WS (sizeof(ref_mb_ws) / sizeof(ref_mb_ws[0]))

/* ws[i] = 1 where byte i belongs to a whitespace character. */
static inline void ref_mark_ws(const unsigned char *s, size_t len,
                               weft_text mode, unsigned char *ws)
{
    memset(ws, 0, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == ' ' || (c >= 9 && c <= 13))
            ws[i] = 1;
        else if (mode == WEFT_TEXT_UTF8 && c >= 0x1c && c <= 0x1f)
            ws[i] = 1;
    }
    if (mode != WEFT_TEXT_UTF8)
        return;
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < REF_N_MB_WS && s[i] >= 0xC2; k++) {
            size_t l = strlen(ref_mb_ws[k]);
            if (i + l <= len && memcmp(s + i, ref_mb_ws[k], l) == 0)
                memset(ws + i, 1, l);
        }
}

/* contents.split().count(needle): mark whitespace, walk the words. */
static inline uint64_t ref_search(const char *text, size_t len,
                                  const char *needle, size_t nlen,
                                  weft_text mode)
{
    unsigned char *ws = malloc(len + 1), *nws = malloc(nlen + 1);
    if (ws == NULL || nws == NULL)
        abort();
    ref_mark_ws((const unsigned char *)text, len, mode, ws);
    ref_mark_ws((const unsigned char *)needle, nlen, mode, nws);
    uint64_t count = 0;
    bool bad = nlen == 0;
    for (size_t i = 0; i < nlen; i++)
        bad |= nws[i] != 0;
    for (size_t i = 0; i < len && !bad;) {
        if (ws[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !ws[j])
            j++;
        if (j - i == nlen && memcmp(text + i, needle, nlen) == 0)
            count++;
        i = j;
    }
    free(ws);
    free(nws);
    return count;
}

/* LC_ALL=C wc (coreutils 9.1), a byte at a time. */
static inline weft_wc_counts ref_wc(const unsigned char *s, size_t len)
{
    weft_wc_counts c = {0, 0, len};
    bool in_word = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = s[i];
        if (b == '\n')
            c.lines++;
        if (b == ' ' || (b >= 9 && b <= 13)) {
            in_word = false;
        } else if (b > 0x20 && b < 0x7f) {
            if (!in_word)
                c.words++;
            in_word = true;
        }
    }
    return c;
}

#endif /* WEFT_TEST_REFERENCE_H */
