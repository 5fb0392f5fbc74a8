/*
 * Client connections on one epoll loop: non-blocking connect (optionally from one of several
 * 127.0.0.x source addresses), the opening handshake with the Sec-WebSocket-Accept check,
 * masked frame writing (RFC 6455 section 5.3: a fresh random key per frame) and an
 * incremental reader for server frames that streams payload bytes to the mode.
 */
#ifndef LG_WS_CLIENT_H
#define LG_WS_CLIENT_H
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* C_TLS: TCP connected, TLS handshake in progress (only with --tls).
   C_SIO_CONNECT: the WebSocket is open, the Socket.IO connect is not acknowledged yet (a
   connection in that state still counts as pending, and the mode does not see it). */
typedef enum { C_FREE = 0, C_CONNECTING, C_TLS, C_HANDSHAKE, C_SIO_CONNECT, C_OPEN, C_CLOSED } conn_state_t;

typedef struct lg_loop lg_loop_t;
typedef struct conn conn_t;

typedef struct {
  void (*on_open)(conn_t *c);                                              /* handshake verified */
  void (*on_data)(conn_t *c, const uint8_t *p, size_t n, uint64_t offset); /* message payload bytes */
  void (*on_message)(conn_t *c, uint64_t len, int opcode, int rsv1);       /* message complete */
  void (*on_fail)(conn_t *c);                                              /* closed by error/server */
} conn_handlers_t;

struct conn {
  lg_loop_t *loop;
  int fd;
  uint32_t id;
  conn_state_t state;
  uint8_t want_out, dirty;
  void *ssl; /* TLS session, or NULL for plain TCP */
  const char *path;
  char key[25];
  double started;
  /* pending output */
  uint8_t *out;
  size_t out_off, out_len, out_cap;
  /* handshake response head (freed once open) */
  char *head;
  size_t head_len;
  /* frame reader */
  uint8_t hdr[14], hdr_have, in_frame, f_opcode, f_fin, f_rsv1;
  uint64_t frame_left;
  uint8_t msg_opcode, msg_rsv1;
  uint64_t msg_len;
  uint8_t ctrl[125];
  uint8_t ctrl_len;
  /* Socket.IO: the first bytes of the current message, which say whose it is */
  uint8_t sio_peek[2], sio_npeek, sio_kind;
  /* Primus: a control message ("primus::ping::<ms>", ...) being read; SocketCluster: the
     handshake answer */
  uint8_t pr_ctl[48], pr_len;
  /* for the mode */
  uint64_t sent, recvd;
  uint8_t bad;
};

struct lg_loop {
  int epfd;
  struct sockaddr_in dst;
  char host_header[64];
  int nsources;      /* source addresses 127.0.0.1 .. 127.0.0.nsources */
  int deflate;       /* offer permessage-deflate, require it in the response */
  int socketio;      /* speak Engine.IO v4 / Socket.IO v5 over the WebSocket (socketio.c) */
  int primus;        /* speak Primus (json parser) over the WebSocket (primus.c) */
  int socketcluster; /* speak SocketCluster (protocol 2) over the WebSocket (socketcluster.c) */
  int nports;        /* > 0: connection `id` goes to ports[id % nports] instead of dst's port */
  const int *ports;
  int pending;       /* connections not yet open */
  int open;          /* connections open */
  size_t keep_cap;   /* output buffers up to this size are kept once drained */
  const conn_handlers_t *h;
  conn_t **dirty;    /* connections with output to flush after this wake-up */
  size_t ndirty, dirty_cap;
};

void loop_init(lg_loop_t *L, const char *host, int port, int nsources, int deflate, const conn_handlers_t *h);
/* Starts a connection to path; returns -1 (and counts a connect error) when it fails at once. */
int conn_start(lg_loop_t *L, conn_t *c, uint32_t id, const char *path);
/* Appends one masked frame: prefix then body, as one payload. Flushed after the wake-up. */
void conn_send(conn_t *c, int opcode, int rsv1, const uint8_t *prefix, size_t plen, const uint8_t *body, size_t blen);
/* Socket.IO connect acknowledged: the connection is open for the mode (on_open). */
void conn_ready(conn_t *c);
/* Closes abortively, counts one error in *counter (if any), calls on_fail. */
void conn_fail(conn_t *c, uint64_t *counter);
/* Closes now; abortive = RST (SO_LINGER 0, no TIME_WAIT). Does not call on_fail. */
void conn_close(conn_t *c, int abortive);
/* One epoll_wait (up to timeout_ms) and its events; then flushes dirty connections. */
void loop_once(lg_loop_t *L, int timeout_ms);
/* Flush every connection with queued output. */
void loop_flush(lg_loop_t *L);

#endif
