// Module HTTPServing: implementation lands with its issue.
