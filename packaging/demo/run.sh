#!/usr/bin/env bash
# The main job on one host: a collector on SQLite, an agent tailing a demo log file and the journal, and a
# local SMTP server that receives the collector's emails. Run by `make run`; state goes to $DEMO_DIR.
#
#   packaging/demo/run.sh BIN_DIR           # runs until Ctrl-C
#   RUN_SECONDS=60 packaging/demo/run.sh BIN_DIR
#
# Ports: collector 127.0.0.1:$DEMO_HTTP_PORT (18080), SMTP 127.0.0.1:$DEMO_SMTP_PORT (18025).
set -euo pipefail

BIN=$(cd "${1:?usage: run.sh BIN_DIR (the folder holding faultline-collector and faultline-agent)}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DEMO_DIR=${DEMO_DIR:-$(pwd)/.demo}
HTTP_PORT=${DEMO_HTTP_PORT:-18080}
SMTP_PORT=${DEMO_SMTP_PORT:-18025}
RUN_SECONDS=${RUN_SECONDS:-0}
SAMPLE=${DEMO_SAMPLE:-$HERE/../../Tests/Fixtures/sample.log}

for port in "$HTTP_PORT" "$SMTP_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "run.sh: port $port on 127.0.0.1 is in use; set DEMO_HTTP_PORT / DEMO_SMTP_PORT" >&2
        exit 1
    fi
done

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR/logs" "$DEMO_DIR/agent-state"
cd "$DEMO_DIR"

PIDS=()
stop() {
    trap - EXIT INT TERM
    echo
    echo "== stopping"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "state, logs and mail are in $DEMO_DIR"
}
trap stop EXIT INT TERM

sed -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@SMTP_PORT@|$SMTP_PORT|g" -e "s|@DIR@|$DEMO_DIR|g" \
    "$HERE/collector.toml" > collector.toml
sed -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@DIR@|$DEMO_DIR|g" "$HERE/agent.toml" > agent.toml

echo "== SMTP server on 127.0.0.1:$SMTP_PORT (mailbox $DEMO_DIR/mail)"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$DEMO_DIR/mail" \
    > smtp.log 2>&1 &
PIDS+=($!)

echo "== collector: a client and its agent token"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > admin.token
"$BIN/faultline-collector" client add demo --email ops@demo.example --config collector.toml
"$BIN/faultline-collector" token issue --client demo --config collector.toml > agent.token

echo "== collector on http://127.0.0.1:$HTTP_PORT (log: collector.log)"
"$BIN/faultline-collector" serve --config collector.toml > collector.log 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" > /dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" > /dev/null || { cat collector.log; exit 1; }

echo "== agent tailing $DEMO_DIR/logs/*.log and the journal (log: agent.log)"
"$BIN/faultline-agent" run --config agent.toml > agent.log 2>&1 &
PIDS+=($!)
sleep 1

echo "== writing $(wc -l < "$SAMPLE") lines of $(basename "$SAMPLE") to logs/app.log, one every 0.1 s"
while IFS= read -r line; do
    printf '%s\n' "$line" >> logs/app.log
    sleep 0.1
done < "$SAMPLE"
if [ -S /run/systemd/journal/socket ] && command -v logger > /dev/null; then
    echo "== writing an error to the journal with logger"
    logger -p user.err -t faultline-demo "disk quota exceeded for volume /srv/demo"
fi

echo "== waiting for the agent's next flush and the collector's tickets"
for _ in $(seq 60); do
    count=$(curl -fsS -H "Authorization: Bearer $(cat admin.token)" "http://127.0.0.1:$HTTP_PORT/api/v1/tickets" \
        | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tickets"]))' 2>/dev/null || echo 0)
    [ "$count" -gt 0 ] && break
    sleep 0.5
done
for _ in $(seq 40); do
    [ -n "$(find mail/new -type f 2>/dev/null)" ] && break
    sleep 0.5
done
echo
"$BIN/faultline-collector" ticket list --config collector.toml
echo
echo "== emails received by the SMTP server: $(find mail/new -type f 2>/dev/null | wc -l)"
for message in $(find mail/new -type f 2>/dev/null | sort | head -3); do
    grep -m1 '^To:' "$message"
    grep -m1 '^Subject:' "$message"
done
echo
echo "collector: http://127.0.0.1:$HTTP_PORT  (admin token in $DEMO_DIR/admin.token)"
echo "try:  $BIN/faultline-collector ticket show 1 --config $DEMO_DIR/collector.toml"
echo "      echo 'ERROR it happened again' >> $DEMO_DIR/logs/app.log"
if [ "$RUN_SECONDS" -gt 0 ]; then
    echo "running for $RUN_SECONDS s more"
    sleep "$RUN_SECONDS"
else
    echo "running until Ctrl-C"
    wait
fi
