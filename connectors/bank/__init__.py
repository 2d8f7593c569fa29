"""Bank statement files: CAMT, MT940, BAI2, OFX and CSV profiles."""
