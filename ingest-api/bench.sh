#!/usr/bin/env bash
# Load harness for ingest-api (see src/test/java/io/datapost/ingest/bench/IngestBench.java).
# Builds the module's test classpath once, then runs the harness in its own JVM; by default the harness starts
# a KRaft broker and ingest-api (bench profile) in two more JVMs and stops them at the end.
#   ingest-api/bench.sh [--connections 64] [--warmup 10s] [--duration 20s] [--rate 5000]
#   ingest-api/bench.sh --url http://127.0.0.1:8080 --partner demo-partner:demo-key-1 --event-type insurance-quote
set -euo pipefail
cd "$(dirname "$0")/.."
# from the repo root with -am, so that schemas comes from the reactor (nothing needs to be installed first)
mvn -B -q -pl ingest-api -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
cd ingest-api
exec java -Xms256m -Xmx256m -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.datapost.ingest.bench.IngestBench "$@"
