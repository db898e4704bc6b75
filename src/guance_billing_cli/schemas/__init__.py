"""Request and response models shared by the client protocol and the server.

Plain pydantic only: nothing here may import SQLAlchemy, so the remote path
starts without it. One module per entity family.
"""
