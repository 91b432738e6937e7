-- Queue ordering reads only open cases, in exactly this order: partial indexes make it an index walk.
DROP INDEX cases_queue_order;
CREATE INDEX cases_open_order ON cases (priority, sla_due, risk DESC, id) WHERE status <> 'closed';
CREATE INDEX cases_open_by_queue ON cases (queue, priority, sla_due, risk DESC, id) WHERE status <> 'closed';
