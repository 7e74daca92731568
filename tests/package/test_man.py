#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The man pages (docs/man/*.scd) against what they describe.

	test_man.py BUILD_DIR SOURCE_DIR

- each tool's long options (its getopt tables), its --help text and the
  SYNOPSIS and OPTIONS of its man page name the same options, and each
  option is in the tool's docs page(s) (or listed, while it is not, in
  tests/package/undocumented.txt);
- nkddi(3) names every nkops member of include/nk/*.h and every nkddi_*
  function of include/nkddi/*.h;
- earlydata(4) names every ioctl of ed_chardev.h, every sysfs attribute
  of driver/kernel/ed_ksysfs.c and every module parameter;
- nkhv-dts(5) names every property, Earlydata info key and rule of
  docs/device-tree.md and docs/earlydata-channels.md, and nothing else as
  a rule.
Every mismatch is printed; the exit status is 1 if there was one.
"""
import glob
import os
import re
import subprocess
import sys

build, src = sys.argv[1], sys.argv[2]
failures = []

# tool: (binary in the build tree, sources with its option tables, man
# page, docs pages)
TOOLS = {
    'nkhv': ('hv/nkhv', ['hv/main.c'], 'nkhv.8', ['docs/nkhv.md']),
    'vlinkctl': ('tools/vlinkctl/vlinkctl', ['tools/vlinkctl/*.c'],
                 'vlinkctl.8', ['docs/vlinkctl.md']),
    'earlydata': ('tools/earlydata/earlydata', ['tools/earlydata/*.c'],
                  'earlydata.1', ['docs/earlydata-*.md']),
    'edcat': ('tools/edcat/edcat', ['tools/edcat/*.c'], 'edcat.1',
              ['docs/earlydata-*.md']),
}
# Documented in the man pages and README's Install section only.
GENERIC = {'--help', '--version'}
OPT_RE = re.compile(r'(?<![\w-])--[a-z][a-z0-9-]*')


def read(path):
    with open(os.path.join(src, path), encoding='utf-8') as f:
        return f.read()


def files(patterns):
    out = []
    for p in patterns:
        out += sorted(glob.glob(os.path.join(src, p)))
    return out


def man_text(page):
    """A man page's source with scdoc's escapes removed."""
    return read(f'docs/man/{page}.scd').replace('\\', '')


def sections(text, names):
    """The text of the '# NAME' sections named."""
    out, keep = [], False
    for line in text.splitlines():
        if line.startswith('# '):
            keep = line[2:].strip() in names
        elif keep:
            out.append(line)
    return '\n'.join(out)


def expect(cond, msg):
    if not cond:
        failures.append(msg)


def same(what, a_name, a, b_name, b):
    for x in sorted(a - b):
        failures.append(f'{what}: {x} is in {a_name}, not in {b_name}')
    for x in sorted(b - a):
        failures.append(f'{what}: {x} is in {b_name}, not in {a_name}')


# Options the docs do not describe yet, each listed with its tool.
PENDING = set()
for line in read('tests/package/undocumented.txt').splitlines():
    if line.strip() and not line.startswith('#'):
        PENDING.add(tuple(line.split()))

# Tools: getopt tables, --help, man page, docs.
table_re = re.compile(
    r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(?:no|required|optional)_argument')
for tool, (binary, srcs, page, docs) in TOOLS.items():
    code = set()
    for f in files(srcs):
        with open(f, encoding='utf-8') as fh:
            code |= {'--' + m for m in table_re.findall(fh.read())}
    expect(code, f'{tool}: no getopt option table found in {srcs}')
    man = set(OPT_RE.findall(sections(man_text(page), {'SYNOPSIS',
                                                       'OPTIONS'})))
    same(tool, f'the option tables of {" ".join(srcs)}', code,
         f'docs/man/{page}.scd', man)
    run = subprocess.run([os.path.join(build, binary), '--help'],
                         capture_output=True, text=True, timeout=10)
    helped = set(OPT_RE.findall(run.stdout + run.stderr))
    for x in sorted(helped - code):
        failures.append(f'{tool} --help names {x}, which it does not take')
    for x in sorted(code - helped - {'--help'}):
        failures.append(f'{tool} --help does not mention {x}')
    doc_files = files(docs)
    doc = ''.join(open(f, encoding='utf-8').read() for f in doc_files)
    for x in sorted(code - GENERIC):
        documented = x in OPT_RE.findall(doc)
        if not documented and (tool, x) not in PENDING:
            failures.append(f'{tool}: {x} is in no docs page of '
                            f'{" ".join(docs)}')
        if documented and (tool, x) in PENDING:
            failures.append(f'{tool}: {x} is documented now: delete it '
                            'from tests/package/undocumented.txt')

# nkddi(3): the nkops table and the libnkddi extensions.
man = man_text('nkddi.3')
for h in files(['include/nk/*.h']):
    text = open(h, encoding='utf-8').read()
    m = re.search(r'typedef struct NkDevOps \{(.*?)\} NkDevOps;', text, re.S)
    if not m:
        continue
    body = m.group(1)
    members = set(re.findall(r'\(\s*\*\s*(nk_\w+)\s*\)', body))
    members |= set(re.findall(r'^\s*\w+\s+(nk_\w+)\s*;', body, re.M))
    for x in sorted(members):
        expect(x in man, f'nkops member {x} ({os.path.relpath(h, src)}) '
               'is not in docs/man/nkddi.3.scd')
for h in files(['include/nkddi/*.h']):
    text = open(h, encoding='utf-8').read()
    for x in sorted(set(re.findall(r'\b(nkddi_\w+)\s*\(', text))):
        expect(x in man, f'{x} ({os.path.relpath(h, src)}) is not in '
               'docs/man/nkddi.3.scd')

# earlydata(4): ioctls, sysfs attributes, module parameters.
man = man_text('earlydata.4')
for x in sorted(set(re.findall(r'#define (ED_CHR_IOC_\w+)\s+_IO',
                               read('include/earlydata/ed_chardev.h')))):
    expect(x in man, f'ioctl {x} is not in docs/man/earlydata.4.scd')
sysfs = read('driver/kernel/ed_ksysfs.c')
attrs = set(re.findall(r'DEVICE_ATTR_R[OW]\((\w+)\)', sysfs))
stats = set(re.findall(r'^EDK_STAT\((\w+),', sysfs, re.M))
group = 'stats/' if '.name = "stats"' in sysfs else ''
plain = {a for a in attrs if re.search(
    r'&dev_attr_%s\.attr,' % a, sysfs.split('.name = "stats"')[0])}
for a in sorted(attrs | stats):
    name = a if a in plain and a not in stats else group + a
    if a in plain and a in attrs and a not in stats and \
       not re.search(r'\b%s\b' % re.escape(name), man):
        failures.append(f'sysfs attribute {name} is not in '
                        'docs/man/earlydata.4.scd')
    elif a not in plain and not re.search(
            r'(?<![\w/])%s\b' % re.escape(group + a), man):
        failures.append(f'sysfs attribute {group + a} is not in '
                        'docs/man/earlydata.4.scd')
for f in files(['driver/kernel/*.c', 'guest/linux/*.c']):
    text = open(f, encoding='utf-8').read()
    params = re.findall(r'module_param\((\w+),', text)
    params += re.findall(r'module_param_(?:named|cb)\((\w+),', text)
    for p in params:
        expect(p in man, f'module parameter {p} '
               f'({os.path.relpath(f, src)}) is not in '
               'docs/man/earlydata.4.scd')

# nkhv-dts(5) against docs/device-tree.md and the channel keys.
man = man_text('nkhv-dts.5')
dt = read('docs/device-tree.md')
props = set()
for heading in ('### Root node', '### VM node', '### vlink end-point node'):
    part = dt.split(heading, 1)[1].split('\n#', 1)[0]
    props |= set(re.findall(r'^\| `([a-z][a-z0-9,-]*)`', part, re.M))
    props |= set(re.findall(r'^\| `[a-z-]+` / `([a-z-]+)`', part, re.M))
    for a, b in re.findall(r'^\| `([a-z-]+)` / `([a-z-]+)`', part, re.M):
        props |= {a, b}
for p in sorted(props):
    expect(re.search(r'\*%s\*' % re.escape(p), man),
           f'device-tree property {p} (docs/device-tree.md) is not in '
           'docs/man/nkhv-dts.5.scd')
rules_doc = set(re.findall(r'^\| `([a-z-]+)` \|',
                           dt.split('## Rules', 1)[1], re.M))
# The rules are the terms: the lines of RULES that are not indented.
rules_man = set(re.findall(r'\*([a-z][a-z0-9-]*)\*', '\n'.join(
    line for line in sections(man, {'RULES'}).splitlines()
    if not line.startswith('\t'))))
same('device-tree rules', 'docs/device-tree.md', rules_doc,
     'the RULES of docs/man/nkhv-dts.5.scd', rules_man)
chan = read('docs/earlydata-channels.md')
keys = set(re.findall(r'^\| `([a-z-]+)` \|', chan.split('| key |', 1)[1]
                      .split('\n\n', 1)[0], re.M))
for k in sorted(keys):
    expect(re.search(r'\*%s\*' % re.escape(k),
                     sections(man, {'EARLYDATA CHANNELS'})),
           f'channel info key {k} (docs/earlydata-channels.md) is not in '
           'docs/man/nkhv-dts.5.scd')

for f in failures:
    print('FAIL:', f)
print(f'{len(failures)} mismatches' if failures else 'man pages in step')
sys.exit(1 if failures else 0)
