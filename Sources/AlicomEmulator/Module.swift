// Module AlicomEmulator: implementation lands with its issue.
