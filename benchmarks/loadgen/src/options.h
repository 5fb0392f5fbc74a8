/* Command-line options shared by the modes. */
#ifndef LG_OPTIONS_H
#define LG_OPTIONS_H
#include <stddef.h>

typedef struct {
  const char *mode;
  const char *host;
  int port;
  const char *path;        /* echo/large/deflate/connect/idle */
  const char *sub_path;    /* fanout subscribers */
  const char *pub_path;    /* fanout publisher */
  int sub_ports[16];       /* fanout: subscribers spread over these ports (one server process each) */
  int nsub_ports;          /* 0: every subscriber on --port */
  int connections;         /* echo: N; idle: N; fanout: subscribers */
  int inflight;            /* messages in flight per connection (fanout: publisher window) */
  size_t size;             /* payload bytes */
  double duration;         /* measured seconds (idle: hold time) */
  double warmup;           /* seconds before measuring */
  double timeout;          /* setup bound: seconds to open every connection */
  int sample;              /* verify every byte of one message in `sample` (order on all) */
  int count;               /* connect: connections to complete */
  int concurrency;         /* connections being opened at once */
  int sources;             /* source addresses 127.0.0.1 .. 127.0.0.<sources> (0 = auto) */
  const char *deflate_file;/* deflate: precompressed payloads */
  int socketio;            /* --proto socketio: Socket.IO events over Engine.IO (echo/connect/idle/fanout) */
  int primus;              /* --proto primus: Primus json-parser messages (echo/connect/idle) */
  int socketcluster;       /* --proto socketcluster: SocketCluster events (echo/connect/idle) */
  int tls;                 /* connect with TLS (bin/loadgen-tls only) */
} lg_opts_t;

int mode_echo(const lg_opts_t *o);    /* echo, large, deflate */
int mode_connect(const lg_opts_t *o);
int mode_idle(const lg_opts_t *o);
int mode_fanout(const lg_opts_t *o);

/* JSON line: report_begin prints {"mode":..., common fields; the mode prints ,"k":v pairs;
   report_end adds errors, CPU time and the closing brace. */
void report_begin(const lg_opts_t *o);
void report_end(double wall);
/* Tells the harness on stderr that the measured window starts ("measure") or ends ("end"),
   so it can read the server's CPU time over exactly that window. */
void mark_phase(const char *what);
/* Source addresses for n connections: one per ~16 k (ephemeral ports per source address). */
int sources_for(const lg_opts_t *o, int n);

#endif
