/*
 * fault.h - fault injection for the reliability tests.
 *
 * Built with WEFT_FAULT_INJECTION, a test can make the Nth allocation or
 * the Nth thread creation from now fail, and check that the caller returns
 * an error, stays usable and leaks nothing.  Without the option the checks
 * compile to nothing.
 */
#ifndef WEFT_FAULT_H
#define WEFT_FAULT_H

#include <stdbool.h>

#include "platform.h"
#include "weft.h"

typedef enum weft__fault_kind {
    WEFT__FAULT_ALLOC = 0,
    WEFT__FAULT_THREAD = 1,
} weft__fault_kind;

#ifdef WEFT_FAULT_INJECTION
/* True if this call must fail (the countdown for `kind` just hit zero). */
WEFT__INTERNAL bool weft__fault_inject(weft__fault_kind kind);
#else
static inline bool weft__fault_inject(weft__fault_kind kind)
{
    (void)kind;
    return false;
}
#endif

/* Test hooks, exported from libweft in every build.  Arm: the call `n`
 * from now fails (n >= 1); 0 disarms.  Return the number of failures
 * injected so far, or -1 when the build has no fault injection. */
WEFT_API long long weft__debug_fail_alloc_after(long long n);
WEFT_API long long weft__debug_fail_thread_after(long long n);

#endif /* WEFT_FAULT_H */
