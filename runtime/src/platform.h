/*
 * platform.h - compiler hints, CPU relax, futex and ThreadSanitizer hooks.
 *
 * Everything here is tiny and header-only so the hot paths that include it
 * stay inlinable.
 */
#ifndef WEFT_PLATFORM_H
#define WEFT_PLATFORM_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WEFT__LIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WEFT__NOINLINE __attribute__((noinline))
#define WEFT__COLD __attribute__((cold, noinline))
#define WEFT__INTERNAL __attribute__((visibility("hidden")))

/* Destructive-interference size on x86-64 and most AArch64 parts.  Fields
 * written by different threads live on different lines of this size. */
#define WEFT__CACHE_LINE 64
#define WEFT__CACHE_ALIGNED _Alignas(WEFT__CACHE_LINE)

#define WEFT__CONTAINER_OF(ptr, type, member)                                  \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void weft__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* futex(2) on a 32-bit word, process-private.  Both return the raw
 * syscall result; callers re-check their condition in a loop, so EINTR,
 * EAGAIN and spurious wake-ups need no special handling. */
static inline long weft__futex_wait(_Atomic uint32_t *addr, uint32_t expected)
{
    return syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected,
                   NULL, NULL, 0);
}

static inline long weft__futex_wake(_Atomic uint32_t *addr, int count)
{
    return syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, count, NULL,
                   NULL, 0);
}

static inline uint64_t weft__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * ThreadSanitizer cannot see two kinds of ordering weft relies on: the
 * inline-assembly barriers inside Debian's liburcu 0.13 (wfcqueue hand-off,
 * QSBR grace periods), and futex syscalls.  At each such hand-off weft
 * tells TSan about the real happens-before edge: release on the sending
 * side, acquire on the receiving side, keyed by the address handed over.
 * Outside TSan builds these compile to nothing.
 */
#if defined(__SANITIZE_THREAD__)
#define WEFT__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT__TSAN 1
#endif
#endif

#ifdef WEFT__TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define WEFT__TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#define WEFT__TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#else
#define WEFT__TSAN_RELEASE(addr) ((void)0)
#define WEFT__TSAN_ACQUIRE(addr) ((void)0)
#endif

#endif /* WEFT_PLATFORM_H */
