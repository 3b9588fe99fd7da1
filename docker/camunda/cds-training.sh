#!/bin/sh
# Writes the class-data-sharing archive that cuts the engine's start-up by about a third: one start on a
# throwaway H2 database that exits as soon as the Spring context is refreshed. The archive only fits the
# JVM that wrote it, so the Dockerfile runs this in the runtime image and the local build on the local JVM.
# Usage: cds-training.sh APP_DIR   (APP_DIR holds the extracted camunda-engine.jar and its lib/)
set -eu
app_dir="$(cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! (cd "$work" && PORT=0 BIND_ADDRESS=127.0.0.1 H2_FILE="$work/training" \
    java -XX:ArchiveClassesAtExit="$app_dir/engine.jsa" -Dspring.context.exit=onRefresh \
    -jar "$app_dir/camunda-engine.jar" >"$work/training.log" 2>&1); then
  echo "cds-training: the training run failed:" >&2
  tail -n 20 "$work/training.log" >&2
  exit 1
fi
