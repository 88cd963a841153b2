# Shared by the benchmark scripts: tools, the nginx ceiling, and reading wrk's output.
# Source it from the project root.

# wrk and nginx from Debian, when missing.
install_tools() {
  if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq wrk nginx-light >/dev/null 2>&1 || apt-get install -y -qq wrk nginx >/dev/null
  fi
}

# start_nginx DIR PORT: nginx serving DIR/www as JSON on PORT, two workers, no access log.
start_nginx() {
  local dir=$1 port=$2
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
    location / { default_type application/json; }
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir"
  sleep 0.5
}

# wrk_row NAME FILE: one table row "name|req/s|p50 ms|p99 ms|non-2xx" from wrk --latency output.
wrk_row() {
  python3 - "$1" "$2" <<'PY'
import re, sys
out = open(sys.argv[2]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print("%s|%.0f|%.2f|%.2f|%s" % (sys.argv[1], rps, pct(50), pct(99), errors.group(1) if errors else "0"))
PY
}
