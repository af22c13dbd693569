/* Shared helpers for the roomd benchmarks (pingpong.c, kickbench.c).
 * Plain blocking stream sockets (Unix; TCP on 127.0.0.1 for pingpong's
 * transport comparison), NUL-delimited messages. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static inline void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: error: ", program_invocation_short_name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

static inline void fill_sockaddr(struct sockaddr_un *sa, const char *path) {
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) die("socket path too long: %s", path);
    strcpy(sa->sun_path, path);
}

static inline int connect_unix(const char *path) {
    struct sockaddr_un sa;
    fill_sockaddr(&sa, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        die("connect %s: %s", path, strerror(errno));
    return fd;
}

static inline int listen_unix(const char *path) {
    struct sockaddr_un sa;
    fill_sockaddr(&sa, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind %s: %s", path, strerror(errno));
    if (listen(fd, 16) < 0) die("listen: %s", strerror(errno));
    return fd;
}

/* "tcp:PORT" names 127.0.0.1:PORT; anything else is a Unix socket path. */
static inline int tcp_port(const char *address) {
    if (strncmp(address, "tcp:", 4) != 0) return -1;
    char *end;
    long port = strtol(address + 4, &end, 10);
    if (*end || end == address + 4 || port < 1 || port > 65535) die("bad address: %s", address);
    return (int)port;
}

/* A TCP socket, and in *sa the address 127.0.0.1:PORT to connect or bind it to. */
static inline int tcp_socket(int port, struct sockaddr_in *sa) {
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa->sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    return fd;
}

/* Both ends of a TCP connection without Nagle's delay, as roomd's and the
 * responder's TLS sockets are. */
static inline void no_delay(int fd) {
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
        die("TCP_NODELAY: %s", strerror(errno));
}

static inline int connect_address(const char *address) {
    int port = tcp_port(address);
    if (port < 0) return connect_unix(address);
    struct sockaddr_in sa;
    int fd = tcp_socket(port, &sa);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect %s: %s", address, strerror(errno));
    no_delay(fd);
    return fd;
}

static inline int listen_address(const char *address) {
    int port = tcp_port(address);
    if (port < 0) return listen_unix(address);
    struct sockaddr_in sa;
    int fd = tcp_socket(port, &sa);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind %s: %s", address, strerror(errno));
    if (listen(fd, 16) < 0) die("listen: %s", strerror(errno));
    return fd;
}

/* Receive buffer splitting a byte stream into NUL-terminated messages. */
struct msgbuf {
    char *buf;
    size_t cap;
    size_t start; /* first byte of the next message */
    size_t scan;  /* bytes [start, scan) are known not to contain NUL */
    size_t end;   /* end of valid data */
};

static inline void msgbuf_init(struct msgbuf *mb, size_t cap) {
    mb->buf = malloc(cap);
    if (!mb->buf) die("out of memory");
    mb->cap = cap;
    mb->start = mb->scan = mb->end = 0;
}

/* Returns 1 and sets *msg and *len (len includes the NUL) when a message is
 * available, 0 on EOF at a message boundary. Dies on errors and on EOF in
 * the middle of a message. The message stays valid until the next call. */
static inline int msg_next(int fd, struct msgbuf *mb, char **msg, size_t *len) {
    for (;;) {
        if (mb->scan < mb->end) {
            char *z = memchr(mb->buf + mb->scan, 0, mb->end - mb->scan);
            if (z) {
                size_t e = (size_t)(z - mb->buf) + 1;
                *msg = mb->buf + mb->start;
                *len = e - mb->start;
                mb->start = mb->scan = e;
                return 1;
            }
            mb->scan = mb->end;
        }
        /* need more data: compact, grow if full */
        if (mb->start > 0) {
            memmove(mb->buf, mb->buf + mb->start, mb->end - mb->start);
            mb->end -= mb->start;
            mb->scan -= mb->start;
            mb->start = 0;
        }
        if (mb->end == mb->cap) {
            mb->cap *= 2;
            mb->buf = realloc(mb->buf, mb->cap);
            if (!mb->buf) die("out of memory");
        }
        ssize_t r = read(fd, mb->buf + mb->end, mb->cap - mb->end);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("read: %s", strerror(errno));
        }
        if (r == 0) {
            if (mb->end == mb->start) return 0;
            die("EOF in the middle of a message (%zu bytes pending)", mb->end - mb->start);
        }
        mb->end += (size_t)r;
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct latstats {
    double per_s, mean_us, p50_us, p99_us, min_us, max_us;
};

/* Sorts lat[] (ns). per_s = n / total_ns. */
static inline struct latstats lat_stats(uint64_t *lat, size_t n, uint64_t total_ns) {
    struct latstats s = {0};
    if (n == 0) return s;
    qsort(lat, n, sizeof *lat, cmp_u64);
    long double sum = 0;
    for (size_t i = 0; i < n; i++) sum += lat[i];
    size_t i99 = (size_t)((n * 99 + 99) / 100); /* ceil(0.99 n) */
    if (i99 == 0) i99 = 1;
    s.per_s = total_ns ? (double)n * 1e9 / (double)total_ns : 0;
    s.mean_us = (double)(sum / n) / 1000.0;
    s.p50_us = (double)lat[(n - 1) / 2] / 1000.0;
    s.p99_us = (double)lat[i99 - 1] / 1000.0;
    s.min_us = (double)lat[0] / 1000.0;
    s.max_us = (double)lat[n - 1] / 1000.0;
    return s;
}

#endif
