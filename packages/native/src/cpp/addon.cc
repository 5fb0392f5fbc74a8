// The N-API surface of the transport. Thin wrappers over EventLoop: argument checks, errors
// as JS exceptions (never C++ exceptions across the boundary), and the per-thread state.
// Reading the options objects (TLS, listen) into C++ structs is napi-options.cc's.
// The hot path (data in, data out) crosses here once per loop wake-up, through dispatch().
#include <napi.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "event-loop.h"
#include "napi-options.h"
#include "payload-mask.h"

namespace uws {
namespace {

// One per JS thread (napi_env): the loop, the JS batch callback, the shared buffers.
struct ThreadState {
  napi_env env = nullptr;
  std::unique_ptr<EventLoop> loop;
  Napi::FunctionReference onBatch;
  Napi::ObjectReference shared;  // keeps the shared ArrayBuffers alive
  std::unique_ptr<Napi::AsyncContext> asyncContext;
  napi_async_cleanup_hook_handle cleanupHandle = nullptr;
  bool shutDown = false;
  // TLS contexts by id (the loop's listeners and sessions hold their own references).
  std::unordered_map<int, std::shared_ptr<TlsContext>> tls;
  int nextTlsId = 1;
};

ThreadState* stateOf(const Napi::Env& env) { return env.GetInstanceData<ThreadState>(); }

Napi::Value throwErrno(const Napi::Env& env, const char* what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + std::strerror(err));
  const char* code = nullptr;
  switch (err) {
    case EADDRINUSE: code = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: code = "EADDRNOTAVAIL"; break;
    case EACCES: code = "EACCES"; break;
    case EINVAL: code = "EINVAL"; break;
    case EMFILE: code = "EMFILE"; break;
    case ENFILE: code = "ENFILE"; break;
    case ENAMETOOLONG: code = "ENAMETOOLONG"; break;
    case EAFNOSUPPORT: code = "EAFNOSUPPORT"; break;
    case ENOENT: code = "ENOENT"; break;
    case EBADF: code = "EBADF"; break;
    default: code = "ESYSCALL"; break;
  }
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

EventLoop* loopOrThrow(const Napi::CallbackInfo& info) {
  ThreadState* st = stateOf(info.Env());
  if (st == nullptr || !st->loop || st->shutDown) {
    Napi::Error::New(info.Env(), "uws native transport is not initialised on this thread").ThrowAsJavaScriptException();
    return nullptr;
  }
  return st->loop.get();
}

bool argsAreNumbers(const Napi::CallbackInfo& info, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!info[i].IsNumber()) {
      Napi::TypeError::New(info.Env(), "expected numeric arguments").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

// Runs the JS batch handler from a libuv callback: a handle scope, an async context (so
// promise continuations and async hooks behave), and uncaught errors routed to Node.
void dispatch(ThreadState* st) {
  Napi::Env env(st->env);
  Napi::HandleScope scope(env);
  st->onBatch.MakeCallback(env.Global(), {}, *st->asyncContext);
  if (env.IsExceptionPending()) {
    Napi::Error err = env.GetAndClearPendingException();
    napi_fatal_exception(env, err.Value());
  }
}

void finishShutdown(ThreadState* st) {
  st->onBatch.Reset();
  st->shared.Reset();
  st->asyncContext.reset();
}

// Worker exit, process exit: close fds and uv handles; Node waits until libuv released them.
void asyncCleanup(napi_async_cleanup_hook_handle handle, void* data) {
  auto* st = static_cast<ThreadState*>(data);
  st->cleanupHandle = handle;
  st->shutDown = true;
  if (!st->loop) {
    napi_remove_async_cleanup_hook(handle);
    return;
  }
  st->tls.clear();
  st->loop->shutdown([st]() {
    finishShutdown(st);
    napi_async_cleanup_hook_handle h = st->cleanupHandle;
    st->cleanupHandle = nullptr;
    if (h != nullptr) napi_remove_async_cleanup_hook(h);
  });
}

// V8 hands out zeroed memory whose pages are only committed when touched: no memset, or the
// 32 MiB per-slot table would cost 32 MiB of RSS up front.
Napi::ArrayBuffer newBuffer(Napi::Env env, size_t bytes, void** data) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
  *data = ab.Data();
  return ab;
}

// init(onBatch) -> { control, events, receive, send, commands, buffered } (once per thread).
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* st = stateOf(env);
  if (st->loop) {
    Napi::Error::New(env, "uws native transport already initialised on this thread").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "init(onBatch) needs a function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  SharedMemory mem;
  void* p;
  Napi::Object shared = Napi::Object::New(env);
  shared.Set("control", Napi::Int32Array::New(env, kControlInts, newBuffer(env, kControlInts * 4, &p), 0));
  mem.control = static_cast<int32_t*>(p);
  shared.Set("events", Napi::Int32Array::New(env, kEventCapacity * kEventInts,
                                             newBuffer(env, kEventCapacity * kEventInts * 4, &p), 0));
  mem.events = static_cast<int32_t*>(p);
  shared.Set("receive", newBuffer(env, kReceiveArenaBytes + kMessageScratchBytes, &p));
  mem.receiveArena = static_cast<uint8_t*>(p);
  shared.Set("send", newBuffer(env, kSendArenaBytes, &p));
  mem.sendArena = static_cast<uint8_t*>(p);
  shared.Set("commands", Napi::Int32Array::New(env, kCommandCapacity * kCommandInts,
                                               newBuffer(env, kCommandCapacity * kCommandInts * 4, &p), 0));
  mem.commands = static_cast<int32_t*>(p);
  // One double per possible slot; untouched pages cost no memory.
  shared.Set("buffered", Napi::Float64Array::New(env, kMaxSlots, newBuffer(env, size_t{kMaxSlots} * 8, &p), 0));
  mem.buffered = static_cast<double*>(p);

  uv_loop_t* uvLoop = nullptr;
  if (napi_get_uv_event_loop(env, &uvLoop) != napi_ok || uvLoop == nullptr) {
    Napi::Error::New(env, "cannot reach the libuv loop of this thread").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  st->onBatch = Napi::Persistent(info[0].As<Napi::Function>());
  st->shared = Napi::Persistent(shared);
  st->asyncContext = std::make_unique<Napi::AsyncContext>(env, "uws:batch");
  st->loop = std::make_unique<EventLoop>(uvLoop, mem, [st]() { dispatch(st); });
  if (!st->loop->ok()) {
    int err = st->loop->initError();
    st->loop.reset();
    finishShutdown(st);
    return throwErrno(env, "epoll_create1", err);
  }
  shared.Set("receiveBytes", Napi::Number::New(env, kReceiveArenaBytes));
  shared.Set("messageScratchBytes", Napi::Number::New(env, kMessageScratchBytes));
  shared.Set("sendBytes", Napi::Number::New(env, kSendArenaBytes));
  shared.Set("eventCapacity", Napi::Number::New(env, kEventCapacity));
  shared.Set("commandCapacity", Napi::Number::New(env, kCommandCapacity));
  return shared;
}

// The two-element arrays the addon answers with ([id, port], [slot, gen], [text, port]).
Napi::Value Pair(Napi::Env env, Napi::Value first, Napi::Value second) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, first);
  out.Set(1u, second);
  return out;
}

// ---- TLS contexts ------------------------------------------------------------------------

Napi::Value throwTls(const Napi::Env& env, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, "TLS: " + message);
  e.Set("code", Napi::String::New(env, "ERR_UWS_TLS_OPTIONS"));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

std::shared_ptr<TlsContext> tlsById(const Napi::CallbackInfo& info, size_t index) {
  ThreadState* st = stateOf(info.Env());
  if (info.Length() <= index || !info[index].IsNumber()) return nullptr;
  auto it = st->tls.find(info[index].As<Napi::Number>().Int32Value());
  return it == st->tls.end() ? nullptr : it->second;
}

// tlsContext(options) -> id
Napi::Value TlsCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (loopOrThrow(info) == nullptr) return env.Undefined();
  TlsOptions o;
  if (!readTlsOptions(env, info[0], &o)) return env.Undefined();
  ThreadState* st = stateOf(env);
  std::string error;
  int id = st->nextTlsId++;
  auto context = TlsContext::create(id, o, &error);
  if (!context) return throwTls(env, error);
  st->tls.emplace(id, std::move(context));
  return Napi::Number::New(env, id);
}

