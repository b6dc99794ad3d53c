/*
 * rcu.c - liburcu QSBR glue (see rcu.h).
 *
 * Only the library's exported functions are called (no _LGPL_SOURCE), so
 * weft does not inline LGPL code.
 */
#include <urcu/urcu-qsbr.h>

#include "rcu.h"

#include <stdatomic.h>

/* Threads currently registered by weft.  Read by the fork child handler
 * to decide whether RCU can still be trusted in the child. */
static _Atomic int registered;
/* Cleared for good in a fork child that inherited online registrations. */
static _Atomic bool usable = true;

bool weft__rcu_usable(void)
{
    return atomic_load_explicit(&usable, memory_order_relaxed);
}

void weft__rcu_register(void)
{
    atomic_fetch_add_explicit(&registered, 1, memory_order_relaxed);
    urcu_qsbr_register_thread(); /* leaves the thread online */
}

void weft__rcu_unregister(void)
{
    urcu_qsbr_unregister_thread(); /* goes offline first */
    atomic_fetch_sub_explicit(&registered, 1, memory_order_relaxed);
}

void weft__rcu_quiescent(void)
{
    urcu_qsbr_quiescent_state();
}
void weft__rcu_offline(void)
{
    urcu_qsbr_thread_offline();
}
void weft__rcu_online(void)
{
    urcu_qsbr_thread_online();
}

void weft__rcu_retire(struct rcu_head *head, void (*fn)(struct rcu_head *))
{
    urcu_qsbr_call_rcu(head, fn);
}

void weft__rcu_before_fork(void)
{
    urcu_qsbr_call_rcu_before_fork();
}
void weft__rcu_after_fork_parent(void)
{
    urcu_qsbr_call_rcu_after_fork_parent();
}

void weft__rcu_after_fork_child(void)
{
    urcu_qsbr_call_rcu_after_fork_child();
    if (atomic_load_explicit(&registered, memory_order_relaxed) != 0) {
        /* The parent's workers are still in liburcu's registry but do not
         * exist here; no grace period could ever complete. */
        atomic_store_explicit(&usable, false, memory_order_relaxed);
        atomic_store_explicit(&registered, 0, memory_order_relaxed);
    }
}
