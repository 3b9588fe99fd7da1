#!/usr/bin/env bash
# Builds the engine (docker/camunda) unless nothing it is built from has changed since the last build:
#   1. the jar, with Maven (docker/camunda/target/camunda-engine.jar), after the JUnit tests of its settings;
#   2. the jar extracted for fast start-up (target/app), with its class-data-sharing archive.
# The Dockerfile runs the same commands, so this local build proves them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engine="$root/docker/camunda"
app="$engine/target/app"
stamp="$root/.local/engine-built"
mkdir -p "$root/.local"

# Everything that goes into the build: the Maven project with its main and test sources (src/), the
# settings catalogue the tests read, its scripts and the BPMN files it packages.
sources_sum="$(cd "$root" && find docker/camunda/pom.xml docker/camunda/src docker/camunda/engine-settings.json \
  docker/camunda/cds-training.sh bpmn -type f -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"

if [ -f "$app/engine.jsa" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sources_sum" ] && [ "${1:-}" != "--force" ]; then
  echo "engine: up to date ($app)"
  exit 0
fi

command -v mvn >/dev/null || { echo "engine: Maven (mvn) is not installed; install it (apt-get install maven) and JDK 17 or newer" >&2; exit 1; }
echo "engine: building with Maven (with its tests)"
# Quiet: nothing on success; a failing test still prints its assertion and the summary (Maven's errors).
mvn --batch-mode --quiet --file "$engine/pom.xml" package
rm -rf "$app"
java -Djarmode=tools -jar "$engine/target/camunda-engine.jar" extract --destination "$app"
echo "engine: writing the class-data-sharing archive"
sh "$engine/cds-training.sh" "$app"
echo "$sources_sum" >"$stamp"
echo "engine: built $app"
