#!/usr/bin/env bash
# Makes sure a Redis answers at REDIS_URL (default redis://127.0.0.1:6379):
# starts a local one if none does, installing Debian's redis-server first
# when it is missing and we may (root with apt-get).
set -euo pipefail

url=${REDIS_URL:-redis://127.0.0.1:6379}
hostport=${url#redis://}
hostport=${hostport##*@}
hostport=${hostport%%/*}
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$host" ] && port=6379

answers() {
  exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  local reply=''
  read -r -t 2 reply <&3 || true
  exec 3>&- 3<&-
  [[ "$reply" == +PONG* ]]
}

if answers; then
  echo "redis: answering at $host:$port"
  exit 0
fi
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "redis: installing redis-server with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis: nothing answers at $host:$port and redis-server is not installed (Debian/Ubuntu: sudo apt-get install redis-server)" >&2
    exit 1
  fi
fi
echo "redis: starting redis-server on $host:$port (no persistence)"
redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/nightshift-redis.log"
for _ in $(seq 50); do answers && exit 0; sleep 0.1; done
echo "redis: started but does not answer; see ${TMPDIR:-/tmp}/nightshift-redis.log" >&2
exit 1
