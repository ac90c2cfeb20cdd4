"""Monitoring's phone feed: what a phone needs of monitoring for its area, offline, kept up to date the way
the registry's sync feed keeps households (services/registry/sync): first a full download, source by
source, then the changes window by window, with a cursor that says where the phone is.

Sources (``sources.SOURCES``) are tables with an ``id`` (uuid) and an ``area_code``: plans (measures),
screening rounds and each round's households. Every insert or update of a source's rows is noted in
``monitoring.phone_changes`` by a trigger (sql/070_phone_feed.sql), in the writing transaction, with the
row's area now and the area it left; the feed reads that log by transaction id (services.common.events
.window), so a change that commits late is never skipped. A record that left the phone's area arrives
as a tombstone.

Adding a source (say school-age children or requests):
1. one entry in ``sources.SOURCES``: ``FeedSource("children", SchoolChild, ChildRead)`` — the name the
   phone sees, the table model, and the read schema the rows are sent as (``from_attributes``); pass
   ``reaches_down=True`` when a row of an area holds the phones below it (a county's round);
2. the same table and name in the list at the top of sql/070_phone_feed.sql (``'school_children:children'``)
   so its writes are logged. tests/test_monitoring_feed.py checks that the two lists agree.
Phones that synced before a source was added are told to start again (409 ``sync_restart``), so they get
the new source's existing rows too.
"""
