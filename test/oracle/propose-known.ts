// Prints the unknown divergences of the last `npm run test:oracle` as candidate known-divergences.txt lines, with a
// one-line reason saying what each side did. For a person to review: the file lists only divergences someone has
// looked at and decided to leave for a later fix.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/tools/bundle.ts';

interface Div { key: string; detail: string; summary?: string }
const r = JSON.parse(readFileSync(join(REPO_ROOT, '.cache', 'oracle', 'report.json'), 'utf8')) as { scenarios: { unknown: Div[] }[] };
for (const s of r.scenarios) {
  for (const d of s.unknown) {
    const lines = d.detail.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const reason = (d.summary ?? (lines.length > 1 ? lines.slice(1) : lines).join('; ')).replace(/\s+/g, ' ').slice(0, 300);
    console.log(`${d.key} | ${reason}`);
  }
}
