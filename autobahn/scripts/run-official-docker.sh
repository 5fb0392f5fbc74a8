#!/usr/bin/env bash
# Runs the official Autobahn|Testsuite (crossbario/autobahn-testsuite image, all 517 cases, no
# exclusions) against one of our testees. Needs Docker; CI does not run this (it runs our own
# runner of the same catalogue instead).
#
#   scripts/run-official-docker.sh [testee] [port]
#
#   Server testees, fuzzingclient mode (fuzzingclient.json): the suite connects to the testee.
#     uws-app-epoll (default) | uws-app-node | uws-protocol-net | ws-compat-epoll |
#     ws-compat-node | broken-echo
#     Reports: reports/official/index.json (+ HTML). Compare with ours:
#       node scripts/compare-reports.mjs reports/official/index.json reports/index.json
#
#   Client testees, fuzzingserver mode (fuzzingserver.json): the suite is the server, and the
#   testee runs the suite's client flow against it (/getCaseCount, /runCase, /updateReports),
#   one case at a time.
#     uws-client-epoll | uws-client-node | ws-compat-client-epoll | ws-compat-client-node |
#     broken-client
#     Reports: reports/official/clients/index.json (+ HTML). Compare with ours:
#       node scripts/compare-reports.mjs reports/official/clients/index.json reports/clients/index.json
#
#   port: where the testee listens (server testees) or where the suite's fuzzing server is
#   published on the host (client testees); default 9001.
set -euo pipefail
cd "$(dirname "$0")/.."
testee="${1:-uws-app-epoll}"
port="${2:-9001}"
image=crossbario/autobahn-testsuite
url="ws://127.0.0.1:$port"
case "$testee" in
  uws-app-epoll) mode=server; cmd=(node testees/app-echo.mjs epoll "$port") ;;
  uws-app-node) mode=server; cmd=(node testees/app-echo.mjs node "$port") ;;
  uws-protocol-net) mode=server; cmd=(node testees/protocol-net-echo.mjs "$port") ;;
  ws-compat-epoll) mode=server; cmd=(node testees/ws-compat-echo.mjs epoll "$port") ;;
  ws-compat-node) mode=server; cmd=(node testees/ws-compat-echo.mjs node "$port") ;;
  broken-echo) mode=server; cmd=(node testees/broken-echo.mjs "$port") ;;
  # Client testees: <url> <agent> <concurrency>; 1 is the suite's own flow.
  uws-client-epoll) mode=client; cmd=(node testees/native-client.mjs epoll "$url" "$testee" 1) ;;
  uws-client-node) mode=client; cmd=(node testees/native-client.mjs node "$url" "$testee" 1) ;;
  ws-compat-client-epoll) mode=client; cmd=(node testees/ws-compat-client.mjs epoll "$url" "$testee" 1) ;;
  ws-compat-client-node) mode=client; cmd=(node testees/ws-compat-client.mjs node "$url" "$testee" 1) ;;
  broken-client) mode=client; cmd=(node testees/broken-client.mjs "$url" "$testee" 1) ;;
  *) echo "unknown testee: $testee" >&2; exit 2 ;;
esac
mkdir -p reports/official
spec="$(mktemp)"
trap 'rm -f "$spec"' EXIT

if [ "$mode" = server ]; then
  # The testees listen on 127.0.0.1, so the container shares the host network.
  "${cmd[@]}" &
  testee_pid=$!
  trap 'kill "$testee_pid" 2>/dev/null || true; rm -f "$spec"' EXIT
  sleep 1
  sed -e "s|ws://host.docker.internal:9001|$url|" -e "s|\"uws-testee\"|\"$testee\"|" fuzzingclient.json > "$spec"
  docker run --rm --network host \
    -v "$spec:/config/fuzzingclient.json:ro" \
    -v "$PWD/reports:/reports" \
    "$image" \
    wstest -m fuzzingclient -s /config/fuzzingclient.json
  exit 0
fi

# Fuzzing-server mode: the suite listens on 9001 inside the container, published on the host's
# loopback only; reports are written when the testee calls /updateReports.
name="uws-autobahn-fuzzingserver-$$"
cp fuzzingserver.json "$spec"
docker run -d --rm --name "$name" \
  -p "127.0.0.1:$port:9001" \
  -v "$spec:/config/fuzzingserver.json:ro" \
  -v "$PWD/reports:/reports" \
  "$image" \
  wstest -m fuzzingserver -s /config/fuzzingserver.json > /dev/null
trap 'docker stop "$name" > /dev/null 2>&1 || true; rm -f "$spec"' EXIT
# Wait for the fuzzing server to accept connections (up to 60 s).
for _ in $(seq 60); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 1
done
"${cmd[@]}"
echo "reports: reports/official/clients/index.json"
