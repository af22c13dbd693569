/* kickbench: a varlink client for roomd that measures Kick and memory.
 *
 *   kickbench [options] unpipelined SOCKET
 *       Creates room ROOM (default kicku@chat.example.org; RoomExists is
 *       accepted), then WARMUP untimed Join+Kick pairs, then K times: Join
 *       (nick u<i>, i zero-padded so that every call has the same size),
 *       wait for the reply, then send Kick and wait for its reply; only the
 *       Kick round trip is timed. Prints kicks/s (over the summed kick time),
 *       mean/p50/p99 kick latency in microseconds, and the exact byte sizes
 *       of the Kick call and of its reply (NUL included).
 *
 *   kickbench [options] pipelined SOCKET
 *       Creates room ROOM (default kickp@chat.example.org), then writes
 *       windows of W (Join, Kick) pairs, each window in one write(), keeping
 *       D windows in flight (the oldest window's 2W replies are read before
 *       the next window is written); until K kicks. Prints kicks/s over the
 *       wall time (joins included).
 *
 *   kickbench [options] load SOCKET
 *       Creates R rooms bench<i>@SERVICE (i = 1..R) with O occupants each
 *       (nick occupant<j>, jid user<i>_<j>@example.org/phone, j = 1..O),
 *       pipelined in windows of WR rooms (each window = WR CreateRoom and
 *       WR*O Join calls, in one write()). Prints the time taken, then checks
 *       the first and last room with GetRoom.
 *
 * Options:
 *   -k K        kicks (unpipelined default 20000, pipelined default 200000)
 *   -w WARMUP   unpipelined warm-up pairs (default 1000)
 *   -W W        pipelined window in (Join, Kick) pairs (default 256)
 *   -D D        pipelined: windows in flight (default 2): the next window is
 *               written before the replies of the previous one are read
 *   -R R        load: rooms (default 100000)
 *   -O O        load: occupants per room (default 10)
 *   -L WR       load: rooms per window (default 100)
 *   -r ROOM     room for unpipelined/pipelined
 *   -s SERVICE  MUC service (default chat.example.org)
 *   -q          quiet: no sample messages
 *
 * Every reply is checked: a reply with a top-level "error" key is counted as
 * an error (the first few are printed); the exit status is 1 if there was
 * any error. Each mode ends with one machine-readable "RESULT ..." line.
 */
#include "bench_common.h"

#include <getopt.h>
#include <signal.h>

static long n_errors;
static int quiet;

/* Does the JSON object in m[0..n) have `key` as a top-level key? */
static int has_top_level_key(const char *m, size_t n, const char *key) {
    size_t klen = strlen(key);
    int depth = 0, expect_key = 0;
    for (size_t i = 0; i < n; i++) {
        char c = m[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && m[j] != '"') {
                if (m[j] == '\\') j++;
                j++;
            }
            if (depth == 1 && expect_key && j - i - 1 == klen && memcmp(m + i + 1, key, klen) == 0)
                return 1;
            expect_key = 0;
            i = j;
        } else if (c == '{') {
            depth++;
            expect_key = depth == 1;
        } else if (c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = 1;
        }
    }
    return 0;
}

static int is_error(const char *m, size_t n) {
    return has_top_level_key(m, n, "error");
}

static void note_error(const char *what, const char *m, size_t n) {
    n_errors++;
    if (n_errors <= 5) {
        int shown = n > 0 ? (int)(n - 1) : 0; /* without the NUL */
        if (shown > 400) shown = 400;
        fprintf(stderr, "kickbench: error reply to %s: %.*s%s\n", what, shown, m,
                (size_t)shown + 1 < n ? "..." : "");
    } else if (n_errors == 6) {
        fprintf(stderr, "kickbench: (further errors not shown)\n");
    }
}

/* Reads one reply, dies on EOF; checks it for an error (returns 1 if OK). */
static int read_reply(int fd, struct msgbuf *mb, const char *what, char **msg, size_t *len) {
    if (msg_next(fd, mb, msg, len) != 1) die("roomd closed the connection (waiting for %s reply)", what);
    if (is_error(*msg, *len)) {
        note_error(what, *msg, *len);
        return 0;
    }
    return 1;
}

/* Appends a formatted string plus its NUL terminator to buf; returns the new
 * length. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static size_t sb_addf(struct sbuf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) die("vsnprintf");
        if ((size_t)n + 1 <= b->cap - b->len) { /* +1: the NUL stays as terminator */
            size_t start = b->len;
            b->len += (size_t)n + 1;
            return b->len - start;
        }
        b->cap = b->cap * 2 + (size_t)n + 1;
        b->p = realloc(b->p, b->cap);
        if (!b->p) die("out of memory");
    }
}

