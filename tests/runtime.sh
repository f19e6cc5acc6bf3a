#!/bin/bash
# The runtime wrapper (TAP): bundle flags, pass-through, exit codes and signals,
# idempotent and atomic rewrites, and its errors. A stub runtime records what it got.
set -u
. "$(dirname "$0")/tap.sh"
wrapper=${OMP_RUNTIME:-$(dirname "$0")/../oci-mountplan-runtime}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


cat >"$work/stub" <<'STUB'
#!/bin/bash
# A runtime that records its arguments and the bundle's config.json, then exits.
trap 'exit 42' TERM
printf '%s\n' "$@" >"$STUB_DIR/args"
echo $$ >"$STUB_DIR/pid"
[ -n "${STUB_SLEEP:-}" ] && { sleep "$STUB_SLEEP" & wait; }
exit "${STUB_EXIT:-0}"
STUB
chmod +x "$work/stub"
export STUB_DIR=$work

new_bundle() {
        B=$work/bundle-$1
        mkdir -p "$B/rootfs"
        cat >"$B/config.json" <<'JSON'
{"ociVersion": "1.0.2", "process": {"args": ["/sbin/init"], "env": ["A=1"]},
 "root": {"path": "rootfs"}, "x-vendor": {"keep": [1, 2.5, "three", null, true]},
 "hooks": {"poststop": [{"path": "/bin/true"}]}, "annotations": {"a": "b"}}
JSON
}

hooks_in() { jq -c '.hooks.createContainer // [] | length' "$1/config.json"; }
ln -s stub "$work/runc"        # runc by name: the wrapper reads arguments as runc does
run() { "$wrapper" --runtime-path "$work/runc" --hook-path /usr/bin/oci-mountplan "$@"; }

