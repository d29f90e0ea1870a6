# Sourced by bin/test, ./cairn and bench/run: sets JAVA_HOME to a JDK >= 21.
# Order: $JAVA_HOME if it is >= 21, then any /usr/lib/jvm/* that is, newest first.
cairn_java_version() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
cairn_find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(cairn_java_version "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    return 0
  fi
  local candidate
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    if [ -x "$candidate/bin/javac" ] && [ "$(cairn_java_version "$candidate")" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME=$candidate
      return 0
    fi
  done
  echo "cairn: no JDK 21 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "cairn: install one (e.g. Temurin 21+ under /usr/lib/jvm) or set JAVA_HOME to it." >&2
  return 1
}

# JVM flags that quiet JDK 24+ warnings about Unsafe and native access (harmless, noisy).
cairn_quiet_jvm_flags() {
  local v; v=$(cairn_java_version "$JAVA_HOME")
  if [ "${v:-0}" -ge 24 ] 2>/dev/null; then echo "--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"; else echo "--enable-native-access=ALL-UNNAMED"; fi
}