static void sb_init(struct sbuf *b, size_t cap) {
    b->p = malloc(cap);
    if (!b->p) die("out of memory");
    b->len = 0;
    b->cap = cap;
}

#define JOIN_FMT "{\"method\":\"org.muckick.Rooms.Join\",\"parameters\":{\"room\":\"%s\",\"nick\":\"%s\",\"jid\":\"%s\"}}"
#define KICK_FMT "{\"method\":\"org.muckick.Rooms.Kick\",\"parameters\":{\"room\":\"%s\",\"nick\":\"%s\",\"reason\":\"bench\"}}"
#define CREATE_FMT "{\"method\":\"org.muckick.Rooms.CreateRoom\",\"parameters\":{\"room\":\"%s\"}}"
#define GETROOM_FMT "{\"method\":\"org.muckick.Rooms.GetRoom\",\"parameters\":{\"room\":\"%s\"}}"

static int open_conn(const char *path) {
    int fd = connect_unix(path);
    /* A whole window is written before any reply is read: make sure it fits
     * in the socket's send buffer so that write() never waits for roomd. */
    int sz = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    return fd;
}

static size_t sndbuf_of(int fd) {
    int v = 0;
    socklen_t l = sizeof v;
    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l);
    return (size_t)v;
}

static void create_room(int fd, struct msgbuf *mb, const char *room) {
    char req[512];
    int n = snprintf(req, sizeof req, CREATE_FMT, room);
    write_all(fd, req, (size_t)n + 1);
    char *msg;
    size_t len;
    if (msg_next(fd, mb, &msg, &len) != 1) die("roomd closed the connection (CreateRoom)");
    if (is_error(msg, len)) {
        if (strstr(msg, "org.muckick.Rooms.RoomExists")) {
            fprintf(stderr, "kickbench: room %s already exists, using it\n", room);
            return;
        }
        note_error("CreateRoom", msg, len);
        die("cannot create room %s", room);
    }
}

static void show(const char *label, const char *m, size_t n) {
    if (!quiet) printf("  %s (%zu B incl. NUL): %.*s\n", label, n, (int)(n ? n - 1 : 0), m);
}

static int run_unpipelined(const char *path, const char *room, size_t k, size_t warmup) {
    int fd = open_conn(path);
    struct msgbuf mb;
    msgbuf_init(&mb, 65536);
    create_room(fd, &mb, room);

    uint64_t *lat = malloc(k * sizeof *lat), *jlat = malloc(k * sizeof *jlat);
    if (!lat || !jlat) die("out of memory");
    char join[512], kick[512], nick[32], jid[96];
    char *msg;
    size_t len;
    size_t kick_req = 0, rep_min = SIZE_MAX, rep_max = 0, rep_sum = 0;
    uint64_t ktotal = 0, jtotal = 0;

    for (size_t pass = 0; pass < 2; pass++) {
        size_t n = pass == 0 ? warmup : k;
        for (size_t i = 1; i <= n; i++) {
            snprintf(nick, sizeof nick, "%c%07zu", pass == 0 ? 'w' : 'u', i);
            snprintf(jid, sizeof jid, "%s@example.org/res", nick);
            int jn = snprintf(join, sizeof join, JOIN_FMT, room, nick, jid);
            int kn = snprintf(kick, sizeof kick, KICK_FMT, room, nick);

            uint64_t a = now_ns();
            write_all(fd, join, (size_t)jn + 1);
            if (msg_next(fd, &mb, &msg, &len) != 1) die("roomd closed the connection (Join)");
            uint64_t b = now_ns();
            if (is_error(msg, len)) note_error("Join", msg, len);
            if (pass == 1 && i == 1) {
                show("Join call ", join, (size_t)jn + 1);
                show("Join reply", msg, len);
            }

            uint64_t c = now_ns();
            write_all(fd, kick, (size_t)kn + 1);
            if (msg_next(fd, &mb, &msg, &len) != 1) die("roomd closed the connection (Kick)");
            uint64_t d = now_ns();
            if (is_error(msg, len)) note_error("Kick", msg, len);
            if (pass == 1) {
                lat[i - 1] = d - c;
                jlat[i - 1] = b - a;
                ktotal += d - c;
                jtotal += b - a;
                kick_req = (size_t)kn + 1;
                if (len < rep_min) rep_min = len;
                if (len > rep_max) rep_max = len;
                rep_sum += len;
                if (i == 1) {
                    show("Kick call ", kick, (size_t)kn + 1);
                    show("Kick reply", msg, len);
                }
            }
        }
    }
    close(fd);

    struct latstats s = lat_stats(lat, k, ktotal);
    struct latstats j = lat_stats(jlat, k, jtotal);
    size_t rep_mean = k ? (rep_sum + k / 2) / k : 0;
    printf("unpipelined: %zu kicks (after %zu warm-up): %.0f kicks/s (kick time only), "
           "kick latency mean %.2f us, p50 %.2f us, p99 %.2f us (min %.2f, max %.2f)\n",
           k, warmup, s.per_s, s.mean_us, s.p50_us, s.p99_us, s.min_us, s.max_us);
    printf("unpipelined: join latency mean %.2f us, p50 %.2f us, p99 %.2f us\n", j.mean_us,
           j.p50_us, j.p99_us);
    printf("unpipelined: Kick call %zu B, Kick reply %zu B (min %zu, max %zu), NUL included\n",
           kick_req, rep_mean, rep_min, rep_max);
    printf("RESULT unpipelined count=%zu kick_req_bytes=%zu kick_reply_bytes=%zu "
           "kick_reply_min=%zu kick_reply_max=%zu per_s=%.0f mean_us=%.3f p50_us=%.3f "
           "p99_us=%.3f join_mean_us=%.3f errors=%ld\n",
           k, kick_req, rep_mean, rep_min, rep_max, s.per_s, s.mean_us, s.p50_us, s.p99_us,
           j.mean_us, n_errors);
    return n_errors ? 1 : 0;
}

