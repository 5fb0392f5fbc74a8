// The N-API surface of the transport. Thin wrappers over EventLoop: argument checks, errors
// as JS exceptions (never C++ exceptions across the boundary), and the per-thread state.
// The hot path (data in, data out) crosses here once per loop wake-up, through dispatch().
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "event-loop.h"
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
  shared.Set("receive", newBuffer(env, kReceiveArenaBytes, &p));
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

// listen(host, port, path, backlog, reusePort, ipv6Only) -> [id, port]
Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr) return env.Undefined();
  if (info.Length() < 6 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "listen(host, port, path, backlog, reusePort, ipv6Only)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ListenRequest req;
  req.host = info[0].As<Napi::String>().Utf8Value();
  req.port = info[1].As<Napi::Number>().Int32Value();
  req.path = info[2].As<Napi::String>().Utf8Value();
  req.backlog = info[3].As<Napi::Number>().Int32Value();
  req.reusePort = info[4].ToBoolean().Value();
  req.ipv6Only = info[5].ToBoolean().Value();
  int port = 0;
  int id = loop->listen(req, &port);
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

// connect(host, port) -> [slot, gen]; host must be numeric.
Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EventLoop* loop = loopOrThrow(info);
  if (loop == nullptr) return env.Undefined();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "connect(host, port)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t gen = 0;
  int slot = loop->connect(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Int32Value(), &gen);
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
  exports.Set("xorMask", Napi::Function::New(env, XorMask, "xorMask"));
  return exports;
}

}  // namespace
}  // namespace uws

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return uws::Initialize(env, exports); }

NODE_API_MODULE(uws_native, InitModule)
