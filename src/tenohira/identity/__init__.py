"""Card identity in the style of JPKI.

Certificate authority, card issuance, card simulator, challenge authentication,
signing and revocation.
"""
