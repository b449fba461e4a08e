"""What leaves this machine for the stewards' Google Sheet (and the .xlsx download)."""
