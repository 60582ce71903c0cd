-- Record canonical agencies and vendors first seen in this batch (keyed on their ids).
MERGE INTO agencies USING (
    SELECT canonical_id AS agency_id, any_value(canonical_name) AS name, any_value(state) AS state
    FROM batch_mentions WHERE label = 'agency' GROUP BY canonical_id
) b ON agencies.agency_id = b.agency_id
WHEN NOT MATCHED THEN INSERT (agency_id, name, state, first_seen) VALUES (b.agency_id, b.name, b.state, now());
MERGE INTO vendors USING (
    SELECT canonical_id AS vendor_id, any_value(canonical_name) AS name
    FROM batch_mentions WHERE label = 'vendor' GROUP BY canonical_id
) b ON vendors.vendor_id = b.vendor_id
WHEN NOT MATCHED THEN INSERT (vendor_id, name, first_seen) VALUES (b.vendor_id, b.name, now());
