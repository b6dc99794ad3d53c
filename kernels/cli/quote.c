/*
 * quote.c - file names in messages, quoted the way GNU wc 9.1 quotes them
 * (gnulib's quotef: shell-escape quoting, ':' quoted too), C locale.
 *
 * A name made only of "safe" bytes prints as is.  Otherwise it is shell-
 * quoted: in double quotes when it contains a single quote and nothing
 * that is special inside double quotes; else in single quotes, where a
 * single quote becomes '\'' and a run of unprintable bytes becomes
 * '$'\n\001'' (C escapes, octal for the rest).  One corner of gnulib is
 * not reproduced: for a name that has a single quote and ends in an
 * unprintable byte, GNU puts an extra '' in front.
 */
#include <string.h>

#include "cli.h"

static bool printable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

/* Bytes that make a name need quoting (where they are). */
static bool special(const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (!printable(c))
        return true;
    switch (c) {
    case '#':
    case '~':
        return i == 0;
    case '{':
    case '}':
        return s[1] == '\0';
    case ' ':
    case '!':
    case '"':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case ';':
    case '<':
    case '=':
    case '>':
    case '?':
    case '[':
    case '\\':
    case '^':
    case '`':
    case '|':
    case ':':
        return true;
    default:
        return false;
    }
}

/* Bytes that can stand as they are inside double quotes. */
static bool dq_safe(const char *s, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (!printable(c))
        return false;
    switch (c) {
    case '#':
    case '~':
        return i == 0;
    case '{':
    case '}':
        return s[1] == '\0';
    case ' ':
    case '\'':
        return true;
    case '!':
    case '"':
    case '$':
    case '&':
    case '(':
    case ')':
    case '*':
    case ';':
    case '<':
    case '=':
    case '>':
    case '?':
    case '[':
    case '\\':
    case '^':
    case '`':
    case '|':
        return false;
    default:
        return true;
    }
}

static char c_escape(unsigned char c)
{
    switch (c) {
    case '\a':
        return 'a';
    case '\b':
        return 'b';
    case '\t':
        return 't';
    case '\n':
        return 'n';
    case '\v':
        return 'v';
    case '\f':
        return 'f';
    case '\r':
        return 'r';
    default:
        return 0;
    }
}

void cli_quote(FILE *f, const char *s)
{
    size_t n = strlen(s);
    bool needs = n == 0, has_quote = false, dq = true;
    for (size_t i = 0; i < n; i++) {
        needs |= special(s, i);
        has_quote |= s[i] == '\'';
        dq &= dq_safe(s, i);
    }
    if (!needs) {
        fputs(s, f);
        return;
    }
    if (has_quote && dq) {
        fprintf(f, "\"%s\"", s);
        return;
    }
    bool in_escape = false; /* inside a $'...' segment */
    fputc('\'', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'') {
            fputs("'\\''", f);
            in_escape = false;
        } else if (!printable(c)) {
            if (!in_escape)
                fputs("'$'", f);
            in_escape = true;
            char e = c_escape(c);
            if (e != 0)
                fprintf(f, "\\%c", e);
            else
                fprintf(f, "\\%03o", c);
        } else {
            if (in_escape)
                fputs("''", f);
            in_escape = false;
            fputc(c, f);
        }
    }
    fputc('\'', f);
}
