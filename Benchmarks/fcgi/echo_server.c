/* echo_server: a stand-in for roomd in the fcgi benchmark's reference.
 *
 *   echo_server --listen PATH [--reply-bytes N]
 *
 * Listens on a Unix stream socket (chmod 0666), one thread per connection.
 * For every NUL-terminated message received it writes one fixed reply of
 * N bytes (default 200, NUL included): a varlink Kick reply exactly as roomd
 * shapes it (so muc-kick-fcgi accepts it too), padded with JSON whitespace.
 * Pipelined messages get their replies in order, batched into one write()
 * per read(). Knows nothing of JSON. SIGTERM/SIGINT remove the socket file
 * and exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char *g_reply;
static size_t g_reply_len;
static const char *g_path;

static void on_term(int sig) {
    (void)sig;
    if (g_path) unlink(g_path);
    _exit(0);
}

static void die(const char *msg) {
    fprintf(stderr, "echo_server: error: %s: %s\n", msg, strerror(errno));
    exit(1);
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

static void *conn_main(void *arg) {
    int fd = (int)(long)arg;
    char in[16384];
    size_t out_cap = g_reply_len * 64;
    char *out = malloc(out_cap);
    if (!out) goto done;
    for (;;) {
        ssize_t r = read(fd, in, sizeof in);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        size_t nmsg = 0;
        for (ssize_t i = 0; i < r; i++) nmsg += in[i] == 0;
        size_t need = nmsg * g_reply_len, o = 0;
        if (need > out_cap) {
            char *p = realloc(out, need);
            if (!p) break;
            out = p;
            out_cap = need;
        }
        for (size_t m = 0; m < nmsg; m++, o += g_reply_len) memcpy(out + o, g_reply, g_reply_len);
        if (o && write_all(fd, out, o) < 0) break;
    }
done:
    free(out);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    size_t reply_bytes = 200;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--listen") && i + 1 < argc) g_path = argv[++i];
        else if (!strcmp(argv[i], "--reply-bytes") && i + 1 < argc) reply_bytes = (size_t)atol(argv[++i]);
        else {
            fprintf(stderr, "usage: echo_server --listen PATH [--reply-bytes N]\n");
            return 2;
        }
    }
    if (!g_path) {
        fprintf(stderr, "usage: echo_server --listen PATH [--reply-bytes N]\n");
        return 2;
    }

    /* A Kick reply as roomd sends it (161 bytes with this nickname), so that
     * muc-kick-fcgi too can be run against this server: spaces (valid JSON
     * whitespace) before the closing brace pad it to N bytes. */
    static const char base[] =
        "{\"parameters\":{\"kicked\":[{\"affiliation\":\"none\",\"jids\":[\"u1234567@example.org/bench\"],"
        "\"nick\":\"u1234567\",\"role\":\"participant\",\"room\":\"kickroom@chat.example.org\"}]}";
    size_t blen = sizeof base - 1; /* without the final '}' */
    g_reply_len = reply_bytes < blen + 2 ? blen + 2 : reply_bytes;
    g_reply = malloc(g_reply_len);
    if (!g_reply) die("malloc");
    memcpy(g_reply, base, blen);
    memset(g_reply + blen, ' ', g_reply_len - blen - 2);
    g_reply[g_reply_len - 2] = '}';
    g_reply[g_reply_len - 1] = 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(g_path) >= sizeof addr.sun_path) {
        fprintf(stderr, "echo_server: socket path too long\n");
        return 1;
    }
    strcpy(addr.sun_path, g_path);
    unlink(g_path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (chmod(g_path, 0666) < 0) die("chmod");
    if (listen(lfd, 512) < 0) die("listen");
    fprintf(stderr, "echo_server: pid %d, listening on %s, %zu-byte replies\n", getpid(), g_path,
            g_reply_len);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept");
        }
        pthread_t t;
        if (pthread_create(&t, &attr, conn_main, (void *)(long)fd) != 0) close(fd);
    }
}
