import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_VARIABLES, SETTINGS } from '../../forwarder/config/settings.js';
import { BEGIN, END, settingsTable } from '../../scripts/settings-table.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the settings catalogue', () => {
  it('lists every environment variable the config readers read', () => {
    const known = new Set<string>([...SETTINGS.map((s) => s.name), ...RUNTIME_VARIABLES]);
    const read = new Set<string>();
    for (const file of sources('forwarder/config')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\br\.(?:string|has|oneOf|int|number|bool|list|url|regex|json)\(\s*'([A-Z0-9_]+)'/g)) {
        read.add(m[1] as string);
      }
    }
    expect([...read].filter((name) => !known.has(name))).toEqual([]);
  });

  it('has no duplicate names', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it('is what the README documents, table for table', () => {
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END)).trim();
    expect(table).toBe(settingsTable().trim());
  });

  it('is read only in forwarder/config: no other module touches process.env', () => {
    const offenders = sources('forwarder')
      .filter((f) => !f.startsWith(join('forwarder', 'config')) && !f.endsWith('handler.ts') && !f.endsWith('cli.ts'))
      .filter((f) => !f.includes(join('forwarder', 'subscriber')))
      .filter((f) => readFileSync(f, 'utf8').includes('process.env'));
    expect(offenders).toEqual([]);
  });
});
