-- conversion-sink schema. Rows are immutable facts from Kafka: every table is keyed by the id the
-- validator mints, so a replayed record hits the primary key and is ignored (INSERT ... ON CONFLICT DO NOTHING).
-- Money is numeric(18,4) like the Avro decimals; times are timestamptz (UTC instants).

CREATE TABLE lead_outcomes (
    submission_id    text           NOT NULL,
    revision         integer        NOT NULL,
    event_type_id    text           NOT NULL,
    partner_id       text           NOT NULL,
    verdict          text           NOT NULL,
    reason           text,
    order_id         text,
    amount           numeric(18, 4),
    currency         text,
    amount_defaulted boolean        NOT NULL DEFAULT false,
    payout           numeric(18, 4),
    extras           jsonb          NOT NULL DEFAULT '{}'::jsonb,
    attempts         integer        NOT NULL DEFAULT 0,
    failure_class    text           NOT NULL,
    received_at      timestamptz    NOT NULL,
    decided_at       timestamptz    NOT NULL,
    written_at       timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT lead_outcomes_pk PRIMARY KEY (submission_id, revision)
);

CREATE INDEX lead_outcomes_partner_decided_idx ON lead_outcomes (partner_id, decided_at);

CREATE TABLE conversions (
    conversion_id    text           NOT NULL,
    submission_id    text           NOT NULL,
    revision         integer        NOT NULL,
    event_type_id    text           NOT NULL,
    partner_id       text           NOT NULL,
    order_id         text,
    amount           numeric(18, 4) NOT NULL,
    currency         text           NOT NULL,
    amount_defaulted boolean        NOT NULL DEFAULT false,
    recorded_at      timestamptz    NOT NULL,
    written_at       timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT conversions_pk PRIMARY KEY (conversion_id)
);

CREATE INDEX conversions_partner_recorded_idx ON conversions (partner_id, recorded_at);
CREATE INDEX conversions_submission_idx ON conversions (submission_id);

CREATE TABLE payouts (
    payout_id        text           NOT NULL,
    submission_id    text           NOT NULL,
    revision         integer        NOT NULL,
    partner_id       text           NOT NULL,
    event_type_id    text           NOT NULL,
    amount           numeric(18, 4) NOT NULL, -- signed: a reversal is negative
    currency         text           NOT NULL,
    kind             text           NOT NULL,
    created_at       timestamptz    NOT NULL,
    written_at       timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT payouts_pk PRIMARY KEY (payout_id)
);

CREATE INDEX payouts_partner_created_idx ON payouts (partner_id, created_at);
CREATE INDEX payouts_submission_idx ON payouts (submission_id);

-- The verdict in force per submission: its highest revision.
CREATE VIEW current_outcomes AS
SELECT DISTINCT ON (submission_id) *
FROM lead_outcomes
ORDER BY submission_id, revision DESC;
