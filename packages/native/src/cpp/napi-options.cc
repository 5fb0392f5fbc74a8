#include "napi-options.h"

#include <algorithm>
#include <string>

namespace uws {

namespace {

std::string stringField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

bool boolField(const Napi::Object& o, const char* name, bool fallback) {
  Napi::Value v = o.Get(name);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

}  // namespace

bool readTlsOptions(const Napi::Env& env, Napi::Value value, TlsOptions* o) {
  if (!value.IsObject()) {
    Napi::TypeError::New(env, "TLS options must be an object").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Object obj = value.As<Napi::Object>();
  o->isServer = boolField(obj, "isServer", true);
  o->key = stringField(obj, "key");
  o->cert = stringField(obj, "cert");
  o->passphrase = stringField(obj, "passphrase");
  o->ca = stringField(obj, "ca");
  o->dhParams = stringField(obj, "dhParams");
  o->ciphers = stringField(obj, "ciphers");
  o->ciphersuites = stringField(obj, "ciphersuites");
  o->alpn = stringField(obj, "alpn");
  Napi::Value min = obj.Get("minVersion");
  if (min.IsNumber()) o->minVersion = min.As<Napi::Number>().Int32Value();
  o->requestCert = boolField(obj, "requestCert", false);
  o->rejectUnauthorized = boolField(obj, "rejectUnauthorized", true);
  o->releaseBuffers = boolField(obj, "releaseBuffers", true);
  o->ownRecords = boolField(obj, "ownRecordLayer", true);
  o->sessionTickets = boolField(obj, "sessionTickets", true);
  Napi::Value tickets = obj.Get("sessionTicketCount");
  if (tickets.IsNumber()) o->ticketCount = std::min<uint32_t>(tickets.As<Napi::Number>().Uint32Value(), 16);
  Napi::Value cacheSize = obj.Get("sessionCacheSize");
  if (cacheSize.IsNumber()) o->sessionCacheSize = cacheSize.As<Napi::Number>().Uint32Value();
  Napi::Value timeout = obj.Get("sessionTimeout");
  if (timeout.IsNumber()) o->sessionTimeout = std::max<uint32_t>(1, timeout.As<Napi::Number>().Uint32Value());
  Napi::Value maxCached = obj.Get("maxCachedSessions");
  if (maxCached.IsNumber()) o->maxCachedSessions = maxCached.As<Napi::Number>().Uint32Value();
  Napi::Value hs = obj.Get("handshakeTimeout");
  if (hs.IsNumber()) {
    double seconds = hs.As<Napi::Number>().DoubleValue();
    o->handshakeSeconds = seconds < 1 ? 1 : seconds > 3600 ? 3600 : static_cast<uint32_t>(seconds + 0.999);
  }
  return true;
}

bool readListenRequest(const Napi::CallbackInfo& info, ListenRequest* out) {
  if (info.Length() < 6 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsNumber()) {
    Napi::TypeError::New(info.Env(), "listen(host, port, path, backlog, reusePort, ipv6Only)").ThrowAsJavaScriptException();
    return false;
  }
  out->host = info[0].As<Napi::String>().Utf8Value();
  out->port = info[1].As<Napi::Number>().Int32Value();
  out->path = info[2].As<Napi::String>().Utf8Value();
  out->backlog = info[3].As<Napi::Number>().Int32Value();
  out->reusePort = info[4].ToBoolean().Value();
  out->ipv6Only = info[5].ToBoolean().Value();
  return true;
}

}  // namespace uws