static int run_pipelined(const char *path, const char *room, size_t k, size_t w, size_t depth) {
    int fd = open_conn(path);
    struct msgbuf mb;
    msgbuf_init(&mb, 1 << 20);
    create_room(fd, &mb, room);

    struct sbuf b;
    sb_init(&b, 1 << 16);
    char nick[32], jid[96], *msg;
    size_t len, sent = 0, done = 0, max_window_bytes = 0;
    size_t sndbuf = sndbuf_of(fd);
    uint64_t t0 = now_ns();
    while (done < k) {
        /* Keep `depth` windows in flight: roomd works on the next window while this client reads the
         * replies of the previous one, as a pipelining client would. */
        while (sent < k && sent - done < depth * w) {
            size_t n = k - sent < w ? k - sent : w;
            b.len = 0;
            for (size_t i = sent + 1; i <= sent + n; i++) {
                snprintf(nick, sizeof nick, "p%07zu", i);
                snprintf(jid, sizeof jid, "%s@example.org/res", nick);
                sb_addf(&b, JOIN_FMT, room, nick, jid);
                sb_addf(&b, KICK_FMT, room, nick);
            }
            if (b.len > max_window_bytes) max_window_bytes = b.len;
            write_all(fd, b.p, b.len);
            sent += n;
        }
        size_t n = k - done < w ? k - done : w;
        for (size_t i = 0; i < n; i++) {
            read_reply(fd, &mb, "Join", &msg, &len);
            read_reply(fd, &mb, "Kick", &msg, &len);
        }
        done += n;
    }
    uint64_t wall = now_ns() - t0;
    close(fd);
    if (max_window_bytes > sndbuf / 2)
        fprintf(stderr, "kickbench: note: window of %zu B is large for SO_SNDBUF %zu B\n",
                max_window_bytes, sndbuf);

    double secs = (double)wall / 1e9;
    printf("pipelined: %zu kicks (+%zu joins) in windows of %zu pairs (%zu B per write), %zu windows in flight: "
           "%.3f s, %.0f kicks/s, %.0f calls/s\n",
           k, k, w, max_window_bytes, depth, secs, (double)k / secs, 2.0 * (double)k / secs);
    printf("RESULT pipelined count=%zu window=%zu depth=%zu secs=%.4f per_s=%.0f calls_per_s=%.0f errors=%ld\n",
           k, w, depth, secs, (double)k / secs, 2.0 * (double)k / secs, n_errors);
    return n_errors ? 1 : 0;
}

