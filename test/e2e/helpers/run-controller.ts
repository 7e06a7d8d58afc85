/** Starts `mailsync controller` from the sources (node --import tsx run-controller.ts ...flags). */
import { main } from '../../../src/controller/main.js';

process.exitCode = await main(process.argv.slice(2));
// Sockets of informers may linger for a moment: the exit code is final.
process.exit(process.exitCode);
