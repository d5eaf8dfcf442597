// Module SMSLedgerConfig: implementation lands with its issue.
