/* ref_responder: the reference FastCGI responder of the fcgi benchmark.
 *
 * A minimal C responder on libfcgi: the floor against which muc-kick-fcgi
 * is judged. N threads each loop on FCGX_Accept_r on one shared listening
 * socket, with no mutex around the accept (Debian's libfcgi lets threads
 * accept concurrently; a mutex measured slower here).
 *
 *   ref_responder --listen PATH [--threads N] [--mode direct|echo|dump]
 *                 [--auth VALUE] [--echo-socket PATH] [--backlog N]
 *
 * Every mode reads the whole request body (up to CONTENT_LENGTH) first, as
 * a real responder must, then:
 *
 *   direct  answers at once: with a wrong or missing Authorization
 *           (HTTP_AUTHORIZATION != --auth) `Status: 401` and
 *           {"error":"Authorization failed"}; with the right one 200 and {}.
 *   echo    Authorization as in direct (401 answered at once); with the
 *           right one, one blocking round trip over this thread's persistent
 *           Unix-socket connection to --echo-socket (a ~120-byte
 *           NUL-terminated varlink-like call, then read until the NUL of the
 *           reply), then 200 and {}. A broken connection is reopened once;
 *           if that fails too the answer is 502 {"error":"echo server"}.
 *   dump    answers 200 with the FastCGI parameters and the body as JSON-ish
 *           text (for checking the nginx configuration, not for benchmarks).
 *
 * The listening socket is bound here (any old file at PATH is removed) and
 * chmod 0666. SIGTERM/SIGINT remove the socket file and exit at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum mode { MODE_DIRECT, MODE_ECHO, MODE_DUMP };

static enum mode g_mode = MODE_DIRECT;
static const char *g_auth = "secret";
static const char *g_echo_path;
static const char *g_listen_path;
static int g_listen_fd = -1;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ref_responder: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void on_term(int sig) {
    (void)sig;
    if (g_listen_path) unlink(g_listen_path);
    _exit(0);
}

static int unix_addr(struct sockaddr_un *sa, const char *path) {
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) return -1;
    strcpy(sa->sun_path, path);
    return 0;
}

static int listen_on(const char *path, int backlog) {
    struct sockaddr_un sa;
    if (unix_addr(&sa, path) < 0) die("socket path too long: %s", path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind %s: %s", path, strerror(errno));
    if (chmod(path, 0666) < 0) die("chmod %s: %s", path, strerror(errno));
    if (listen(fd, backlog) < 0) die("listen: %s", strerror(errno));
    return fd;
}

static int connect_echo(void) {
    struct sockaddr_un sa;
    if (unix_addr(&sa, g_echo_path) < 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Per-thread state: the echo connection and its receive buffer. One reply
 * is outstanding at a time, so anything after its NUL is a protocol error. */
struct worker {
    int id;
    int echo_fd;
    char rbuf[4096];
};

/* One round trip: send msg (NUL included), read until a NUL. 0 on success. */
static int echo_once(struct worker *w, const char *msg, size_t len) {
    if (w->echo_fd < 0) return -1;
    if (write_all(w->echo_fd, msg, len) < 0) return -1;
    size_t have = 0;
    for (;;) {
        ssize_t r = read(w->echo_fd, w->rbuf + have, sizeof w->rbuf - have);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        if (memchr(w->rbuf + have, 0, (size_t)r)) return 0;
        have += (size_t)r;
        if (have == sizeof w->rbuf) have = 0; /* long reply: keep scanning */
    }
}

static int echo_round_trip(struct worker *w, const char *msg, size_t len) {
    if (echo_once(w, msg, len) == 0) return 0;
    if (w->echo_fd >= 0) close(w->echo_fd);
    w->echo_fd = connect_echo();
    if (echo_once(w, msg, len) == 0) return 0;
    if (w->echo_fd >= 0) close(w->echo_fd);
    w->echo_fd = -1;
    return -1;
}

static void put(FCGX_Request *req, const char *s) {
    FCGX_PutStr(s, (int)strlen(s), req->out);
}

static void respond(FCGX_Request *req, int status, const char *body) {
    char head[256];
    int blen = (int)strlen(body);
    const char *reason = status == 200 ? "OK" : status == 401 ? "Unauthorized" : "Bad Gateway";
    int n = snprintf(head, sizeof head,
                     "Status: %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
                     status, reason, blen);
    FCGX_PutStr(head, n, req->out);
    FCGX_PutStr(body, blen, req->out);
}

/* JSON-escapes s into out (truncating); out must hold at least 8 bytes. */
static void json_escape(char *out, size_t cap, const char *s, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 7 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = 0;
}

