/**
 * Entry point of the `mailsync` command (bin/mailsync runs it with Node 24).
 * Output goes out with synchronous writes, so nothing is lost on exit.
 */
import { writeSync } from 'node:fs';
import { dispatch } from './dispatch.js';

const write = (fd: number) => (text: string) => {
  writeSync(fd, text);
};

const code = await dispatch(process.argv.slice(2), {
  env: process.env,
  stdout: write(1),
  stderr: write(2),
  stdoutIsTTY: process.stdout.isTTY === true,
});
// The engine may leave sockets behind after a failure: the exit code is final, leave now.
if (code !== undefined) process.exit(code);
