// The plan as a person reads it: one row per failure scenario, one column per consistency level with the read and
// the write outcome (✓ every key, ~ some keys, ✗ none, · the level is refused for that operation), the capacity
// left, then seed 004's guidelines. Pure.
import { READ_LEVELS, WRITE_LEVELS, type Outcome, type Plan, type Scenario } from './model.ts';

const mark = (o: Outcome, level: string, applicable: boolean): string =>
  !applicable ? '·' : o.all.includes(level) ? '✓' : o.some.includes(level) ? '~' : o.none.includes(level) ? '✗' : '·';

const KIND_LABEL: Record<Scenario['kind'], string> = { node: 'node', rack: 'AZ/rack', dc: 'DC/region', 'two-racks': '2 AZs/racks' };

export function formatPlan(p: Plan, header: readonly string[]): string {
  const levels = [...WRITE_LEVELS];
  const label = (s: Scenario): string => `${KIND_LABEL[s.kind]} ${s.name}`;
  const w = Math.max(24, ...p.scenarios.map((s) => label(s).length)) + 2;
  const colW = levels.map((l) => Math.max(l.length, 3) + 2);
  const cell = (text: string, i: number): string => text.padStart(Math.ceil((colW[i]! + text.length) / 2)).padEnd(colW[i]!);
  const lines = [...header, ''];
  lines.push(`${'down'.padEnd(w)}${'capacity'.padStart(9)}  ${levels.map((l, i) => cell(l, i)).join('')}`);
  lines.push(`${''.padEnd(w)}${'left'.padStart(9)}  ${levels.map((_, i) => cell('r w', i)).join('')}`);
  let kind: Scenario['kind'] | undefined;
  for (const s of p.scenarios) {
    if (kind !== undefined && s.kind !== kind) lines.push('');
    kind = s.kind;
    const marks = levels.map((l, i) => cell(`${mark(s.reads, l, (READ_LEVELS as readonly string[]).includes(l))} ${mark(s.writes, l, true)}`, i));
    lines.push(`${label(s).padEnd(w)}${`${s.capacityLeftPct}%`.padStart(9)}  ${marks.join('')}`);
  }
  lines.push('', '✓ every key   ~ some keys   ✗ no key   · refused for that operation (EACH_QUORUM reads, ANY reads); r = reads, w = writes,');
  lines.push('  from a live coordinator in every data centre that still has one, once the failure detector has convicted the dead nodes.');
  if (p.guidelines.length > 0) {
    lines.push('', 'Guidelines (seed 004):');
    for (const g of p.guidelines) lines.push(`  ${g.ok ? '✓' : '✗'} ${g.dc}: ${guidelineText(g.id)} — ${g.detail}`);
  }
  return `${lines.join('\n')}\n`;
}

function guidelineText(id: Plan['guidelines'][number]['id']): string {
  switch (id) {
    case 'azs-le-rf':
      return 'AZs ≤ RF, so each AZ can hold a full copy';
    case 'full-copy-per-az':
      return 'each AZ holds a full copy (from the ring)';
    case 'equal-nodes-per-az':
      return 'the same number of nodes in every AZ';
    case 'survives-az-loss':
      return 'an AZ outage keeps quorum reads and writes';
  }
}
