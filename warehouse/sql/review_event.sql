-- One event as researchers see it (corrections applied), rejected or not.
SELECT event_id, article_id, agency_id, agency, technology, vendor_id, vendor, action, review_state
FROM corrected_events WHERE event_id = $event_id;
