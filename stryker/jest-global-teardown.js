/** Global teardown of the mutation run: nothing per run; jest-global-setup.js removes its synthesis when the process exits. */
"use strict";
module.exports = async function globalTeardown() {};
