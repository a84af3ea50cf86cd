#!/usr/bin/env bash
# A Flink 1.19 session cluster on this machine, for tuneprep's portable runs:
#   cluster.sh start                 JobManager, 2 TaskManagers x 2 slots, Beam's Flink job
#                                    server pointed at it, a Python SDK worker pool (the venv's)
#   cluster.sh stop                  stops each process it started, by its pid
#   cluster.sh status                which are running; exit 1 if any is not
#   cluster.sh taskmanager N         starts TaskManager N (a replacement for a lost one)
#   cluster.sh workerpool            starts the SDK worker pool again (after it was lost)
#   cluster.sh args                  the options that send `tuneprep run` to this cluster
# Everything listens on 127.0.0.1 only. The classpath comes from `make flink` (.cache/flink/lib).
# Its conf, logs, pids and temp folders are under $FLINK_LOCAL_HOME (.cache/flink/cluster).
# Ports: FLINK_REST_PORT (8081), FLINK_RPC_PORT (6123), BEAM_JOB_PORT (8099),
# BEAM_ARTIFACT_PORT (8098), BEAM_EXPANSION_PORT (8097), BEAM_WORKER_POOL_PORT (50000);
# `start` records them in $FLINK_LOCAL_HOME/ports.env, which the other commands read.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
here="$repo/deploy/flink/local"
lib=${FLINK_LIB:-$repo/.cache/flink/lib}
home=${FLINK_LOCAL_HOME:-$repo/.cache/flink/cluster}
python=${PYTHON:-$repo/.venv/bin/python}
conf="$home/conf" logs="$home/log" pids="$home/pids" tmp="$home/tmp"
ports_file="$home/ports.env"
# jobmanager.memory and taskmanager.memory sizes: small, two TaskManagers fit a 4 GB machine
TM_SLOTS=2 TASKMANAGERS=2 TM_MEMORY=1280m JM_MEMORY=1024m JOB_SERVER_HEAP=768m

die() { echo "cluster.sh: $*" >&2; exit 1; }

load_ports() {
    if [ -f "$ports_file" ]; then . "$ports_file"; fi
    : "${FLINK_REST_PORT:=8081}" "${FLINK_RPC_PORT:=6123}" "${BEAM_JOB_PORT:=8099}"
    : "${BEAM_ARTIFACT_PORT:=8098}" "${BEAM_EXPANSION_PORT:=8097}" "${BEAM_WORKER_POOL_PORT:=50000}"
}

# A pid file's process is ours only if its command line names this cluster's home (pids are
# reused: a stale file must never make us signal someone else's process).
alive() {
    local f="$pids/$1.pid" pid
    [ -f "$f" ] || return 1
    pid=$(cat "$f")
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$home"
}

java_cmd=(java "@$here/jvm.options" -Djava.io.tmpdir="$tmp" -cp "$lib/*")

# Starts a command in its own session (so its children go with it), logging to log/NAME.log.
launch() {
    local name=$1; shift
    alive "$name" && die "$name is already running (pid $(cat "$pids/$name.pid"))"
    setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
    echo $! >"$pids/$name.pid"
    # until the background shell has exec'd the command, its pid shows the script's command line
    local i
    for i in $(seq 1 50); do alive "$name" && return 0; sleep 0.1; done
    die "$name did not start: see $logs/$name.log"
}

wait_port() {
    local name=$1 port=$2 deadline=$((SECONDS + 90))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        alive "$name" || die "$name exited: see $logs/$name.log"
        [ $SECONDS -lt $deadline ] ||
            die "$name did not listen on 127.0.0.1:$port in 90 s: see $logs/$name.log"
        sleep 0.5
    done
}

write_conf() {
    mkdir -p "$conf" "$logs" "$pids" "$tmp"
    cat >"$conf/flink-conf.yaml" <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $FLINK_RPC_PORT
jobmanager.bind-host: 127.0.0.1
jobmanager.memory.process.size: $JM_MEMORY
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.numberOfTaskSlots: $TM_SLOTS
taskmanager.memory.process.size: $TM_MEMORY
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $FLINK_REST_PORT
parallelism.default: $((TM_SLOTS * TASKMANAGERS))
io.tmp.dirs: $tmp
web.tmpdir: $tmp/web
blob.storage.directory: $tmp/blob
# Batch shuffles use Flink's sort-shuffle, each blocking result partition holding at least
# sort-shuffle.min-buffers (512 x 32 KB by default): --sample-to-quota's graph ran out of them on
# these small TaskManagers ("Insufficient number of network buffers: required 512, but only 90
# available"). Fewer a partition, and a larger network share taken from managed memory.
taskmanager.network.sort-shuffle.min-buffers: 64
taskmanager.memory.network.fraction: 0.15
taskmanager.memory.managed.fraction: 0.3
# A lost TaskManager fails its tasks; the job is restarted on the slots left or new ones.
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 5
restart-strategy.fixed-delay.delay: 2 s
# A TaskManager killed outright is noticed within ~10 s, not Flink's default 50 s.
heartbeat.interval: 2000
heartbeat.timeout: 10000
EOF
}

