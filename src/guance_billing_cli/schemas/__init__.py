"""Request and response models shared by the client protocol and the server.

Plain pydantic only: nothing here may import SQLAlchemy, so the remote path
starts without it. One module per entity family, plus the rules every face shares
about the values on the wire: ``plaintext`` (which characters free text may hold),
``masking`` (how personal data is shown) and ``suggest_kinds`` (what completion can ask
for).
"""
