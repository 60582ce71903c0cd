-- The events a correction gave to the agency (usually none): web_agency_moved.sql reads them by id.
SELECT DISTINCT event_id FROM corrections WHERE event_id IS NOT NULL AND field = 'agency' AND new_value = $agency_id;
