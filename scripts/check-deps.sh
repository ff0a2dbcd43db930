#!/usr/bin/env bash
# Fails when a test, example, benchmark or script calls a program that scripts/install-deps.sh
# does not install: on a fresh Debian (only the Essential and `required` packages, as in a
# minimal debootstrap or the debian:bookworm image) that program would be missing.
#
# How: every word that could be a command is collected from the string literals of the C++
# tests and benchmarks (tests/system, src/*/*_test.cc, bench/*.cc, tools/) and from the text of
# the shell scripts and Annealfiles (examples/, bench/, scripts/, tests/fakes/), comments left
# out. A word that names a program in /usr/bin, /usr/sbin, /bin or /sbin on this machine (or an
# absolute path to one) is mapped to its Debian package with `dpkg -S`; that package must be in
# install-deps.sh's list or be Essential or of priority `required`. A program this machine does
# not have cannot be checked here: the tests that call it fail here instead.
# Usage: scripts/check-deps.sh [-v]   (-v: print every program found and its package)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
verbose=${1:-}
cd "$top"
if [ ! -d /var/lib/dpkg/info ]; then
  echo "check-deps: not a Debian machine (no dpkg database): skipped" >&2
  exit 77
fi

# Words that are programs on some machines but that these files use as plain words at the
# start of a string or in awk/sed text (test names, JSON keys and values, awk variables): not
# calls. `systemctl` is called by install-deps.sh only where systemd runs.
not_calls=" as assistant file init less make node open size strings systemctl w "

mapfile -t listed < <("$top/scripts/install-deps.sh" --list)
declare -A in_list=()
for p in "${listed[@]}"; do in_list[$p]=1; done