// tlsUpdate(id, options): new handshakes use the new certificate & co.
Napi::Value TlsUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto context = tlsById(info, 0);
  if (!context) return throwTls(env, "unknown context");
  TlsOptions o;
  if (!readTlsOptions(env, info[1], &o)) return env.Undefined();
  std::string error;
  if (!context->update(o, &error)) return throwTls(env, error);
  return env.Undefined();
}

// tlsAddServerName(id, host, options)
Napi::Value TlsAddServerName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto context = tlsById(info, 0);
  if (!context) return throwTls(env, "unknown context");
  if (info.Length() < 3 || !info[1].IsString()) {
    Napi::TypeError::New(env, "tlsAddServerName(id, host, options)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  TlsOptions o;
  if (!readTlsOptions(env, info[2], &o)) return env.Undefined();
  std::string error;
  if (!context->addServerName(info[1].As<Napi::String>().Utf8Value(), o, &error)) return throwTls(env, error);
  return env.Undefined();
}

// tlsRemoveServerName(id, host)
Napi::Value TlsRemoveServerName(const Napi::CallbackInfo& info) {
  auto context = tlsById(info, 0);
  if (context && info.Length() > 1 && info[1].IsString()) context->removeServerName(info[1].As<Napi::String>().Utf8Value());
  return info.Env().Undefined();
}

// tlsMissingServerName(id, on)
Napi::Value TlsMissingServerName(const Napi::CallbackInfo& info) {
  auto context = tlsById(info, 0);
  if (context) context->setMissingServerNameHandler(info.Length() > 1 && info[1].ToBoolean().Value());
  return info.Env().Undefined();
}

// tlsFree(id): listeners and sessions that use it keep it alive until they end.
Napi::Value TlsFree(const Napi::CallbackInfo& info) {
  ThreadState* st = stateOf(info.Env());
  if (info.Length() > 0 && info[0].IsNumber()) st->tls.erase(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// tlsInfo(slot, gen) -> [serverName, alpn, verifyResult, error, peerCertificate, resumed, ownRecords] or null
Napi::Value TlsInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 2)) return env.Undefined();
  const TlsSession* session =
      loop->tlsSession(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value());
  if (session == nullptr) return env.Null();
  Napi::Array out = Napi::Array::New(env, 7);
  out.Set(0u, Napi::String::New(env, session->serverName));
  out.Set(1u, Napi::String::New(env, session->alpn()));
  out.Set(2u, Napi::Number::New(env, static_cast<double>(session->verifyResult())));
  out.Set(3u, Napi::String::New(env, session->error()));
  out.Set(4u, Napi::Boolean::New(env, session->hasPeerCertificate()));
  out.Set(5u, Napi::Boolean::New(env, session->resumed()));
  out.Set(6u, Napi::Boolean::New(env, session->ownsRecords()));
  return out;
}

