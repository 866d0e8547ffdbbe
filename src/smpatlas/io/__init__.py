"""Import and export of partnership records (CSV, XLSX, JSON, JSON Lines, Data Package)."""
