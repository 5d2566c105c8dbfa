-- Table and index sizes of the store, partitions summed into their parent (docs/SCALING.md).
WITH rel AS (
  SELECT coalesce(pi.inhparent, c.oid) AS parent, c.oid, c.relkind
    FROM pg_class c
    LEFT JOIN pg_inherits pi ON pi.inhrelid = c.oid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
   WHERE c.relkind IN ('r', 'p')
)
SELECT p.relname AS table,
       sum(CASE WHEN r.relkind = 'r' THEN (SELECT reltuples FROM pg_class WHERE oid = r.oid) ELSE 0 END)::bigint AS rows_est,
       pg_size_pretty(sum(pg_table_size(r.oid))) AS heap_toast,
       pg_size_pretty(sum(pg_indexes_size(r.oid))) AS indexes,
       pg_size_pretty(sum(pg_total_relation_size(r.oid))) AS total,
       sum(pg_total_relation_size(r.oid)) AS total_bytes
  FROM rel r JOIN pg_class p ON p.oid = r.parent
 GROUP BY p.relname
 ORDER BY total_bytes DESC;