// listen(host, port, path, backlog, reusePort, ipv6Only, tlsId) -> [id, port]
Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr) return env.Undefined();
  ListenRequest req;
  if (!readListenRequest(info, &req)) return env.Undefined();
  std::shared_ptr<TlsContext> tls;
  if (info.Length() > 6 && info[6].IsNumber() && info[6].As<Napi::Number>().Int32Value() > 0) {
    tls = tlsById(info, 6);
    if (!tls || !tls->isServer()) return throwTls(env, "listen needs a server context");
  }
  int port = 0;
  int id = loop->listen(req, std::move(tls), &port);
  if (id < 0) return throwErrno(env, "listen", errno);
  return Pair(env, Napi::Number::New(env, id), Napi::Number::New(env, port));
}

Napi::Value CloseListener(const Napi::CallbackInfo& info) {
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 1)) return info.Env().Undefined();
  loop->closeListener(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value SlotPair(Napi::Env env, int slot, uint32_t gen) {
  return Pair(env, Napi::Number::New(env, slot), Napi::Number::New(env, gen));
}

// connect(host, port, tlsId, serverName) -> [slot, gen]; host must be numeric.
Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr) return env.Undefined();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "connect(host, port)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::shared_ptr<TlsContext> tls;
  std::string serverName;
  if (info.Length() > 2 && info[2].IsNumber() && info[2].As<Napi::Number>().Int32Value() > 0) {
    tls = tlsById(info, 2);
    if (!tls || tls->isServer()) return throwTls(env, "connect needs a client context");
    if (info.Length() > 3 && info[3].IsString()) serverName = info[3].As<Napi::String>().Utf8Value();
  }
  uint32_t gen = 0;
  int slot = loop->connect(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Int32Value(),
                           std::move(tls), serverName, &gen);
  if (slot < 0) return throwErrno(env, "connect", errno);
  return SlotPair(env, slot, gen);
}

