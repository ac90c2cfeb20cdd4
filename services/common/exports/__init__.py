"""Ledger exports too big for one request: written in the background, kept in the database, fetched later.

A ledger endpoint counts the rows first; over ``export_inline_max_rows`` it answers 202 with an export
job instead of the file. The service writes the same stream a direct download would, in chunks of about
a megabyte, into ``export_chunks`` (so any replica can serve the file, and a restart loses nothing that
was reported done), counting rows as it goes so the job resource shows progress. Each chunk is sealed
(AES-256-GCM, see ``sealing``): a ledger with full ID numbers never rests in the database in clear. The
file is kept for ``EXPORT_KEPT_FOR``, served to the account that asked for it only (whole, or from a
byte range to resume), and then deleted by the runner's sweep.
"""