static int run_load(const char *path, const char *service, size_t rooms, size_t occ,
                    size_t rooms_per_window) {
    int fd = open_conn(path);
    struct msgbuf mb;
    msgbuf_init(&mb, 1 << 20);
    struct sbuf b;
    sb_init(&b, 1 << 18);
    char room[256], nick[64], jid[128], *msg;
    size_t len, max_window_bytes = 0, calls = 0;
    size_t sndbuf = sndbuf_of(fd);

    uint64_t t0 = now_ns();
    for (size_t r0 = 1; r0 <= rooms; r0 += rooms_per_window) {
        size_t r1 = r0 + rooms_per_window - 1;
        if (r1 > rooms) r1 = rooms;
        b.len = 0;
        for (size_t i = r0; i <= r1; i++) {
            snprintf(room, sizeof room, "bench%zu@%s", i, service);
            sb_addf(&b, CREATE_FMT, room);
            for (size_t j = 1; j <= occ; j++) {
                snprintf(nick, sizeof nick, "occupant%zu", j);
                snprintf(jid, sizeof jid, "user%zu_%zu@example.org/phone", i, j);
                sb_addf(&b, JOIN_FMT, room, nick, jid);
            }
        }
        if (b.len > max_window_bytes) max_window_bytes = b.len;
        write_all(fd, b.p, b.len);
        for (size_t i = r0; i <= r1; i++) {
            read_reply(fd, &mb, "CreateRoom", &msg, &len);
            for (size_t j = 1; j <= occ; j++) read_reply(fd, &mb, "Join", &msg, &len);
            calls += 1 + occ;
        }
    }
    uint64_t wall = now_ns() - t0;
    if (max_window_bytes > sndbuf / 2)
        fprintf(stderr, "kickbench: note: window of %zu B is large for SO_SNDBUF %zu B\n",
                max_window_bytes, sndbuf);

    /* spot check: first and last room hold all their occupants */
    size_t checks[2] = {1, rooms};
    for (int c = 0; c < 2 && rooms > 0; c++) {
        char req[512], want[64];
        snprintf(room, sizeof room, "bench%zu@%s", checks[c], service);
        int n = snprintf(req, sizeof req, GETROOM_FMT, room);
        write_all(fd, req, (size_t)n + 1);
        if (read_reply(fd, &mb, "GetRoom", &msg, &len)) {
            for (size_t j = 1; j <= occ; j++) {
                snprintf(want, sizeof want, "\"occupant%zu\"", j);
                if (!strstr(msg, want)) {
                    fprintf(stderr, "kickbench: GetRoom %s lacks %s: %.*s\n", room, want,
                            (int)(len > 400 ? 400 : len - 1), msg);
                    n_errors++;
                    break;
                }
            }
            if (c == 0 && !quiet) show("GetRoom reply", msg, len > 300 ? 300 : len);
        }
    }
    close(fd);

    double secs = (double)wall / 1e9;
    printf("load: %zu rooms x %zu occupants = %zu occupants, %zu calls in windows of %zu rooms "
           "(%zu B per write): %.3f s, %.0f calls/s\n",
           rooms, occ, rooms * occ, calls, rooms_per_window, max_window_bytes, secs,
           (double)calls / secs);
    printf("RESULT load rooms=%zu occupants_per_room=%zu occupants=%zu calls=%zu secs=%.4f "
           "calls_per_s=%.0f errors=%ld\n",
           rooms, occ, rooms * occ, calls, secs, (double)calls / secs, n_errors);
    return n_errors ? 1 : 0;
}

static size_t parse_size(const char *s, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) die("bad %s: %s", what, s);
    return (size_t)v;
}

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [-k K] [-w WARMUP] [-W PAIRS] [-R ROOMS] [-O OCC] [-L ROOMS_PER_WINDOW]\n"
            "          [-r ROOM] [-s SERVICE] [-q] unpipelined|pipelined|load SOCKET\n",
            argv0);
    exit(2);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    size_t k = 0, warmup = 1000, w = 256, depth = 2, rooms = 100000, occ = 10, rpw = 100;
    const char *room = NULL, *service = "chat.example.org";
    int opt;
    while ((opt = getopt(argc, argv, "k:w:W:D:R:O:L:r:s:q")) != -1) {
        switch (opt) {
        case 'k': k = parse_size(optarg, "-k"); break;
        case 'w': warmup = parse_size(optarg, "-w"); break;
        case 'W': w = parse_size(optarg, "-W"); break;
        case 'D':
            depth = parse_size(optarg, "-D");
            if (depth == 0) usage(argv[0]);
            break;
        case 'R': rooms = parse_size(optarg, "-R"); break;
        case 'O': occ = parse_size(optarg, "-O"); break;
        case 'L': rpw = parse_size(optarg, "-L"); break;
        case 'r': room = optarg; break;
        case 's': service = optarg; break;
        case 'q': quiet = 1; break;
        default: usage(argv[0]);
        }
    }
    if (argc - optind != 2) usage(argv[0]);
    const char *mode = argv[optind], *path = argv[optind + 1];
    char defroom[256];
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (strcmp(mode, "unpipelined") == 0) {
        if (!room) snprintf(defroom, sizeof defroom, "kicku@%s", service), room = defroom;
        if (k == 0) k = 20000;
        return run_unpipelined(path, room, k, warmup);
    }
    if (strcmp(mode, "pipelined") == 0) {
        if (!room) snprintf(defroom, sizeof defroom, "kickp@%s", service), room = defroom;
        if (k == 0) k = 200000;
        if (w == 0) die("-W must be > 0");
        return run_pipelined(path, room, k, w, depth);
    }
    if (strcmp(mode, "load") == 0) {
        if (rpw == 0) die("-L must be > 0");
        return run_load(path, service, rooms, occ, rpw);
    }
    usage(argv[0]);
}
