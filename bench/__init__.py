"""`make bench`: the API against bare Django, Datasette and raw sqlite3 on the same data (README.md)."""
