// The `require` entry of @gd/nn. The package is written as ES modules; Node 20.19+ (and 22.12+) can
// load an ES module with require(), so this file hands back that module's namespace, the same object
// `import` gives. An older Node cannot, and gets an error saying so instead of ERR_REQUIRE_ESM.
let entry: unknown;
try {
  entry = require('../index.js');
} catch (e) {
  if ((e as { code?: unknown } | null)?.code !== 'ERR_REQUIRE_ESM') throw e;
  throw new Error(
    `@gd/nn is ESM only: this Node (${process.version}) cannot require() an ES module. ` +
      "Load it with import (import { Linear } from '@gd/nn') or await import('@gd/nn'), or use Node >= 20.19.",
    { cause: e },
  );
}
module.exports = entry;
