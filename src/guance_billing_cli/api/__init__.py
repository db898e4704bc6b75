"""The operations, declared once per noun (``api/declare.py`` says how)."""
