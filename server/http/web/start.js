'use strict';
// Loaded last: every view has registered itself; sign-in is checked, then the page is drawn.
A.start(async () => {
  await A.initBranch();
  A.initBoard();
  if (A.initTasks) await A.initTasks();
  if (A.initImport) await A.initImport();
  if (A.initPeople) await A.initPeople();
});
