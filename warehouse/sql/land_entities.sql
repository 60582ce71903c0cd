-- Record canonical agencies and vendors first seen in this batch.
INSERT INTO agencies BY NAME
SELECT canonical_id AS agency_id, any_value(canonical_name) AS name, any_value(state) AS state, now() AS first_seen
FROM batch_mentions WHERE label = 'agency' GROUP BY canonical_id
ON CONFLICT (agency_id) DO NOTHING;
INSERT INTO vendors BY NAME
SELECT canonical_id AS vendor_id, any_value(canonical_name) AS name, now() AS first_seen
FROM batch_mentions WHERE label = 'vendor' GROUP BY canonical_id
ON CONFLICT (vendor_id) DO NOTHING;
