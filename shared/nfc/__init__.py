"""NFC chip verification (ICAO 9303 ePassports / eID): parsing, Passive and Active
Authentication, trust store. Entry point: `shared.nfc.check.run_nfc`."""
