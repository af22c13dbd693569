/* occload: fills a roomd room with occupants for the fcgi kick benchmark.
 *
 *   occload SOCKET ROOM FROM TO [WINDOW]
 *
 * Creates ROOM (RoomExists is fine), then joins nicks u<k> for k in
 * [FROM, TO) with jid u<k>@example.org/bench, pipelined: WINDOW Join calls
 * (default 2000) are written with one write(), then their replies are read.
 * Every reply is checked for a top-level "error"; the first few are
 * printed. Ends with one line
 *     RESULT occload joined=N errors=E secs=S per_s=R
 * and exit status 1 if there was any error.
 */
#include "../roomd/bench_common.h"

#include <signal.h>

#define CREATE_FMT "{\"method\":\"org.muckick.Rooms.CreateRoom\",\"parameters\":{\"room\":\"%s\"}}"
#define JOIN_FMT \
    "{\"method\":\"org.muckick.Rooms.Join\",\"parameters\":{\"room\":\"%s\",\"nick\":\"u%zu\",\"jid\":\"u%zu@example.org/bench\"}}"

static long n_errors;

static int is_error(const char *m) {
    /* replies are {"parameters":...} or {"error":...,...}: the first key says */
    return strncmp(m, "{\"error\"", 8) == 0;
}

static void note_error(const char *what, const char *m, size_t n) {
    if (++n_errors <= 5)
        fprintf(stderr, "occload: error reply to %s: %.*s\n", what, (int)(n > 300 ? 300 : n - 1), m);
}

static size_t parse_size(const char *s, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) die("bad %s: %s", what, s);
    return (size_t)v;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: occload SOCKET ROOM FROM TO [WINDOW]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *path = argv[1], *room = argv[2];
    size_t from = parse_size(argv[3], "FROM"), to = parse_size(argv[4], "TO");
    size_t window = argc == 6 ? parse_size(argv[5], "WINDOW") : 2000;
    if (window == 0) window = 1;

    int fd = connect_unix(path);
    int sz = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    struct msgbuf mb;
    msgbuf_init(&mb, 1 << 20);
    char *msg;
    size_t len;

    char call[1024];
    int n = snprintf(call, sizeof call, CREATE_FMT, room);
    write_all(fd, call, (size_t)n + 1);
    if (msg_next(fd, &mb, &msg, &len) != 1) die("roomd closed the connection (CreateRoom)");
    if (is_error(msg) && !strstr(msg, "org.muckick.Rooms.RoomExists")) note_error("CreateRoom", msg, len);

    size_t cap = window * 256, joined = 0;
    char *buf = malloc(cap);
    if (!buf) die("out of memory");
    uint64_t t0 = now_ns();
    for (size_t k0 = from; k0 < to; k0 += window) {
        size_t k1 = k0 + window < to ? k0 + window : to, off = 0;
        for (size_t k = k0; k < k1; k++) {
            int m = snprintf(buf + off, cap - off, JOIN_FMT, room, k, k);
            if (m < 0 || (size_t)m + 1 > cap - off) die("window buffer too small");
            off += (size_t)m + 1;
        }
        write_all(fd, buf, off);
        for (size_t k = k0; k < k1; k++) {
            if (msg_next(fd, &mb, &msg, &len) != 1) die("roomd closed the connection (Join)");
            if (is_error(msg)) note_error("Join", msg, len);
            else joined++;
        }
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    close(fd);
    printf("RESULT occload joined=%zu errors=%ld secs=%.3f per_s=%.0f\n", joined, n_errors, secs,
           secs > 0 ? (double)joined / secs : 0);
    return n_errors ? 1 : 0;
}