static void dump(FCGX_Request *req, const char *body, size_t blen) {
    char esc[8192];
    put(req, "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{\"params\":{");
    for (char **e = req->envp; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        if (e != req->envp) put(req, ",");
        put(req, "\"");
        json_escape(esc, sizeof esc, *e, (size_t)(eq - *e));
        put(req, esc);
        put(req, "\":\"");
        json_escape(esc, sizeof esc, eq + 1, strlen(eq + 1));
        put(req, esc);
        put(req, "\"");
    }
    put(req, "},\"body\":\"");
    json_escape(esc, sizeof esc, body, blen);
    put(req, esc);
    put(req, "\"}\n");
}

/* ~120 bytes, the size of a Kick call for a short nickname and room. */
static const char ECHO_CALL[] =
    "{\"method\":\"org.muckick.Rooms.Kick\",\"parameters\":"
    "{\"room\":\"room@chat.example.org\",\"nick\":\"u1234567\",\"reason\":\"bench\"}}";

static void *worker_main(void *arg) {
    struct worker *w = arg;
    FCGX_Request *req = calloc(1, sizeof *req);
    if (!req) die("out of memory");
    if (FCGX_InitRequest(req, g_listen_fd, 0) != 0) die("FCGX_InitRequest failed");
    char body[65536 + 1];
    for (;;) {
        int rc = FCGX_Accept_r(req);
        if (rc < 0) {
            if (rc == -EINTR || errno == EINTR) continue;
            fprintf(stderr, "ref_responder: thread %d: FCGX_Accept_r returned %d\n", w->id, rc);
            usleep(10000);
            continue;
        }
        /* read the whole body (at most 64 KiB are kept; the rest is drained) */
        size_t blen = 0;
        for (;;) {
            char *dst = body + blen;
            int room = (int)(sizeof body - 1 - blen);
            char sink[4096];
            if (room == 0) {
                dst = sink;
                room = sizeof sink;
            }
            int n = FCGX_GetStr(dst, room, req->in);
            if (n <= 0) break;
            if (dst != sink) blen += (size_t)n;
        }
        body[blen] = 0;

        if (g_mode == MODE_DUMP) {
            dump(req, body, blen);
        } else {
            const char *auth = FCGX_GetParam("HTTP_AUTHORIZATION", req->envp);
            if (!auth || strcmp(auth, g_auth) != 0) {
                respond(req, 401, "{\"error\":\"Authorization failed\"}");
            } else if (g_mode == MODE_DIRECT) {
                respond(req, 200, "{}");
            } else if (echo_round_trip(w, ECHO_CALL, sizeof ECHO_CALL) == 0) {
                respond(req, 200, "{}");
            } else {
                respond(req, 502, "{\"error\":\"echo server\"}");
            }
        }
        FCGX_Finish_r(req);
    }
    return NULL;
}

static void usage(void) {
    fprintf(stderr,
            "usage: ref_responder --listen PATH [--threads N] [--mode direct|echo|dump]\n"
            "                     [--auth VALUE] [--echo-socket PATH] [--backlog N]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int threads = 2, backlog = 1024;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--listen") && v) g_listen_path = v, i++;
        else if (!strcmp(a, "--threads") && v) threads = atoi(v), i++;
        else if (!strcmp(a, "--backlog") && v) backlog = atoi(v), i++;
        else if (!strcmp(a, "--auth") && v) g_auth = v, i++;
        else if (!strcmp(a, "--echo-socket") && v) g_echo_path = v, i++;
        else if (!strcmp(a, "--mode") && v) {
            if (!strcmp(v, "direct")) g_mode = MODE_DIRECT;
            else if (!strcmp(v, "echo")) g_mode = MODE_ECHO;
            else if (!strcmp(v, "dump")) g_mode = MODE_DUMP;
            else usage();
            i++;
        } else usage();
    }
    if (!g_listen_path || threads < 1 || backlog < 1) usage();
    if (g_mode == MODE_ECHO && !g_echo_path) die("--mode echo needs --echo-socket PATH");

    if (FCGX_Init() != 0) die("FCGX_Init failed");
    /* after FCGX_Init, which installs its own SIGTERM handler (a flag only) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    g_listen_fd = listen_on(g_listen_path, backlog);

    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    if (!tids || !ws) die("out of memory");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < threads; i++) {
        ws[i].id = i;
        ws[i].echo_fd = g_mode == MODE_ECHO ? connect_echo() : -1;
        if (g_mode == MODE_ECHO && ws[i].echo_fd < 0)
            die("cannot connect to the echo server at %s: %s", g_echo_path, strerror(errno));
        int rc = pthread_create(&tids[i], &attr, worker_main, &ws[i]);
        if (rc) die("pthread_create: %s", strerror(rc));
    }
    fprintf(stderr, "ref_responder: pid %d, %d threads, mode %s, listening on %s\n", getpid(),
            threads, g_mode == MODE_DIRECT ? "direct" : g_mode == MODE_ECHO ? "echo" : "dump",
            g_listen_path);
    for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
    return 0;
}
