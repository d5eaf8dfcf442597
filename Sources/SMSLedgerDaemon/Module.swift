// Module SMSLedgerDaemon: implementation lands with its issue.
