#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// OpenSSL's macros over SSL_ctrl / SSL_CTX_ctrl, which Swift does not import.
static inline int muckick_ssl_ctx_set_min_tls12(SSL_CTX *context) {
    return SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

static inline int muckick_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

// roomd's varlink frames end with a NUL byte: a connection cut short is seen as an incomplete frame, so an
// end without close_notify is an ordinary close (SSL_ERROR_ZERO_RETURN), not an error.
// No TLS 1.2 renegotiation either: roomd never asks for it, and it would be one more way for a read or a
// write to wait. Read-ahead: a reply's record in one read(2), not its header and then its body.
static inline void muckick_ssl_ctx_set_client_options(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_read_ahead(context, 1);
}
