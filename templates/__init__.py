"""The files users may copy and override: the commented sheetsales.toml, the starter workbook
and the digest e-mail templates. Installed as sheetsales.templates; read through
importlib.resources (see sheetsales/core/templates.py)."""
