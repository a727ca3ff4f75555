#!/usr/bin/python3
# promcheck.py: validates Prometheus text exposition format 0.0.4 read from stdin (used by test_ops.sh).
# Every line must be a HELP, a TYPE or a sample; one HELP/TYPE per name, TYPE before its samples,
# samples of a metric grouped, histograms with ascending le ending in +Inf (= _count), last line
# newline-terminated. Prints "name{labels} value" per sample on stdout; errors on stderr, exit 1.
import math, re, sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
LVAL = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(r'^(%s)(\{(%s=%s(,%s=%s)*,?)?\})? (\S+)( -?\d+)?$' % (NAME, LABEL, LVAL, LABEL, LVAL))
HELP = re.compile(r'^# HELP (%s) (.*)$' % NAME)
TYPE = re.compile(r'^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$' % NAME)
PAIR = re.compile(r'(%s)=(%s)' % (LABEL, LVAL))

def value(s):
    if s in ('+Inf', '-Inf', 'NaN'):
        return float(s.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not re.match(r'^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$', s):
        raise ValueError(s)
    return float(s)

def base(name, types):
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in ('histogram', 'summary'):
            return name[:-len(suf)]
    return name

def main():
    text = sys.stdin.read()
    errs = []
    if not text.endswith('\n'):
        errs.append('last line is not newline-terminated')
    helps, types, done, current = set(), {}, set(), None
    buckets = {}
    for n, line in enumerate(text.split('\n')[:-1], 1):
        m = HELP.match(line) or TYPE.match(line)
        if line.startswith('# HELP'):
            if not m: errs.append('%d: bad HELP: %s' % (n, line)); continue
            if m.group(1) in helps: errs.append('%d: second HELP for %s' % (n, m.group(1)))
            helps.add(m.group(1)); continue
        if line.startswith('# TYPE'):
            if not m: errs.append('%d: bad TYPE: %s' % (n, line)); continue
            name = m.group(1)
            if name in types: errs.append('%d: second TYPE for %s' % (n, name))
            if name in done: errs.append('%d: TYPE for %s after its samples' % (n, name))
            types[name] = m.group(2); continue
        if line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            errs.append('%d: not a sample: %s' % (n, line)); continue
        name = m.group(1)
        try:
            v = value(m.group(5))
        except ValueError:
            errs.append('%d: bad value: %s' % (n, line)); continue
        b = base(name, types)
        if b != current:
            if b in done: errs.append('%d: samples of %s are not grouped' % (n, b))
            if current: done.add(current)
            current = b
        labels = dict(PAIR.findall(m.group(3) or ''))
        if types.get(b) == 'counter' and (v < 0 or math.isnan(v)):
            errs.append('%d: counter below zero: %s' % (n, line))
        if types.get(b) == 'histogram':
            key = (b, tuple(sorted((k, w) for k, w in labels.items() if k != 'le')))
            h = buckets.setdefault(key, {'le': [], 'count': None})
            if name.endswith('_bucket'):
                h['le'].append((value(labels['le'].strip('"')), v))
            elif name.endswith('_count'):
                h['count'] = v
        print('%s%s %s' % (name, m.group(2) or '', m.group(5)))
    for (b, _), h in buckets.items():
        les = [x for x, _ in h['le']]
        if les != sorted(les) or not les or les[-1] != math.inf:
            errs.append('histogram %s: le not ascending to +Inf' % b)
        counts = [c for _, c in h['le']]
        if counts != sorted(counts):
            errs.append('histogram %s: buckets not cumulative' % b)
        if les and h['count'] != counts[-1]:
            errs.append('histogram %s: +Inf bucket %s != _count %s' % (b, counts[-1], h['count']))
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0

sys.exit(main())
