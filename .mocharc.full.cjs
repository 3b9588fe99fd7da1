// The full suite, `npm test`: every test file. It holds no option of its own but the files, so that
// .mocharc.json, which every run shares, names none: mocha adds a config's files to the ones a command
// line gives, and `npx mocha test/x.test.ts` runs that one file only.
'use strict';

module.exports = {
  ...require('./.mocharc.json'),
  spec: [
    'test/**/*.test.ts',
    'echo-function/test/**/*.test.ts',
    'worker/test/**/*.test.ts',
    'examples/**/test/**/*.test.ts',
  ],
};
