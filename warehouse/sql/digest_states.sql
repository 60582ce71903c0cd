-- New adoptions (first reports of use or purchase) of the week per state, as in the digest's section.
SELECT agency_state AS state, count(*) AS adoptions FROM new_adoptions
WHERE week_start = $week AND agency_state IS NOT NULL AND action IN ('uses', 'acquires')
GROUP BY agency_state ORDER BY adoptions DESC, state;
