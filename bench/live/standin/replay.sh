#!/bin/bash
# Stand-in worker for `npm run bench:live` (as Kubernetes' hollow nodes stand in for kubelets):
# 500 real Node workers do not fit in the bench machine's memory, so this replays one real
# worker's recorded JSON log (worker-log.tsv: "<ms since start>\t<line>", recorded by
# bench/live/capture-worker-log.ts) at the recorded pace, with the current time in each line.
# The recorded progress section is repeated until STANDIN_SECONDS have passed, then the run
# ends as recorded (last progress, summary) and exits 0. No network, no IMAP: it only writes
# the event stream the controller reads. Arguments (the worker's) are ignored.
set -u
FIXTURE="${STANDIN_FIXTURE:-/standin/worker-log.tsv}"
SECONDS_WANTED="${STANDIN_SECONDS:-300}"
echo '{"level":30,"standin":true,"msg":"stand-in worker (bench/live): replaying a recorded worker log"}'

# Each line split once around its "time" value (pattern substitution per line is slow in bash).
offsets=()
lines=()
before=()
after=()
while IFS=$'\t' read -r offset line; do
  offsets+=("$offset")
  lines+=("$line")
  if [[ $line == *'"time":'* ]]; then
    head=${line%%'"time":'*}
    rest=${line#*'"time":'}
    digits=${rest%%[!0-9]*}
    before+=("$head\"time\":")
    after+=("${rest:${#digits}}")
  else
    before+=("")
    after+=("$line")
  fi
done <"$FIXTURE"
count=${#lines[@]}
first_progress=-1
last_progress=-1
for ((i = 0; i < count; i++)); do
  if [[ ${lines[i]} == *'"event":"progress"'* ]]; then
    ((first_progress < 0)) && first_progress=$i
    last_progress=$i
  fi
done

# Sleep without a fork per line: read with a timeout on a pipe nobody writes to.
exec 3<> <(:)
# No subshells either (a fork per line for 500 pods is what a real worker does not cost).
now_ms() { local t=${EPOCHREALTIME/./}; NOW=${t:0:${#t}-3}; }
now_ms
start=$NOW
shift_ms=0
emit() {
  local target=$((start + shift_ms + offsets[$1])) wait fraction
  now_ms
  wait=$((target - NOW))
  if ((wait > 0)); then
    printf -v fraction '%03d' $((wait % 1000))
    read -r -t "$((wait / 1000)).$fraction" -u 3 || true
    now_ms
  fi
  if [[ -n ${before[$1]} ]]; then printf '%s%s%s\n' "${before[$1]}" "$NOW" "${after[$1]}"; else printf '%s\n' "${after[$1]}"; fi
}

# Head and the recorded progress section (without its last progress line).
end_of_loop=$((last_progress > first_progress ? last_progress : count))
for ((i = 0; i < end_of_loop; i++)); do emit "$i"; done
# Repeat the progress section at its recorded pace until the wanted duration.
if ((first_progress >= 0 && last_progress > first_progress + 1)); then
  period=$((offsets[last_progress - 1] - offsets[first_progress] + 2000))
  while now_ms && ((NOW - start + period < SECONDS_WANTED * 1000)); do
    shift_ms=$((shift_ms + period))
    for ((i = first_progress; i < last_progress; i++)); do emit "$i"; done
  done
fi
# The recorded end of the run: folder ends, last progress, summary.
for ((i = end_of_loop; i < count; i++)); do emit "$i"; done
exit 0
