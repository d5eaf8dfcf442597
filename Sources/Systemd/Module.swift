// Module Systemd: implementation lands with its issue.