# "FILE<TAB>WORD" for every word in command position (the first word of a pipeline element, a
# `$(…)`, a list, a `run:`/`parse:` value, after assignments and `exec`/`env`/`sudo`/…) of
# every file.
words() {
  {
    # C++: what is inside string literals (plain and raw), comments skipped.
    find tests/system src tools bench \( -name '*.cc' -o -name '*.h' \) | while read -r f; do
      case $f in src/*) [[ $f == *_test.cc ]] || continue ;; esac
      echo "cc $f"
    done
    # Scripts and Annealfiles: all of their text.
    find examples bench scripts tests/fakes -type f ! -name '*.md' ! -name '*.txt' ! -name '*.cc' \
      ! -name '*.json' ! -name '*.jsonl' ! -name check-deps.sh | sed 's/^/sh /'
  } | sort -k2 | perl -ne '
    chomp; my ($kind, $f) = split / /, $_, 2;
    open my $in, "<", $f or die "$f: $!"; local $/; my $text = <$in>; close $in;
    my @chunks;
    if ($kind eq "cc") {
      while ($text =~ /\G(?:R"([^(\s]*)\((.*?)\)\1"|"((?:[^"\\\n]|\\.)*)"|\x27(?:[^\x27\\\n]|\\.)*\x27|\/\/[^\n]*|\/\*.*?\*\/|.)/gs) {
        my $s = defined $2 ? $2 : $3;
        next unless defined $s;
        $s =~ s/\\n/\n/g; $s =~ s/\\"/"/g;
        push @chunks, $s;
      }
    } else {
      push @chunks, $text;
    }
    my $prefix = qr/(?:[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|\x27[^\x27]*\x27|\S*)\s+|(?:exec|env|command|sudo|\$sudo|nohup|xargs|if|while|until|then|do|else|elif|!|time|timeout\s+\S+)\s+)*/;
    for my $s (@chunks) {
      $s =~ s/(^|\s)#(?!!).*//mg;  # comments
      $s =~ s/\brun:\s*["\x27]?|\bparse:\s*["\x27]?/\n/g;  # Annealfile commands
      for my $seg (split /\n|\|\|?|&&?|;|\$\(|`|\(|\{|\bthen\b|\bdo\b|\belse\b/, $s) {
        print "$f\t$1\n" if $seg =~ /^\s*$prefix((?:\/[A-Za-z0-9_.+-]+)+|[A-Za-z][A-Za-z0-9_.+-]*)(?:\s|$)/;
      }
    }'
}

# The packages that own each program: "PATH<TAB>PACKAGE", from dpkg's file lists in one pass
# (merged /usr: a program may be listed under /bin or /usr/bin).
owners() {
  local p real
  for p in "$@"; do
    real=$(readlink -f "$p")
    printf '%s\n' "$p" "$real" "/usr${p#/usr}" "${p/#\/usr\//\/}" "/usr${real#/usr}" "${real/#\/usr\//\/}"
  done | sort -u >"$tmp/paths"
  grep -H -x -F -f "$tmp/paths" /var/lib/dpkg/info/*.list | sed 's|^/var/lib/dpkg/info/\([^:]*\)\(:[^.]*\)\?\.list:|\1\t|'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A seen=() first_use=()
while IFS=$'\t' read -r file word; do
  [ -n "$word" ] || continue
  [[ $not_calls == *" $word "* ]] && continue
  [ -n "${seen[$word]:-}" ] && continue
  seen[$word]=1
  # Shell builtins and keywords (kill, time, test, echo…) run without a program.
  case $(type -t "$word" 2>/dev/null) in builtin|keyword) continue ;; esac
  if [[ $word == /* ]]; then
    case $word in /usr/bin/*|/usr/sbin/*|/bin/*|/sbin/*) ;; *) continue ;; esac
    [ -f "$word" ] && [ -x "$word" ] || continue
    path=$word
  else
    path=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin type -P "$word" 2>/dev/null) || continue
  fi
  first_use[$path]=${first_use[$path]:-$file}
done < <(words)

declare -A owner_of=()
while IFS=$'\t' read -r pkg owned; do owner_of[$owned]=${owner_of[$owned]:-$pkg}; done < <(owners "${!first_use[@]}")
# "PACKAGE<TAB>yes" for the Essential and `required` packages.
declare -A base=()
while IFS=$'\t' read -r pkg; do base[$pkg]=1; done < <(awk '
  /^Package: / { p = $2 } /^Essential: yes/ { e = 1 } /^Priority: required/ { e = 1 }
  /^$/ { if (e) print p; e = 0 } END { if (e) print p }' /var/lib/dpkg/status)

package_of() {
  local path=$1 real candidate
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "/usr${path#/usr}" "${path/#\/usr\//\/}" "/usr${real#/usr}" "${real/#\/usr\//\/}"; do
    if [ -n "${owner_of[$candidate]:-}" ]; then echo "${owner_of[$candidate]}"; return; fi
  done
}

failures=0
for path in $(printf '%s\n' "${!first_use[@]}" | sort); do
  pkg=$(package_of "$path")
  if [ -z "$pkg" ]; then
    echo "check-deps: ${first_use[$path]} calls $path, which no Debian package installs" >&2
    failures=$((failures + 1))
    continue
  fi
  why=""
  if [ -n "${in_list[$pkg]:-}" ]; then
    why="listed"
  elif [ -n "${base[$pkg]:-}" ]; then
    why="base"
  fi
  if [ -z "$why" ]; then
    echo "check-deps: ${first_use[$path]} calls $(basename "$path") (Debian package $pkg), which scripts/install-deps.sh does not install" >&2
    failures=$((failures + 1))
  elif [ "$verbose" = -v ]; then
    printf '%-28s %-22s %-9s %s\n' "$path" "$pkg" "$why" "${first_use[$path]}"
  fi
done
if [ "$failures" -gt 0 ]; then
  echo "check-deps: add the package(s) to scripts/install-deps.sh" >&2
  exit 1
fi
echo "check-deps: every program the tests, examples, benchmarks and scripts call is installed by scripts/install-deps.sh"
