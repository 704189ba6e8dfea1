"""Proof of address: read utility bills, bank statements and official letters, and check them.

Entry point: `shared.poa.check.run_proof_of_address`.
"""
