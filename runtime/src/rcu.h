/*
 * rcu.h - weft's use of liburcu's QSBR flavour to reclaim deque buffers.
 *
 * When a deque grows, thieves may still be reading the old buffer.  Every
 * worker is a QSBR reader: it is "online" while awake and announces a
 * quiescent state between steal attempts (when it holds no buffer
 * pointer), and goes "offline" before it sleeps so that it never holds up
 * a grace period.  Retired buffers go to call_rcu, whose thread frees them
 * after a grace period.
 *
 * After fork(), a child whose parent had online weft workers inherits
 * their registrations in liburcu's registry, with no threads behind them;
 * a grace period there would never end.  Such a child therefore does not
 * use RCU: its deques keep retired buffers until they are destroyed
 * (weft__rcu_usable() says which mode new pools get).
 */
#ifndef WEFT_RCU_H
#define WEFT_RCU_H

#include <stdbool.h>
/* The map header first, so call-rcu.h declares the QSBR flavour's names
 * (call_rcu -> urcu_qsbr_call_rcu). */
#include <urcu/call-rcu.h>
#include <urcu/map/urcu-qsbr.h>

#include "platform.h"

WEFT__INTERNAL bool weft__rcu_usable(void);
WEFT__INTERNAL void weft__rcu_register(void);   /* worker start */
WEFT__INTERNAL void weft__rcu_unregister(void); /* worker exit */
WEFT__INTERNAL void weft__rcu_quiescent(void);
WEFT__INTERNAL void weft__rcu_offline(void);
WEFT__INTERNAL void weft__rcu_online(void);
WEFT__INTERNAL void weft__rcu_retire(struct rcu_head *head,
                                     void (*fn)(struct rcu_head *));

/* fork() handlers, called from the runtime's pthread_atfork handlers. */
WEFT__INTERNAL void weft__rcu_before_fork(void);
WEFT__INTERNAL void weft__rcu_after_fork_parent(void);
WEFT__INTERNAL void weft__rcu_after_fork_child(void);

#endif /* WEFT_RCU_H */
