#!/usr/bin/env bash
# MISRA C:2012 check of the OS-agnostic Earlydata core: cppcheck's misra
# addon (Debian 12: cppcheck 2.10) on driver/core/*.c and the headers they
# include, as the user-space (freestanding) build compiles them. Each
# finding gets its rule's category; findings covered by the deviation list
# docs/misra-deviations.txt are accepted, any other one is printed as
# "file:line: rule (category): source line" and the script fails.
# docs/misra.md describes the check, the deviations and their reasons.
#
#	scripts/misra.sh [--list] [--strict]
#
#	--list		print every finding: file:line, rule, category, and
#			the deviation covering it (or NEW)
#	--strict	also fail on deviation entries that cover nothing
#
# Exit status: 0 clean, 1 findings not covered (or --strict and stale
# entries), 2 cppcheck missing or not able to analyse the sources.
set -euo pipefail
cd "$(dirname "$0")/.."

list=0
strict=0
for a in "$@"; do
	case $a in
	--list) list=1 ;;
	--strict) strict=1 ;;
	*) echo "usage: $0 [--list] [--strict]" >&2; exit 2 ;;
	esac
done

if ! command -v cppcheck >/dev/null || ! command -v python3 >/dev/null; then
	echo "misra: cppcheck (and python3) needed: apt-get install cppcheck" >&2
	exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The configuration of the user-space build of the core (-ffreestanding,
# GCC or Clang on a 64-bit target): the fixed-width types nktypes.h takes
# from the compiler's predefined macros, the x86-64 CRC path (the portable
# one is compiled on every target too), and neither the kernel branch of
# ed_port.h nor the ThreadSanitizer, test-hook or C++ variants. The gnu
# library tells cppcheck what the __builtin_* functions return. Every -D
# makes cppcheck check this one configuration only. Nothing is suppressed:
# accepted findings are in docs/misra-deviations.txt.
start=$(date +%s.%N)
cppcheck --addon=misra --library=gnu --std=c11 --language=c \
	--platform=unix64 --quiet --cppcheck-build-dir="$work" \
	-Iinclude -Idriver/core \
	'-D__UINT8_TYPE__=unsigned char' '-D__UINT16_TYPE__=unsigned short' \
	'-D__UINT32_TYPE__=unsigned int' '-D__UINT64_TYPE__=unsigned long' \
	-D__x86_64__=1 -DED_CRC_FOLD -U__KERNEL__ -U__SANITIZE_THREAD__ -UED_TSAN \
	-UED_TEST_HOOKS -U__cplusplus \
	--template='{file}:{line}:{column}:{id}:{message}' \
	driver/core/*.c 2>"$work/findings" >"$work/log" || {
	cat "$work/log" "$work/findings" >&2
	echo "misra: cppcheck failed" >&2
	exit 2
}
end=$(date +%s.%N)

exec python3 - "$work/findings" docs/misra-deviations.txt docs/misra.md \
	"$list" "$strict" "$start" "$end" <<'EOF'
import collections
import fnmatch
import re
import shlex
import sys

findings_path, dev_path, doc_path, list_all, strict, t0, t1 = sys.argv[1:]

# MISRA C:2012 (first edition, with TC1) category of every rule the
# cppcheck 2.10 misra addon checks: M mandatory, R required, A advisory.
# Rules added by Amendments 1 and 2 that the addon also checks come last.
# A rule missing here counts as required.
CATEGORY = {
    '1.1': 'R', '1.2': 'A', '1.3': 'R',
    '2.1': 'R', '2.2': 'R', '2.3': 'A', '2.4': 'A', '2.5': 'A', '2.6': 'A',
    '2.7': 'A',
    '3.1': 'R', '3.2': 'R',
    '4.1': 'R', '4.2': 'A',
    '5.1': 'R', '5.2': 'R', '5.3': 'R', '5.4': 'R', '5.5': 'R', '5.6': 'R',
    '5.7': 'R', '5.8': 'R', '5.9': 'A',
    '6.1': 'R', '6.2': 'R',
    '7.1': 'R', '7.2': 'R', '7.3': 'R', '7.4': 'R',
    '8.1': 'R', '8.2': 'R', '8.3': 'R', '8.4': 'R', '8.5': 'R', '8.6': 'R',
    '8.7': 'A', '8.8': 'R', '8.9': 'A', '8.10': 'R', '8.11': 'A',
    '8.12': 'R', '8.13': 'A', '8.14': 'R',
    '9.1': 'M', '9.2': 'R', '9.3': 'R', '9.4': 'R', '9.5': 'R',
    '10.1': 'R', '10.2': 'R', '10.3': 'R', '10.4': 'R', '10.5': 'A',
    '10.6': 'R', '10.7': 'R', '10.8': 'R',
    '11.1': 'R', '11.2': 'R', '11.3': 'R', '11.4': 'A', '11.5': 'A',
    '11.6': 'R', '11.7': 'R', '11.8': 'R', '11.9': 'R',
    '12.1': 'A', '12.2': 'R', '12.3': 'A', '12.4': 'A',
    '13.1': 'R', '13.2': 'R', '13.3': 'A', '13.4': 'A', '13.5': 'R',
    '13.6': 'M',
    '14.1': 'R', '14.2': 'R', '14.3': 'R', '14.4': 'R',
    '15.1': 'A', '15.2': 'R', '15.3': 'R', '15.4': 'A', '15.5': 'A',
    '15.6': 'R', '15.7': 'R',
    '16.1': 'R', '16.2': 'R', '16.3': 'R', '16.4': 'R', '16.5': 'R',
    '16.6': 'R', '16.7': 'R',
    '17.1': 'R', '17.2': 'R', '17.3': 'M', '17.4': 'M', '17.5': 'A',
    '17.6': 'M', '17.7': 'R', '17.8': 'A',
    '18.1': 'R', '18.2': 'R', '18.3': 'R', '18.4': 'A', '18.5': 'A',
    '18.6': 'R', '18.7': 'R', '18.8': 'R',
    '19.1': 'M', '19.2': 'A',
    '20.1': 'A', '20.2': 'R', '20.3': 'R', '20.4': 'R', '20.5': 'A',
    '20.6': 'R', '20.7': 'R', '20.8': 'R', '20.9': 'R', '20.10': 'A',
    '20.11': 'R', '20.12': 'R', '20.13': 'R', '20.14': 'R',
    '21.1': 'R', '21.2': 'R', '21.3': 'R', '21.4': 'R', '21.5': 'R',
    '21.6': 'R', '21.7': 'R', '21.8': 'R', '21.9': 'R', '21.10': 'R',
    '21.11': 'R', '21.12': 'A',
    '22.1': 'R', '22.2': 'M', '22.3': 'R', '22.4': 'M', '22.5': 'M',
    '22.6': 'M',
    # Amendment 1 (2016)
    '12.5': 'M', '21.13': 'M', '21.14': 'R', '21.15': 'R', '21.16': 'R',
    '21.17': 'M', '21.18': 'M', '21.19': 'M', '21.20': 'M',
    '22.7': 'R', '22.8': 'R', '22.9': 'R', '22.10': 'R',
    # Amendment 2 (2020)
    '1.4': 'R', '21.21': 'R',
}
NAMES = {'M': 'mandatory', 'R': 'required', 'A': 'advisory',
         'T': 'tool'}


def rule_key(r):
    return tuple(int(x) if x.isdigit() else 0 for x in r.split('.'))


sources = {}


def source(path):
    if path not in sources:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                sources[path] = f.read().split('\n')
        except OSError:
            sources[path] = []
    return sources[path]


def text_at(path, line):
    lines = source(path)
    if 1 <= line <= len(lines):
        return ' '.join(lines[line - 1].split())
    return ''


CALL = re.compile(r'([A-Za-z_]\w*)\s*\(')


def function_at(path, line):
    """The function whose definition contains `line` (kernel style: the
    signature starts in column 0, the body's braces stand in column 0)."""
    lines = source(path)
    i = line - 1
    if not 0 <= i < len(lines):
        return None
    cur = lines[i]
    if cur[:1] not in ('', ' ', '\t', '{', '}', '#', '/') and '(' in cur:
        m = CALL.search(cur)  # on the signature itself
        return m.group(1) if m else None
    for j in range(i, -1, -1):
        s = lines[j]
        if s.startswith('}') and j != i:
            return None
        if s.startswith('{'):
            k = j - 1
            while k > 0 and lines[k][:1] in (' ', '\t'):
                k -= 1
            m = CALL.search(' '.join(lines[k:j]))
            return m.group(1) if m else None
    return None


# Findings: file:line:column:id:message, one each.
LINE = re.compile(r'^(.+?):(\d+):(\d+):([A-Za-z0-9_.-]+):(.*)$')
found = {}
with open(findings_path, encoding='utf-8', errors='replace') as f:
    for raw in f:
        m = LINE.match(raw.rstrip('\n'))
        if not m:
            continue
        path, line, col, ident, msg = m.groups()
        if path.startswith('./'):
            path = path[2:]
        if ident.startswith('misra-c2012-'):
            rule = ident[len('misra-c2012-'):]
            cat = CATEGORY.get(rule, 'R')
        else:
            # cppcheck itself (misra-config, syntaxError, an error found
            # by its own checks): never accepted by a deviation.
            rule, cat = ident, 'T'
        key = (path, int(line), int(col), rule)
        found[key] = (cat, msg.strip())

# Deviations: RULE FILE MATCH ID, shell-quoted.
devs = []
with open(dev_path, encoding='utf-8') as f:
    for n, raw in enumerate(f, 1):
        s = raw.strip()
        if not s or s.startswith('#'):
            continue
        try:
            parts = shlex.split(s)
        except ValueError as e:
            sys.exit(f'{dev_path}:{n}: {e}')
        if len(parts) != 4:
            sys.exit(f'{dev_path}:{n}: expected RULE FILE MATCH ID')
        devs.append({'rule': parts[0], 'file': parts[1],
                     'match': parts[2], 'id': parts[3], 'line': n,
                     'used': 0})

with open(doc_path, encoding='utf-8') as f:
    doc = f.read()
documented = set(re.findall(r'^\|\s*(D\d+)\s*\|', doc, re.M))
bad = sorted({d['id'] for d in devs} - documented)
if bad:
    sys.exit(f'misra: deviation ids not in the table of {doc_path}: '
             + ' '.join(bad))


def covering(path, line, rule):
    for d in devs:
        if d['rule'] != rule or not fnmatch.fnmatchcase(path, d['file']):
            continue
        mt = d['match']
        if mt == '*':
            return d
        if mt.startswith('fn:'):
            if function_at(path, line) == mt[3:]:
                return d
        elif ' '.join(mt.split()) in text_at(path, line):
            return d
    return None


per_rule = collections.defaultdict(lambda: [0, 0, 0])  # findings, dev, new
per_cat = collections.defaultdict(lambda: [0, 0, 0])
new = []
for key in sorted(found, key=lambda k: (k[0], k[1], k[2], rule_key(k[3]))):
    path, line, col, rule = key
    cat, msg = found[key]
    d = covering(path, line, rule) if cat != 'T' else None
    per_rule[rule][0] += 1
    per_cat[cat][0] += 1
    if d:
        d['used'] += 1
        per_rule[rule][1] += 1
        per_cat[cat][1] += 1
    else:
        per_rule[rule][2] += 1
        per_cat[cat][2] += 1
        new.append(key)
    if list_all == '1':
        name = 'misra-c2012-' + rule if cat != 'T' else rule
        print(f'{path}:{line}: {name} ({NAMES[cat]}) '
              f'[{d["id"] if d else "NEW"}] {text_at(path, line)}')

if new:
    print('misra: findings not covered by docs/misra-deviations.txt:')
    for path, line, col, rule in new:
        cat, msg = found[(path, line, col, rule)]
        name = 'misra-c2012-' + rule if cat != 'T' else rule
        extra = f' [{msg}]' if cat == 'T' else ''
        print(f'{path}:{line}: {name} ({NAMES[cat]}): '
              f'{text_at(path, line)}{extra}')

stale = [d for d in devs if not d['used']]
for d in stale:
    print(f'misra: {dev_path}:{d["line"]}: deviation {d["rule"]} '
          f'{d["file"]} {d["match"]!r} covers no finding')

print('misra: rule     category   findings deviated new')
for rule in sorted(per_rule, key=rule_key):
    n, dv, nw = per_rule[rule]
    cat = CATEGORY.get(rule, 'R') if rule[0].isdigit() else 'T'
    print(f'misra: {rule:<8} {NAMES[cat]:<10} {n:8} {dv:8} {nw:3}')
tot = [0, 0, 0]
for cat in 'MRAT':
    if cat == 'T' and not per_cat[cat][0]:
        continue
    n, dv, nw = per_cat[cat]
    tot = [tot[0] + n, tot[1] + dv, tot[2] + nw]
    print(f'misra: {NAMES[cat]:<19} {n:8} {dv:8} {nw:3}')
print(f'misra: {"total":<19} {tot[0]:8} {tot[1]:8} {tot[2]:3}'
      f'   ({float(t1) - float(t0):.1f} s)')
if new or (strict == '1' and stale):
    sys.exit(1)
EOF
