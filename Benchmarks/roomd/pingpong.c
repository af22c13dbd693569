/* pingpong: the reference for the roomd Kick benchmark.
 *
 * A raw socket ping-pong with the same message sizes as a varlink Kick
 * call and its reply, and nothing else: no JSON, no state. The server does
 * what any NUL-delimited protocol server must at least do (read, find the
 * NUL, write a reply), so roomd's Kick latency divided by this latency is
 * the overhead of everything roomd does on top of the bare IPC.
 *
 *   pingpong server SOCKET REPLY_BYTES
 *       Listens on SOCKET; for every NUL-terminated request read on a
 *       connection, writes REPLY_BYTES bytes (the last one NUL). Serves
 *       connections one after another, forever.
 *
 *   pingpong client SOCKET REQUEST_BYTES COUNT [WARMUP]
 *       One connection, blocking; strictly alternating: writes a request
 *       of REQUEST_BYTES bytes (last one NUL), reads until the reply's NUL.
 *       WARMUP (default 1000) untimed round trips, then COUNT timed ones.
 *       Prints round trips/s and mean/p50/p99 latency in microseconds.
 *
 * SOCKET is a Unix socket path, or tcp:PORT for 127.0.0.1:PORT (TCP_NODELAY
 * on both ends): Benchmarks/fcgi/transport.sh compares the two, the floor
 * under the responder's Unix-socket and TLS paths to roomd. The client also
 * prints its own CPU time (user + system) per round trip.
 *
 * Byte counts include the terminating NUL.
 */
#include "bench_common.h"

#include <signal.h>
#include <sys/resource.h>

static char *make_message(size_t n) {
    if (n < 3) die("message size must be >= 3 bytes (got %zu)", n);
    char *m = malloc(n);
    if (!m) die("out of memory");
    memset(m, 'x', n);
    m[0] = '{';
    m[n - 2] = '}';
    m[n - 1] = '\0';
    return m;
}

static _Noreturn void run_server(const char *path, size_t reply_bytes) {
    signal(SIGPIPE, SIG_IGN);
    char *reply = make_message(reply_bytes);
    int lfd = listen_address(path);
    fprintf(stderr, "pingpong server: listening on %s, reply %zu bytes\n", path, reply_bytes);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            die("accept: %s", strerror(errno));
        }
        if (tcp_port(path) >= 0) no_delay(fd);
        struct msgbuf mb;
        msgbuf_init(&mb, 65536);
        char *msg;
        size_t len;
        while (msg_next(fd, &mb, &msg, &len) == 1) {
            ssize_t left = (ssize_t)reply_bytes;
            const char *p = reply;
            while (left > 0) {
                ssize_t w = write(fd, p, (size_t)left);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    break; /* client went away */
                }
                p += w;
                left -= w;
            }
            if (left > 0) break;
        }
        free(mb.buf);
        close(fd);
    }
}

static int run_client(const char *path, size_t req_bytes, size_t count, size_t warmup) {
    char *req = make_message(req_bytes);
    uint64_t *lat = malloc(count * sizeof *lat);
    if (!lat) die("out of memory");
    int fd = connect_address(path);
    struct msgbuf mb;
    msgbuf_init(&mb, 65536);
    char *msg;
    size_t len, reply_bytes = 0;

    for (size_t i = 0; i < warmup; i++) {
        write_all(fd, req, req_bytes);
        if (msg_next(fd, &mb, &msg, &len) != 1) die("server closed the connection");
        reply_bytes = len;
    }
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < count; i++) {
        uint64_t a = now_ns();
        write_all(fd, req, req_bytes);
        if (msg_next(fd, &mb, &msg, &len) != 1) die("server closed the connection");
        lat[i] = now_ns() - a;
        reply_bytes = len;
    }
    uint64_t total = now_ns() - t0;
    getrusage(RUSAGE_SELF, &after);
    close(fd);
    double cpu_us = ((after.ru_utime.tv_sec - before.ru_utime.tv_sec) * 1e6 +
                     (after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
                     (after.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1e6 +
                     (after.ru_stime.tv_usec - before.ru_stime.tv_usec)) / (double)count;

    struct latstats s = lat_stats(lat, count, total);
    printf("pingpong: %zu round trips, request %zu B, reply %zu B: %.0f rt/s, "
           "latency mean %.2f us, p50 %.2f us, p99 %.2f us (min %.2f, max %.2f)\n",
           count, req_bytes, reply_bytes, s.per_s, s.mean_us, s.p50_us, s.p99_us, s.min_us,
           s.max_us);
    printf("RESULT pingpong count=%zu req_bytes=%zu reply_bytes=%zu per_s=%.0f mean_us=%.3f "
           "p50_us=%.3f p99_us=%.3f cpu_us=%.3f\n",
           count, req_bytes, reply_bytes, s.per_s, s.mean_us, s.p50_us, s.p99_us, cpu_us);
    return 0;
}

static size_t parse_size(const char *s, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) die("bad %s: %s", what, s);
    return (size_t)v;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "server") == 0)
        run_server(argv[2], parse_size(argv[3], "REPLY_BYTES"));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "client") == 0)
        return run_client(argv[2], parse_size(argv[3], "REQUEST_BYTES"),
                          parse_size(argv[4], "COUNT"),
                          argc == 6 ? parse_size(argv[5], "WARMUP") : 1000);
    fprintf(stderr,
            "usage: %s server SOCKET REPLY_BYTES\n"
            "       %s client SOCKET REQUEST_BYTES COUNT [WARMUP]\n",
            argv[0], argv[0]);
    return 2;
}