# Every way the bundle can be named.
for form in "--bundle DIR" "--bundle=DIR" "-b DIR" "cwd"; do
        new_bundle "${form//[ =]/_}"
        case $form in
        cwd) (cd "$B" && run create c1) ;;
        *) run create ${form//DIR/$B} c1 ;;
        esac
        ok "bundle as $form: hook injected" $([ "$(hooks_in "$B")" = 1 ]; echo $?)
done
# runc's Go flags: one dash, "=".
for form in "-bundle DIR" "-bundle=DIR" "--b=DIR"; do
        new_bundle "${form//[ =]/_}"
        run -root /run/x -log "$work/log" create ${form//DIR/$B} c1
        ok "runc: bundle as $form after -root, -log: hook injected" $([ "$(hooks_in "$B")" = 1 ]; echo $?)
done
# crun's --config FILE and argp forms, with a stub that is called crun.
ln -sf stub "$work/crun"
crun() { "$wrapper" --runtime-path "$work/crun" --hook-path /usr/bin/oci-mountplan "$@"; }
new_bundle crun-config
mv "$B/config.json" "$work/other.json"
crun --root /run/x create --bundle "$B" --config "$work/other.json" c1
ok "crun --config FILE: that file gets the hook" $([ "$(jq -c '.hooks.createContainer | length' "$work/other.json")" = 1 ] && \
        [ ! -e "$B/config.json" ]; echo $?)
cp "$work/other.json" "$B/rel.json"
(cd "$B" && crun create --config=rel.json c1)
ok "crun --config=FILE relative to the working directory" $([ "$(jq -c '.hooks.createContainer | length' "$B/rel.json")" = 1 ]; echo $?)
new_bundle crun-short
crun run -d "-b$B" c1
ok "crun -bDIR: hook injected" $([ "$(hooks_in "$B")" = 1 ]; echo $?)

new_bundle run
run --root /run/x --log "$work/log" --log-format json --systemd-cgroup run --bundle "$B" --detach c2
ok "run with global options: hook injected" $([ "$(hooks_in "$B")" = 1 ]; echo $?)
ok "run with global options: arguments passed unchanged" \
        $([ "$(tr '\n' ' ' <"$work/args")" = "--root /run/x --log $work/log --log-format json --systemd-cgroup run --bundle $B --detach c2 " ]; echo $?) \
        "$(cat "$work/args")"

# Other commands pass through and touch nothing.
new_bundle pass
cp "$B/config.json" "$work/before.json"
(cd "$B" && run --root /x state c1 && run features && run delete --force c1 && run kill c1 KILL)
ok "state, features, delete, kill: config.json untouched" $(cmp -s "$B/config.json" "$work/before.json"; echo $?)
ok "kill: arguments passed unchanged" $([ "$(tr '\n' ' ' <"$work/args")" = "kill c1 KILL " ]; echo $?)

# Idempotent, and what it does not know it keeps.
new_bundle twice
run create --bundle "$B" c && run create --bundle "$B" c
ok "injecting twice adds the hook once" $([ "$(hooks_in "$B")" = 1 ]; echo $?)
ok "unknown fields and other hooks kept" $([ "$(jq -c '."x-vendor", .hooks.poststop, .annotations' "$B/config.json" | tr -d '\n')" = \
        '{"keep":[1,2.5,"three",null,true]}[{"path":"/bin/true"}]{"a":"b"}' ]; echo $?)
jq -e '.hooks.createContainer[0] | .path == "/usr/bin/oci-mountplan" and .args == ["oci-mountplan"] and (.env | length) == 1' \
        "$B/config.json" >/dev/null
ok "default hook: the hook with its plan directories, a minimal env" $?
new_bundle plans
run --plan /p/one.conf --plan=/p/two.conf create --bundle "$B" c
jq -e '.hooks.createContainer[0].args == ["oci-mountplan", "--plan", "/p/one.conf", "--plan", "/p/two.conf"]' "$B/config.json" >/dev/null
ok "--plan: the default hook takes those plans" $?
new_bundle mode
chmod 640 "$B/config.json" && chown 12345:54321 "$B/config.json"
run create --bundle "$B" c
ok "mode and owner kept" $([ "$(stat -c '%a %u %g' "$B/config.json")" = "640 12345 54321" ]; echo $?)
ok "no temporary files left" $([ "$(ls -A "$B")" = "config.json
rootfs" ]; echo $?) "$(ls -A "$B")"

# A hook configuration file, as the Go wrapper's daemon.json used.
cat >"$work/hooks.json" <<'JSON'
{"hooks": {"prestart": [{"path": "/usr/libexec/oci/hooks.d/x", "args": ["x", "-v"], "env": ["A=b"], "timeout": 5}],
           "createContainer": [{"path": "/opt/y"}]}}
JSON
new_bundle hookcfg
"$wrapper" --hook-config-path "$work/hooks.json" --runtime-path "$work/stub" create --bundle "$B" c
jq -e '.hooks.prestart[0].timeout == 5 and .hooks.createContainer[0].path == "/opt/y"' "$B/config.json" >/dev/null
ok "--hook-config-path: its hooks injected" $?
"$wrapper" --hook-config-path="$work/hooks.json" --runtime-path="$work/stub" create --bundle "$B" c
ok "--flag=value forms, and idempotent with a hook config" $([ "$(jq '.hooks.prestart | length' "$B/config.json")" = 1 ]; echo $?)

# The runtime's exit status and signals are its own: the wrapper execs it.
new_bundle exit
STUB_EXIT=3 run create --bundle "$B" c
ok "runtime exits 3: wrapper exits 3" $([ $? = 3 ]; echo $?)
STUB_SLEEP=30 "$wrapper" --runtime-path "$work/stub" state c & wpid=$!
for _ in $(seq 50); do [ -s "$work/pid" ] && [ "$(cat "$work/pid")" = "$wpid" ] && break; sleep 0.1; done
kill -TERM $wpid; wait $wpid; rc=$?
ok "same pid as the runtime, SIGTERM reaches it" $([ "$(cat "$work/pid")" = "$wpid" ] && [ $rc = 42 ]; echo $?) "rc=$rc"
rm -f "$work/pid"

# 20 concurrent starts on one bundle: config.json always whole, the hook there once.
new_bundle concurrent
for i in $(seq 20); do run create --bundle "$B" "c$i" & done
wait
ok "20 concurrent rewrites: valid JSON, hook once, nothing left over" \
        $(jq -e . "$B/config.json" >/dev/null && [ "$(hooks_in "$B")" = 1 ] && [ "$(ls -A "$B" | wc -l)" = 2 ]; echo $?)

# Errors: one clear line, non-zero.
err() {         # err NAME WANT_RC PATTERN -- CMD...
        local name=$1 want=$2 pat=$3 rc
        shift 4
        "$@" >"$work/out" 2>&1
        rc=$?
        ok "$name" $([ $rc = "$want" ] && grep -qE -- "$pat" "$work/out" && [ "$(wc -l <"$work/out")" = 1 ]; echo $?) \
                "rc=$rc: $(cat "$work/out")"
}
new_bundle errors
err "missing runtime: 127 and a clear line" 127 "cannot run the runtime \"/nonexistent/runc\": No such file" -- \
        "$wrapper" --runtime-path /nonexistent/runc create --bundle "$B" c
cp "$B/config.json" "$work/config.before"
err "runtime not on PATH: 127 and a clear line" 127 "cannot run the runtime \"no-such-runc\": not found on PATH" -- \
        "$wrapper" --runtime-path no-such-runc create --bundle "$B" c
ok "a missing runtime leaves config.json as it was" $(cmp -s "$B/config.json" "$work/config.before"; echo $?)
err "runtime not executable: 126" 126 "cannot run the runtime \"$work/config.before\": Permission denied" -- \
        "$wrapper" --runtime-path "$work/config.before" create --bundle "$B" c
env PATH="$work:$PATH" "$wrapper" --runtime-path stub state c-on-path
ok "runtime name looked up on PATH" $(grep -qx c-on-path "$work/args"; echo $?)
err "unreadable hook config" 1 "nope.json: No such file" -- "$wrapper" --hook-config-path "$work/nope.json" \
        --runtime-path "$work/stub" create --bundle "$B" c
echo '{"hooks": {"createContainer": [{"path": "relative"}]}}' >"$work/bad-hooks.json"
err "invalid hook config" 1 "path must be an absolute path" -- "$wrapper" --hook-config-path "$work/bad-hooks.json" \
        --runtime-path "$work/stub" create --bundle "$B" c
echo '{"hooks": {"beforeStart": []}}' >"$work/bad-stage.json"
err "hook config with an unknown stage" 1 "unknown hook stage \"beforeStart\"" -- "$wrapper" \
        --hook-config-path "$work/bad-stage.json" --runtime-path "$work/stub" create --bundle "$B" c
echo '{"hooks": ' >"$work/broken.json"
err "hook config that is not JSON" 1 "broken.json:[0-9]+:[0-9]+: " -- "$wrapper" --hook-config-path "$work/broken.json" \
        --runtime-path "$work/stub" create --bundle "$B" c
err "missing config.json" 1 "nowhere/config.json: No such file" -- run create --bundle "$work/nowhere" c
echo '{"ociVersion": ' >"$B/config.json"
err "invalid config.json" 1 "config.json:[0-9]+:[0-9]+: " -- run create --bundle "$B" c
ok "invalid config.json left as it was" $([ "$(cat "$B/config.json")" = '{"ociVersion": ' ]; echo $?)
err "--hook-config-path without a value" 2 "needs a value" -- "$wrapper" --hook-config-path
new_bundle fifo
rm "$B/config.json" && mkfifo "$B/config.json"
err "a FIFO named config.json: refused at once" 1 "config.json is not a regular file" -- timeout 10 "$wrapper" --runtime-path "$work/runc" create --bundle "$B" c
new_bundle symlink
mv "$B/config.json" "$B/real.json" && ln -s real.json "$B/config.json"
err "a symlink named config.json: refused" 1 "config.json is a symbolic link" -- run create --bundle "$B" c
ok "the symlink's target untouched" $([ "$(jq -c '.hooks.createContainer // [] | length' "$B/real.json")" = 0 ]; echo $?)
new_bundle dir
rm "$B/config.json" && mkdir "$B/config.json"
err "a directory named config.json: refused" 1 "config.json is not a regular file" -- run create --bundle "$B" c
mkdir -p "$work/nl
bundle"
err "a newline in the bundle's name: still one line" 1 "nl\\\\nbundle/config.json: No such file" -- run create --bundle "$work/nl
bundle" c
err "youki -bundle DIR: refused, not guessed" 2 "cannot tell which bundle" -- \
        "$wrapper" --runtime-path "$work/stub" create -bundle "$B" c
run --log "$work/runtime.log" --log-format json create --bundle "$work/nowhere" c 2>/dev/null
jq -e 'select(.level == "error") | .msg | test("config.json")' "$work/runtime.log" >/dev/null
ok "errors also go to the runtime's --log, in its json format" $?

# --help and --version after the wrapper's options are its own; --version then runs
# the runtime's (dockerd reads the runtime's version from the last "version" line).
rm -f "$work/args"
run --help >"$work/help" 2>&1
rc=$?
ok "--help: the wrapper's usage, exit 0, the runtime not run" \
        $([ $rc = 0 ] && grep -q '^Usage: oci-mountplan-runtime' "$work/help" && [ ! -e "$work/args" ]; echo $?)
run --version >"$work/version" 2>&1
ok "--version: the wrapper's line first, then the runtime runs with --version" \
        $(grep -qx 'oci-mountplan-runtime [0-9][0-9.]*' <(head -n 1 "$work/version") &&
          [ "$(cat "$work/args")" = --version ]; echo $?) "$(cat "$work/version")"
rm -f "$work/args"
run -- --help >/dev/null 2>&1
ok "-- --help: the runtime's" $([ "$(cat "$work/args" 2>/dev/null)" = --help ]; echo $?)

tap_done
