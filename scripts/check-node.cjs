// Runs before `npm start`, `npm run dev` and `npm test` (npm's pre-scripts), on whatever Node the
// machine has: one line naming the fix instead of a stack trace from a dependency that needs a
// newer Node (undici 8 dies on Node 20 with "Cannot read properties of undefined (reading 'bind')").
'use strict';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `chatgate needs Node.js >= 22.18 (this is ${process.version}): run \`. scripts/use-node.sh\` first ` +
      '(it installs Node 24 into .tools and puts it on PATH), then run the command again.\n',
  );
  process.exit(1);
}
