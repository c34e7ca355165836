// What the browser tests share: arguments, a tiny check runner that prints one line per check
// and `N passed, M failed[, K skipped]` last, and Chromium launched the way the house runs it.

import { chromium } from 'playwright-core';

/** `--key value` and `--key=value` pairs. */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else { out[a.slice(2)] = argv[i + 1]; i += 1; }
  }
  return out;
}

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

/** Thrown by a check that cannot run here (counted apart, not as a failure). */
export class Skip extends Error {}

/** Polls `fn` until it returns something truthy. */
export async function eventually(what, fn, timeoutMs = 8000, everyMs = 150) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) { last = e; }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class Runner {
  constructor() { this.passed = 0; this.failed = 0; this.skipped = 0; }

  async check(name, fn) {
    const t0 = Date.now();
    try {
      await fn();
      this.passed += 1;
      console.log(`ok - ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      if (e instanceof Skip) {
        this.skipped += 1;
        console.log(`skip - ${name}: ${e.message}`);
        return;
      }
      this.fail(`${name}: ${(e && e.message) || e}`);
    }
  }

  /** A failure outside any check (setup, a watchdog). */
  fail(what) {
    this.failed += 1;
    console.log(`not ok - ${what}`);
  }

  summary() {
    console.log(`${this.passed} passed, ${this.failed} failed${this.skipped ? `, ${this.skipped} skipped` : ''}`);
  }

  /** Prints the summary and exits 1 on any failure. */
  exit() {
    this.summary();
    process.exit(this.failed ? 1 : 0);
  }
}

/** Headless Chromium with the flags the machine needs. */
export function launch(executablePath) {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}