// adopt(fd) -> [slot, gen]; the fd is duplicated, the caller still closes its own.
Napi::Value Adopt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 1)) return env.Undefined();
  uint32_t gen = 0;
  int slot = loop->adopt(info[0].As<Napi::Number>().Int32Value(), &gen);
  if (slot < 0) return throwErrno(env, "adopt", errno);
  return SlotPair(env, slot, gen);
}

Napi::Value Flush(const Napi::CallbackInfo& info) {
  EventLoop* loop = loopOrThrow(info);
  if (loop != nullptr) loop->flush();
  return info.Env().Undefined();
}

// writeDirect(slot, gen, bytes): for payloads too big for the send arena.
Napi::Value WriteDirect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 2)) return env.Undefined();
  if (info.Length() < 3 || !info[2].IsTypedArray()) {
    Napi::TypeError::New(env, "writeDirect(slot, gen, Uint8Array)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array data = info[2].As<Napi::Uint8Array>();
  loop->writeDirect(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value(), data.Data(),
                    data.ByteLength());
  return env.Undefined();
}

template <void (EventLoop::*Op)(uint32_t, uint32_t)>
Napi::Value SocketOp(const Napi::CallbackInfo& info) {
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 2)) return info.Env().Undefined();
  (loop->*Op)(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

Napi::Value SetTimeout(const Napi::CallbackInfo& info) {
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 3)) return info.Env().Undefined();
  double seconds = info[2].As<Napi::Number>().DoubleValue();
  uint32_t s = seconds <= 0 ? 0 : seconds > 86400.0 * 365 ? 86400u * 365 : static_cast<uint32_t>(seconds + 0.999);
  loop->setTimeout(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value(), s);
  return info.Env().Undefined();
}

// remoteAddress(slot, gen) -> [text, port]
Napi::Value RemoteAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr || !argsAreNumbers(info, 2)) return env.Undefined();
  int port = 0;
  std::string text =
      loop->remoteAddress(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value(), &port);
  return Pair(env, Napi::String::New(env, text), Napi::Number::New(env, port));
}

// xorMask(bytes, maskWord): unmasks (or masks) a payload in place; no loop state needed.
Napi::Value XorMask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "xorMask(Uint8Array, maskWord)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "xorMask needs a Uint8Array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  xorMask(bytes.Data(), bytes.ByteLength(), info[1].As<Napi::Number>().Uint32Value());
  return env.Undefined();
}

Napi::Value LiveSockets(const Napi::CallbackInfo& info) {
  ThreadState* st = stateOf(info.Env());
  uint32_t live = (st != nullptr && st->loop && !st->shutDown) ? st->loop->liveSockets() : 0;
  return Napi::Number::New(info.Env(), live);
}

