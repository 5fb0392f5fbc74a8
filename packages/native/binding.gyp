{
  "variables": {
    "uws_sanitize%": "<!(node -p \"process.env.UWS_SANITIZE || ''\")"
  },
  "targets": [
    {
      "target_name": "uws_native",
      "sources": [
        "src/cpp/accept-fd-limit.cc",
        "src/cpp/addon.cc",
        "src/cpp/event-loop.cc",
        "src/cpp/heap-trim.cc",
        "src/cpp/listen-accept.cc",
        "src/cpp/loop-timers.cc",
        "src/cpp/napi-options.cc",
        "src/cpp/net-address.cc",
        "src/cpp/payload-mask.cc",
        "src/cpp/plain-stream.cc",
        "src/cpp/poller.cc",
        "src/cpp/receive-arena.cc",
        "src/cpp/send-queue.cc",
        "src/cpp/tls-context.cc",
        "src/cpp/tls-record-layer.cc",
        "src/cpp/tls-server-name.cc",
        "src/cpp/tls-session.cc",
        "src/cpp/tls-session-cache.cc",
        "src/cpp/tls-socket-bio.cc",
        "src/cpp/tls-stream.cc",
        "src/cpp/tls13-key-schedule.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "conditions": [
        ["uws_sanitize=='address'", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address"]
        }],
        ["uws_sanitize=='valgrind'", {
          "cflags_cc": ["-g", "-fno-omit-frame-pointer"]
        }]
      ]
    }
  ]
}
