-- New adoptions of the week per state.
SELECT agency_state AS state, count(*) AS adoptions FROM new_adoptions
WHERE week_start = $week AND agency_state IS NOT NULL
GROUP BY agency_state ORDER BY adoptions DESC, state;
