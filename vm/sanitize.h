/* sanitize.h — which sanitizer this file is built with, the same under gcc
 * and clang: CSP_ASAN (AddressSanitizer) and CSP_TSAN (ThreadSanitizer)
 * are 1 or 0. gcc defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__;
 * clang 14 (the fuzz build) only answers __has_feature, and a check of the
 * gcc macros alone silently left the fuzz build without the stack-switch
 * annotations and with the ordinary C-stack margin. */
#ifndef CSP_SANITIZE_H
#define CSP_SANITIZE_H

#ifndef __has_feature
#define __has_feature(x) 0
#endif

#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define CSP_ASAN 1
#else
#define CSP_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define CSP_TSAN 1
#else
#define CSP_TSAN 0
#endif

/* For code that reads memory other threads own while they are stopped
 * (the leak finder's conservative scan, as the collector's own marking
 * does): the sanitizers cannot see that stopping as an ordering, and ASan
 * would report the red zones between globals it reads past. */
#define CSP_NO_SANITIZE __attribute__((no_sanitize("address", "thread", "undefined")))

#endif
