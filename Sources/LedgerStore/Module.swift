// Module LedgerStore: implementation lands with its issue.
