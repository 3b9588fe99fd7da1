#!/usr/bin/env bash
# Builds the engine jar (docker/camunda) with Maven, unless nothing it is built from has changed since
# the last build. The Dockerfile runs the same Maven command, so this local build proves it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engine="$root/docker/camunda"
jar="$engine/target/camunda-engine.jar"
stamp="$root/.local/engine-built"
mkdir -p "$root/.local"

# Everything that goes into the jar: the Maven project and the BPMN files it packages.
sources_sum="$(cd "$root" && find docker/camunda/pom.xml docker/camunda/src bpmn -type f -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"

if [ -f "$jar" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sources_sum" ] && [ "${1:-}" != "--force" ]; then
  echo "engine: $jar is up to date"
  exit 0
fi

command -v mvn >/dev/null || { echo "engine: Maven (mvn) is not installed; install it (apt-get install maven) and JDK 17 or newer" >&2; exit 1; }
echo "engine: building $jar with Maven"
mvn --batch-mode --quiet --file "$engine/pom.xml" package -DskipTests
echo "$sources_sum" >"$stamp"
echo "engine: built $jar"