# The JVM memory flags and settings of a Flink process from its configured size, as Flink's
# bin/jobmanager.sh and bin/taskmanager.sh get them: BashJavaUtils prints two result lines.
resource_params() {
    local what=$1 log=$2
    "${java_cmd[@]}" org.apache.flink.runtime.util.bash.BashJavaUtils \
        "GET_${what}_RESOURCE_PARAMS" \
        --configDir "$conf" 2>>"$log" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' \
        | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://' | grep . \
        || die "no $what memory settings: see $log"
}

start_jobmanager() {
    local params
    params=$(resource_params JM "$logs/jobmanager.log")
    # shellcheck disable=SC2046  # the flags are words
    launch jobmanager "${java_cmd[@]}" $(sed -n 1p <<<"$params") \
        org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$conf" \
        $(sed -n 2p <<<"$params")
}

start_taskmanager() {
    local n=$1 params
    params=$(resource_params TM "$logs/taskmanager-$n.log")
    # shellcheck disable=SC2046
    launch "taskmanager-$n" "${java_cmd[@]}" $(sed -n 1p <<<"$params") \
        org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$conf" \
        $(sed -n 2p <<<"$params")
}

start_workerpool() {
    # The SDK workers run tuneprep from this checkout with the venv's Python first on PATH: the
    # pool starts each worker as `python -m ...` (another python there and the job hangs).
    launch workerpool env PATH="$(dirname "$python"):$PATH" PYTHONPATH="$repo" \
        "$python" "$here/worker_pool.py" "$BEAM_WORKER_POOL_PORT" "$home"
    wait_port workerpool "$BEAM_WORKER_POOL_PORT"
}

registered_taskmanagers() {
    "$python" - "$FLINK_REST_PORT" <<'EOF' 2>/dev/null || echo 0
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/taskmanagers", timeout=5) as r:
    print(len(json.load(r)["taskmanagers"]))
EOF
}

start() {
    [ -f "$lib/.resolved" ] || die "no classpath at $lib: run make flink first"
    [ -x "$python" ] || die "no Python at $python (set PYTHON)"
    load_ports
    write_conf
    { for v in FLINK_REST_PORT FLINK_RPC_PORT BEAM_JOB_PORT BEAM_ARTIFACT_PORT \
            BEAM_EXPANSION_PORT BEAM_WORKER_POOL_PORT; do echo "$v=${!v}"; done; } >"$ports_file"
    start_jobmanager
    wait_port jobmanager "$FLINK_REST_PORT"
    for n in $(seq 1 $TASKMANAGERS); do start_taskmanager "$n"; done
    launch jobserver "${java_cmd[@]}" -Xmx$JOB_SERVER_HEAP \
        org.apache.beam.runners.flink.FlinkJobServerDriver --job-host 127.0.0.1 \
        --job-port "$BEAM_JOB_PORT" --artifact-port "$BEAM_ARTIFACT_PORT" \
        --expansion-port "$BEAM_EXPANSION_PORT" --artifacts-dir "$tmp/artifacts" \
        --flink-master "127.0.0.1:$FLINK_REST_PORT" --flink-conf-dir "$conf"
    start_workerpool
    wait_port jobserver "$BEAM_JOB_PORT"
    local deadline=$((SECONDS + 90))
    until [ "$(registered_taskmanagers)" -ge "$TASKMANAGERS" ]; do
        [ $SECONDS -lt $deadline ] || die "TaskManagers not registered in 90 s: see $logs/"
        sleep 0.5
    done
    status
}

stop_one() {
    local name=$1 pid i
    alive "$name" || { rm -f "$pids/$name.pid"; return 0; }
    pid=$(cat "$pids/$name.pid")
    # the process leads its own session: signal the group, so its children stop too
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 40); do alive "$name" || break; sleep 0.25; done
    alive "$name" && kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pids/$name.pid"
    echo "stopped $name (pid $pid)"
}

stop() {
    local f
    for f in workerpool jobserver; do stop_one "$f"; done
    for f in "$pids"/taskmanager-*.pid; do [ -e "$f" ] && stop_one "$(basename "$f" .pid)"; done
    stop_one jobmanager
}

status() {
    load_ports
    local f name bad=0
    [ -d "$pids" ] || { echo "not started"; return 1; }
    for f in "$pids"/*.pid; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .pid)
        if alive "$name"; then echo "$name: running (pid $(cat "$f"))"
        else echo "$name: not running (see $logs/$name.log)"; bad=1; fi
    done
    echo "Flink web UI: http://127.0.0.1:$FLINK_REST_PORT"
    echo "tuneprep run ... $(args)"
    return $bad
}

args() {
    load_ports
    echo "--runner PortableRunner --job_endpoint 127.0.0.1:$BEAM_JOB_PORT" \
         "--environment_type EXTERNAL --environment_config 127.0.0.1:$BEAM_WORKER_POOL_PORT" \
         "--parallelism $((TM_SLOTS * TASKMANAGERS))"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    taskmanager) [ -n "${2:-}" ] || die "usage: cluster.sh taskmanager N"; load_ports
                 start_taskmanager "$2"
                 echo "taskmanager-$2 started (pid $(cat "$pids/taskmanager-$2.pid"))" ;;
    workerpool) load_ports; start_workerpool
                echo "workerpool started (pid $(cat "$pids/workerpool.pid"))" ;;
    args) args ;;
    *) die "usage: cluster.sh start|stop|status|taskmanager N|workerpool|args" ;;
esac
