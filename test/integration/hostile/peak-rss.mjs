// Loaded into the mailsync process under test (NODE_OPTIONS=--import ...): at exit, write the
// process's peak resident set size (VmHWM, bytes) to $PEAK_RSS_FILE.
import { readFileSync, writeFileSync } from 'node:fs';

process.on('exit', () => {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (match && process.env.PEAK_RSS_FILE) writeFileSync(process.env.PEAK_RSS_FILE, String(Number(match[1]) * 1024));
});
