"""The concentrateur: link producers' identity tables to the reference population, deliver pseudonyms.

Identities are held only encrypted in the vault (``vault.py``), decrypted in memory inside the
linkage job, and destroyed after delivery. ``service.py`` is the domain's public face.
"""
