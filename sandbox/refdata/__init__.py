"""Public reference data (törzs): the getEntity JSON endpoint and the BNO-10 table."""
