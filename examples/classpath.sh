#!/usr/bin/env bash
# Prints the classpath of the built project (target/torchsd.jar and its libraries), for jshell.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
printf '%s' "$ROOT/target/torchsd.jar"
for jar in "$ROOT"/target/lib/*.jar; do printf ':%s' "$jar"; done
echo