Napi::Value TlsBuffersHeld(const Napi::CallbackInfo& info) {
  ThreadState* st = stateOf(info.Env());
  uint32_t held = (st != nullptr && st->loop && !st->shutDown) ? st->loop->tlsBuffersHeld() : 0;
  return Napi::Number::New(info.Env(), held);
}

Napi::Value ReadFairnessStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* st = stateOf(env);
  ReadFairness r = (st != nullptr && st->loop && !st->shutDown) ? st->loop->takeReadFairness() : ReadFairness{};
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(r.wakeUps)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(r.queuedReads)));
  out.Set(2u, Napi::Number::New(env, static_cast<double>(r.maxQueuedWakeUps)));
  return out;
}

Napi::Value AcceptFdLimitStatsOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* st = stateOf(env);
  AcceptFdLimitStats r = (st != nullptr && st->loop && !st->shutDown) ? st->loop->acceptFdLimitStats() : AcceptFdLimitStats{};
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(r.episodes)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(r.shed)));
  out.Set(2u, Napi::Boolean::New(env, r.atLimit));
  return out;
}

Napi::Object Initialize(Napi::Env env, Napi::Object exports) {
  auto* st = new ThreadState();
  st->env = env;
  env.SetInstanceData<ThreadState>(st);  // deleted by node-addon-api when the env goes away
  napi_add_async_cleanup_hook(env, asyncCleanup, st, nullptr);
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("closeListener", Napi::Function::New(env, CloseListener, "closeListener"));
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("adopt", Napi::Function::New(env, Adopt, "adopt"));
  exports.Set("flush", Napi::Function::New(env, Flush, "flush"));
  exports.Set("writeDirect", Napi::Function::New(env, WriteDirect, "writeDirect"));
  exports.Set("end", Napi::Function::New(env, SocketOp<&EventLoop::end>, "end"));
  exports.Set("destroy", Napi::Function::New(env, SocketOp<&EventLoop::destroy>, "destroy"));
  exports.Set("pause", Napi::Function::New(env, SocketOp<&EventLoop::pause>, "pause"));
  exports.Set("resume", Napi::Function::New(env, SocketOp<&EventLoop::resume>, "resume"));
  exports.Set("setTimeout", Napi::Function::New(env, SetTimeout, "setTimeout"));
  exports.Set("remoteAddress", Napi::Function::New(env, RemoteAddress, "remoteAddress"));
  exports.Set("liveSockets", Napi::Function::New(env, LiveSockets, "liveSockets"));
  exports.Set("readFairness", Napi::Function::New(env, ReadFairnessStats, "readFairness"));
  exports.Set("acceptFdLimit", Napi::Function::New(env, AcceptFdLimitStatsOf, "acceptFdLimit"));
  exports.Set("xorMask", Napi::Function::New(env, XorMask, "xorMask"));
  exports.Set("tlsContext", Napi::Function::New(env, TlsCreate, "tlsContext"));
  exports.Set("tlsUpdate", Napi::Function::New(env, TlsUpdate, "tlsUpdate"));
  exports.Set("tlsAddServerName", Napi::Function::New(env, TlsAddServerName, "tlsAddServerName"));
  exports.Set("tlsRemoveServerName", Napi::Function::New(env, TlsRemoveServerName, "tlsRemoveServerName"));
  exports.Set("tlsMissingServerName", Napi::Function::New(env, TlsMissingServerName, "tlsMissingServerName"));
  exports.Set("tlsFree", Napi::Function::New(env, TlsFree, "tlsFree"));
  exports.Set("tlsInfo", Napi::Function::New(env, TlsInfo, "tlsInfo"));
  exports.Set("tlsBuffersHeld", Napi::Function::New(env, TlsBuffersHeld, "tlsBuffersHeld"));
  return exports;
}

}  // namespace
}  // namespace uws

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return uws::Initialize(env, exports); }

NODE_API_MODULE(uws_native, InitModule)
