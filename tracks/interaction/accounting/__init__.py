"""What is charged and logged: the word ledger, episode logs, the training ledger, verify."""
