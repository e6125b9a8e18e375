-- When the notifications behind a piece of work arrived at e2guard, so that the delay from a
-- notification to its write-back can be measured (metric e2guard.writeback.delay, and the EHR round
-- trip benchmark). Times only: no patient data.

-- The earliest arrival of the notifications that queued this row and that no worker has picked up
-- yet: a claim takes it along (and clears it), enqueues while the row runs start it again, and a
-- failed or released attempt puts it back. NULL for work no notification caused (sync, subscribe,
-- an explicit request).
ALTER TABLE ehr_outbox ADD COLUMN received_at TIMESTAMPTZ;

-- The arrival of the earliest notification behind the write that produced this state (NULL when the
-- write came from the catch-up sync or an explicit request).
ALTER TABLE writeback_state ADD COLUMN notified_at TIMESTAMPTZ;
