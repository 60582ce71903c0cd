-- Dead letters in all and how many of them were replayed (oversight status).
SELECT count(*), count(replayed_at) FROM dead_letters
