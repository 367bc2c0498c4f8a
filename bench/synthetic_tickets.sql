-- Synthetic tickets and events straight in SQL, for EXPLAIN work before/without app.tickets.seed.
-- 180-day span, ~8% reopened, ~4% never picked up, 5 agents. Run on a freshly migrated database:
--   psql -h 127.0.0.1 -U postgres -d DB -v n=1000000 -f bench/synthetic_tickets.sql
INSERT INTO users (id, username, password_hash, role, is_active, created_at)
SELECT i, CASE WHEN i = 1 THEN 'demo' ELSE 'agent' || (i-1) END, 'x', CASE WHEN i = 1 THEN 'requester' ELSE 'agent' END, true, now()
FROM generate_series(1, 6) i;
SELECT setval('users_id_seq', 6);
CREATE TEMP TABLE plan AS
SELECT i AS id,
       now() - (random() * 180 * 86400) * interval '1 second' AS created,
       (ARRAY['bug','billing','account','feature','other',NULL])[1 + floor(random()*6)::int] AS category,
       (ARRAY['LOW','MEDIUM','HIGH','URGENT'])[1 + floor(random()*4)::int] AS priority,
       2 + floor(random()*5)::int AS agent,
       random() AS fate,
       (random() * 3 * 3600)::int AS resp,
       (random() * 5 * 86400)::int AS res,
       random() < 0.08 AS reopen
FROM generate_series(1, :n) i;
INSERT INTO tickets (id, title, description, status, priority, category, category_source, created_by_id, assigned_to_id, created_at, updated_at, resolved_at)
SELECT id, 'Ticket ' || id, 'Some description of the problem', 
  CASE WHEN fate < 0.04 OR created + (resp + res) * interval '1 second' > now() THEN 'OPEN' WHEN reopen THEN 'RESOLVED' ELSE 'RESOLVED' END,
  priority, category, CASE WHEN category IS NULL THEN NULL ELSE 'human' END, 1,
  CASE WHEN fate < 0.04 THEN NULL ELSE agent END, created, created,
  CASE WHEN fate < 0.04 OR created + (resp + res) * interval '1 second' > now() THEN NULL
       WHEN reopen THEN created + (resp + 2 * res) * interval '1 second' ELSE created + (resp + res) * interval '1 second' END
FROM plan;
UPDATE tickets SET resolved_at = NULL, status = 'OPEN' WHERE resolved_at > now();
INSERT INTO ticket_events (ticket_id, actor_id, kind, from_value, to_value, created_at)
SELECT id, 1, 'created', NULL, 'OPEN', created FROM plan
UNION ALL SELECT id, agent, 'assignment', NULL, agent::text, created + resp * interval '1 second' FROM plan WHERE fate >= 0.04 AND created + resp * interval '1 second' < now()
UNION ALL SELECT id, agent, 'status', 'OPEN', 'RESOLVED', created + (resp + res) * interval '1 second' FROM plan WHERE fate >= 0.04 AND created + (resp + res) * interval '1 second' < now()
UNION ALL SELECT id, agent, 'status', 'RESOLVED', 'OPEN', created + (resp + res + 3600) * interval '1 second' FROM plan WHERE fate >= 0.04 AND reopen AND created + (resp + res + 3600) * interval '1 second' < now()
UNION ALL SELECT id, agent, 'status', 'OPEN', 'RESOLVED', created + (resp + 2 * res) * interval '1 second' FROM plan WHERE fate >= 0.04 AND reopen AND created + (resp + 2 * res) * interval '1 second' < now()
UNION ALL SELECT id, agent, 'category', NULL, category, created + 60 * interval '1 second' FROM plan WHERE category IS NOT NULL;
SELECT setval('tickets_id_seq', :n);
VACUUM ANALYZE tickets;
VACUUM ANALYZE ticket_events;
