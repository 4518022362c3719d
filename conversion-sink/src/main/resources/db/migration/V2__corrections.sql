-- Corrections (validator issue 6): reversed conversions, and why each outcome revision exists.

CREATE TABLE conversion_reversals (
    reversal_id      text           NOT NULL,
    conversion_id    text           NOT NULL,
    submission_id    text           NOT NULL,
    revision         integer        NOT NULL,
    event_type_id    text           NOT NULL,
    partner_id       text           NOT NULL,
    order_id         text,
    amount           numeric(18, 4) NOT NULL, -- the reversed conversion's amount, positive
    currency         text           NOT NULL,
    reason           text,
    reversed_at      timestamptz    NOT NULL,
    written_at       timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT conversion_reversals_pk PRIMARY KEY (reversal_id)
);

CREATE INDEX conversion_reversals_conversion_idx ON conversion_reversals (conversion_id);
CREATE INDEX conversion_reversals_submission_idx ON conversion_reversals (submission_id);

ALTER TABLE lead_outcomes
    ADD COLUMN cause           text, -- FINAL_RESPONSE, DEADLINE, LATE_RESPONSE, NEW_RESPONSE, RECLASSIFY (null: before v2)
    ADD COLUMN request_id      text, -- the reclassify request behind a RECLASSIFY revision
    ADD COLUMN payout_currency text;

-- SELECT * in a view is expanded when the view is created: recreate it to carry the new columns.
DROP VIEW current_outcomes;
CREATE VIEW current_outcomes AS
SELECT DISTINCT ON (submission_id) *
FROM lead_outcomes
ORDER BY submission_id, revision DESC;

-- Conversions that stand: recorded and not reversed.
CREATE VIEW standing_conversions AS
SELECT c.*
FROM conversions c
WHERE NOT EXISTS (SELECT 1 FROM conversion_reversals r WHERE r.conversion_id = c.conversion_id);
