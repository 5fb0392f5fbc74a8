// Reading the options JS passes to the addon into C++ structs: the TLS options object of
// src/transport/native-tls.ts and listen()'s arguments. Bad input throws a JS TypeError
// (pending on return, never a C++ exception) and returns false.
#pragma once
#include <napi.h>

#include "net-address.h"
#include "tls-context.h"

namespace uws {

// The options object (PEM text only; files are read in JS). Absent fields keep their defaults.
bool readTlsOptions(const Napi::Env& env, Napi::Value value, TlsOptions* out);

// listen(host, port, path, backlog, reusePort, ipv6Only, ...): the first six arguments.
bool readListenRequest(const Napi::CallbackInfo& info, ListenRequest* out);

}  // namespace uws
