/* Bounds and tolerances shared by the C++ runtime and the nt Lua library: C and C++ include
 * this file; cmake/embed_lua.cmake turns its NTRUN_K_* defines into the Lua module nt._const,
 * so both sides read the same numbers (never copy one by hand). One define per line:
 * #define NTRUN_K_<NAME> <number>  followed by a comment. */
#ifndef NTRUN_CONSTANTS_H
#define NTRUN_CONSTANTS_H

#define NTRUN_K_QTY_EPSILON 1e-9            /* relative: a smaller remainder is zero */
#define NTRUN_K_MAX_WINDOW 16777216         /* indicator windows (2^24): a typo must not allocate GBs */
#define NTRUN_K_MAX_HISTORY 10000000        /* bars of history kept per symbol */
#define NTRUN_K_MAX_SECONDS 9.2e9           /* durations in seconds: beyond, int64 ns overflow */
#define NTRUN_K_MAX_ORDERS_PER_SECOND 1000000 /* the rate window keeps one timestamp per order */
#define NTRUN_K_MAX_VAR_WINDOW 100000       /* returns per symbol in the post-trade VaR limit */
#define NTRUN_K_MAX_OPEN_ORDERS 10000       /* open orders one strategy may hold (more: max_open_orders) */
#define NTRUN_K_MAX_QUEUED_EVENTS 100000   /* events waiting for one strategy (an order storm in one callback) */
#define NTRUN_K_MAX_TIMERS 10000            /* timers one strategy may hold at once */
#define NTRUN_K_MIN_TIMER_INTERVAL 0.001    /* seconds: a shorter repeating timer floods the queue */
#define NTRUN_K_MAX_LOG_LINES 100000        /* log lines one strategy may write (more are counted) */
#define NTRUN_K_MAX_LOG_LINE_BYTES 4096     /* a longer log line is cut (the cut is said) */
#define NTRUN_K_MAX_ERROR_BYTES 65536       /* a longer error message is cut in the report */
#define NTRUN_K_DEFAULT_MEMORY_MB 256       /* a strategy's memory cap (Lua heap + nt arrays) */
#define NTRUN_K_MAX_MEMORY_MB 1048576       /* sandbox.memory_mb at most 1 TB */
#define NTRUN_K_DEFAULT_CALLBACK_MS 250     /* a callback running longer is stopped (sandbox.callback_ms) */
#define NTRUN_K_MIN_CALLBACK_MS 10          /* sandbox.callback_ms at least 10 ms (the watchdog's tick is 1-10 ms) */
#define NTRUN_K_MAX_CALLBACK_MS 3600000     /* sandbox.callback_ms at most an hour */

#endif /* NTRUN_CONSTANTS_H */
